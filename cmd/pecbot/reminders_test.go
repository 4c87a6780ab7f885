package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/jobs"
	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// Reminders on Telegram, with the bot's clock in the test's hands: days
// pass in milliseconds, and each step waits until the job engine and the
// sender have done all that the new time asks (no sleeps).

// startBotAt runs the bot in this process with clock as its time.
func startBotAt(t *testing.T, env map[string]string, clock *bot.Clock) (stop func() (error, string)) {
	t.Helper()
	cleanEnv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- runBot(ctx, &logs, clock) }()
	var once sync.Once
	var result error
	stop = func() (error, string) {
		once.Do(func() { cancel(); result = <-done })
		return result, logs.String()
	}
	t.Cleanup(func() {
		if _, logs := stop(); t.Failed() {
			t.Logf("the bot's log:\n%s", logs)
		}
	})
	return stop
}

// reminderRig is a bot, its Redis and the fake Bot API, at a time the test
// sets.
type reminderRig struct {
	t     *testing.T
	fake  *telegramtest.Server
	rds   *redistest.Server
	rdb   redis.UniversalClient
	clock *bot.Clock
	eng   *jobs.Engine // the same queue as the bot's: to look at it
	store *storage.Store
}

func newReminderRig(t *testing.T, start time.Time) *reminderRig {
	t.Helper()
	rds := redistest.StartServer(t)
	clock := bot.FixedClock(start)
	return &reminderRig{
		t: t, fake: telegramtest.New(t, testToken), rds: rds, rdb: rds.Client(), clock: clock,
		eng:   jobs.New(rds.Client(), jobs.Options{Clock: clock}, zerolog.Nop()),
		store: storage.New(rds.Client(), storage.Options{}),
	}
}

func (r *reminderRig) start() (stop func() (error, string)) {
	r.t.Helper()
	return startBotAt(r.t, botEnv(r.fake, r.rds.Addr()), r.clock)
}

// at moves the clock to t (Rome) and waits until every wake-up due by then
// has run and its messages are delivered to chats.
func (r *reminderRig) at(t time.Time, chats ...int64) {
	r.t.Helper()
	r.clock.Set(t)
	if _, err := r.eng.RunDue(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	waitUntil(r.t, 30*time.Second, "the due wake-ups handled", func() bool {
		n, err := r.eng.Ready(context.Background())
		return err == nil && n == 0
	})
	for _, c := range chats {
		quietChat(r.t, r.rdb, c)
	}
}

// toActivationWait takes chats, side by side, from /start to "fax sent
// today" and returns the number of messages each got.
func (r *reminderRig) toActivationWait(chats ...int64) map[int64]int {
	r.t.Helper()
	for _, c := range chats {
		r.fake.PushMessage(c, "/start")
	}
	for _, c := range chats {
		waitText(r.t, r.fake, c, "cosa devi fare?", 10*time.Second)
	}
	for _, step := range []struct{ press, want string }{
		{"🆕 Attivare", "Quando hai confermato"},
		{"Ho confermato", "Come hai pagato?"},
		{"Bollettino", "Hai già inviato il fax?"},
		{"Sì, oggi", "Ti scriverò"},
	} {
		r.pressAll(chats, step.press, step.want)
	}
	sent := map[int64]int{}
	for _, c := range chats {
		quietChat(r.t, r.rdb, c)
		sent[c] = len(r.fake.Sent(c))
	}
	return sent
}

// press presses the button label under chat's last message and waits for
// a new message containing want.
func (r *reminderRig) press(chat int64, label, want string) {
	r.t.Helper()
	r.pressAll([]int64{chat}, label, want)
}

// pressAll presses label in each chat, then waits for each to get a new
// message containing want.
func (r *reminderRig) pressAll(chats []int64, label, want string) {
	r.t.Helper()
	before := map[int64]int{}
	for _, c := range chats {
		before[c] = len(r.fake.Sent(c))
		press(r.t, r.fake, c, label)
	}
	for _, c := range chats {
		waitUntil(r.t, 10*time.Second, fmt.Sprintf("%q after pressing %q", want, label), func() bool {
			sent := r.fake.Sent(c)
			for _, m := range sent[min(before[c], len(sent)):] {
				if strings.Contains(m.Plain, want) {
					return true
				}
			}
			return false
		})
	}
}

// wakeAt is the time of chat's pending wake-up in the index, zero if none.
func (r *reminderRig) wakeAt(chat int64) time.Time {
	r.t.Helper()
	score, err := r.rdb.ZScore(context.Background(), "pecbot:wakes", fmt.Sprint(chat)).Result()
	if err == redis.Nil {
		return time.Time{}
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return time.Unix(int64(score), 0).In(rome(r.t))
}

func rome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

const activationCheck = "Oggi è il giorno previsto per l'attivazione"

// TestReminderArrivesOnTime: fax on Thursday 30 September 2027 → the
// activation check on Friday 8 October 2027 at 10:00 (4 October is a
// holiday), not earlier, not twice; "not yet" → one more check two working
// days later.
func TestReminderArrivesOnTime(t *testing.T) {
	const chat = 8101
	loc := rome(t)
	r := newReminderRig(t, time.Date(2027, 9, 30, 10, 0, 0, 0, loc))
	r.start()
	sent := r.toActivationWait(chat)[chat]
	if got := lastText(r.fake, chat); !strings.Contains(got, "Ti scriverò venerdì 8 ottobre 2027 alle 10:00") {
		t.Fatalf("after the fax: %q; want the promise of Friday 8 October 10:00", got)
	}
	if due := time.Date(2027, 10, 8, 10, 0, 0, 0, loc); !r.wakeAt(chat).Equal(due) {
		t.Fatalf("wake-up indexed at %v; want %v", r.wakeAt(chat), due)
	}
	if n, err := r.eng.Pending(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d wake-ups in the engine (%v); want 1", n, err)
	}

	for _, early := range []time.Time{
		time.Date(2027, 10, 4, 10, 0, 0, 0, loc), // 5 calendar days: the holiday does not count
		time.Date(2027, 10, 7, 23, 0, 0, 0, loc),
		time.Date(2027, 10, 8, 9, 59, 59, 0, loc),
	} {
		r.at(early, chat)
		if got := len(r.fake.Sent(chat)); got != sent {
			t.Fatalf("at %v the member got %d new messages (%q); want none yet", early, got-sent, lastText(r.fake, chat))
		}
	}
	r.at(time.Date(2027, 10, 8, 10, 0, 0, 0, loc), chat)
	if got := countText(r.fake, chat, activationCheck); got != 1 {
		t.Fatalf("at Friday 8 October 10:00: %d activation checks; want 1 (last: %q)", got, lastText(r.fake, chat))
	}
	_, buttons := lastButtons(t, r.fake, chat)
	var labels []string
	for _, b := range buttons {
		labels = append(labels, b.Text)
	}
	for _, want := range []string{"Sì, è arrivata", "No, non ancora", "🔕"} {
		if !strings.Contains(strings.Join(labels, "|"), want) {
			t.Errorf("the reminder's buttons %q lack %q", labels, want)
		}
	}
	for _, later := range []time.Time{
		time.Date(2027, 10, 8, 10, 5, 0, 0, loc),
		time.Date(2027, 10, 11, 10, 0, 0, 0, loc),
	} {
		r.at(later, chat)
		if got := countText(r.fake, chat, activationCheck); got != 1 {
			t.Fatalf("at %v: %d activation checks; want still 1", later, got)
		}
	}

	// "Not yet" (pressed on Monday 11) → once more two working days later.
	r.press(chat, "No, non ancora", "mercoledì 13 ottobre 2027")
	quietChat(t, r.rdb, chat)
	before := len(r.fake.Sent(chat))
	r.at(time.Date(2027, 10, 13, 9, 0, 0, 0, loc), chat)
	if got := len(r.fake.Sent(chat)); got != before {
		t.Fatalf("the second check came an hour early: %q", lastText(r.fake, chat))
	}
	r.at(time.Date(2027, 10, 13, 10, 0, 0, 0, loc), chat)
	if got := len(r.fake.Sent(chat)); got != before+1 {
		t.Fatalf("at Wednesday 13 October 10:00: %d new messages; want the second check", got-before)
	}
	noRejectedCalls(t, r.fake)
}

// TestReminderAfterDowntime: the bot is down when a reminder falls due; it
// comes back at night: the reminder goes once, at the next civil hour on a
// working day, not at night.
func TestReminderAfterDowntime(t *testing.T) {
	const chat, onTime = 8201, 8202
	loc := rome(t)
	r := newReminderRig(t, time.Date(2027, 9, 30, 10, 0, 0, 0, loc))
	stop := r.start()
	journeys := r.toActivationWait(chat, onTime)
	sent, sentOnTime := journeys[chat], journeys[onTime]
	if err, logs := stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, logs)
	}

	// Down from Thursday to Friday 8 October 22:00: the 10:00 reminder
	// fell due meanwhile.
	r.clock.Set(time.Date(2027, 10, 8, 22, 0, 0, 0, loc))
	r.start()
	r.at(time.Date(2027, 10, 8, 22, 0, 0, 0, loc), chat, onTime)
	if got := len(r.fake.Sent(chat)); got != sent {
		t.Fatalf("back at 22:00 the member got %q; want nothing at night", lastText(r.fake, chat))
	}
	monday := time.Date(2027, 10, 11, 10, 0, 0, 0, loc) // Saturday and Sunday are not working days
	if got := r.wakeAt(chat); !got.Equal(monday) {
		t.Fatalf("the overdue reminder is put off to %v; want %v", got, monday)
	}
	r.at(time.Date(2027, 10, 9, 10, 0, 0, 0, loc), chat)
	if got := len(r.fake.Sent(chat)); got != sent {
		t.Fatalf("on Saturday the member got %q; want nothing", lastText(r.fake, chat))
	}
	r.at(monday, chat, onTime)
	if got := len(r.fake.Sent(chat)); got != sent+1 {
		t.Fatalf("on Monday 10:00: %d new messages; want the one reminder", got-sent)
	}
	if got := len(r.fake.Sent(onTime)); got != sentOnTime+1 {
		t.Fatalf("the other member: %d new messages; want the one reminder", got-sentOnTime)
	}
	r.at(time.Date(2027, 10, 12, 10, 0, 0, 0, loc), chat, onTime)
	if got := len(r.fake.Sent(chat)); got != sent+1 {
		t.Fatalf("a day later: %d new messages in all; want still the one reminder", got-sent)
	}
}

// TestNoReminderAfterCancelForgetMuteOrBlock: /cancel, /forget, reminders
// switched off, or a member who blocked the bot → no reminder; the
// engine's tasks are removed (muting and unmuting schedules it again).
func TestNoReminderAfterCancelForgetMuteOrBlock(t *testing.T) {
	const cancelled, forgotten, muted, blocked = 8301, 8302, 8303, 8304
	loc := rome(t)
	r := newReminderRig(t, time.Date(2027, 9, 30, 10, 0, 0, 0, loc))
	r.start()
	ctx := context.Background()
	sent := r.toActivationWait(cancelled, forgotten, muted, blocked)
	if n, _ := r.eng.Pending(ctx); n != 4 {
		t.Fatalf("%d wake-ups scheduled; want 4", n)
	}

	r.fake.PushMessage(cancelled, "/cancel")
	waitUntil(t, 10*time.Second, "/cancel answered", func() bool { return len(r.fake.Sent(cancelled)) > sent[cancelled] })
	r.fake.PushMessage(forgotten, "/forget")
	waitUntil(t, 10*time.Second, "/forget answered", func() bool { return len(r.fake.Sent(forgotten)) > sent[forgotten] })
	r.press(forgotten, "Sì, cancella tutto", "ho cancellato tutti i tuoi dati")
	r.press(muted, "🔕", "Promemoria: disattivati")
	quietChat(t, r.rdb, cancelled)
	quietChat(t, r.rdb, forgotten)
	quietChat(t, r.rdb, muted)
	waitUntil(t, 10*time.Second, "the three wake-ups removed", func() bool {
		n, err := r.eng.Pending(ctx)
		return err == nil && n == 1
	})
	if exists, _ := r.rdb.Exists(ctx, fmt.Sprintf("pecbot:{%d}:member", forgotten)).Result(); exists != 0 {
		t.Fatal("the forgotten member's state is still stored")
	}
	if err := r.store.SetBlocked(ctx, blocked, true); err != nil { // as a 403 would
		t.Fatal(err)
	}
	for _, c := range []int64{cancelled, forgotten, muted, blocked} {
		sent[c] = len(r.fake.Sent(c))
	}

	r.at(time.Date(2027, 10, 8, 10, 0, 0, 0, loc), cancelled, forgotten, muted, blocked)
	r.at(time.Date(2027, 10, 20, 10, 0, 0, 7e8, loc), cancelled, forgotten, muted, blocked) // a fraction of a second: wake-ups are kept to the second
	for _, c := range []int64{cancelled, forgotten, muted, blocked} {
		if got := len(r.fake.Sent(c)); got != sent[c] {
			t.Errorf("chat %d got %q after its reminder was cancelled", c, lastText(r.fake, c))
		}
	}
	if counts, err := r.store.Wakes(ctx, time.Date(2027, 10, 21, 0, 0, 0, 0, loc)); err != nil || counts.Pending != 0 {
		t.Errorf("wake-up index after all: %+v (%v); want none pending", counts, err)
	}
	if exists, _ := r.rdb.Exists(ctx, fmt.Sprintf("pecbot:{%d}:member", forgotten)).Result(); exists != 0 {
		t.Error("a wake-up brought the forgotten member's state back")
	}

	// Reminders back on: the one that fell due while muted comes at once
	// (a civil hour on a working day), once, saying how things stand.
	before := len(r.fake.Sent(muted))
	r.press(muted, "🔔", "Promemoria")
	quietChat(t, r.rdb, muted)
	r.at(r.clock.Now(), muted)
	r.at(r.clock.Now().Add(24*time.Hour), muted)
	if got := countText(r.fake, muted, "doveva attivarsi entro"); got != 1 {
		var texts []string
		for _, m := range r.fake.Sent(muted)[before:] {
			texts = append(texts, m.Plain)
		}
		t.Errorf("after switching reminders back on: %d late activation checks; want one:\n%s", got, strings.Join(texts, "\n---\n"))
	}
}

// TestRemindersRestoredAfterUpgrade: states written when no reminder was
// scheduled (by the version before the job engine, or after the engine's
// keys were lost) get their reminders after the next start, once.
func TestRemindersRestoredAfterUpgrade(t *testing.T) {
	const chat = 8401
	loc := rome(t)
	ctx := context.Background()
	r := newReminderRig(t, time.Date(2027, 9, 30, 10, 0, 0, 0, loc))
	stop := r.start()
	sent := r.toActivationWait(chat)[chat]
	if err, logs := stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, logs)
	}
	// As the previous version left Redis: the member's state waiting for
	// 8 October, and no task, no index entry, no mark of a restore.
	keys, err := r.rdb.Keys(ctx, "asynq:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, "pecbot:wakes", "pecbot:done:"+wakesRestored)
	if err := r.rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}

	r.start()
	waitUntil(t, 10*time.Second, "the wake-up restored", func() bool { return !r.wakeAt(chat).IsZero() })
	if n, err := r.eng.Pending(ctx); err != nil || n != 1 {
		t.Fatalf("%d wake-ups after the restore (%v); want 1", n, err)
	}
	r.at(time.Date(2027, 10, 8, 10, 0, 0, 0, loc), chat)
	r.at(time.Date(2027, 10, 9, 10, 0, 0, 0, loc), chat)
	if got := countText(r.fake, chat, activationCheck); got != 1 || len(r.fake.Sent(chat)) != sent+1 {
		t.Fatalf("after the restore: %d activation checks, %d new messages; want the one reminder", got, len(r.fake.Sent(chat))-sent)
	}
	if done, err := r.store.Done(ctx, wakesRestored); err != nil || !done {
		t.Fatalf("the restore is not marked done (%v): every start would scan every member", err)
	}
}
