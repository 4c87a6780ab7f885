package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// seedMembers stores members with the given states (one per chat from
// first on) and marks those in blocked as having blocked the bot.
func (r *reminderRig) seedMembers(t *testing.T, first int64, states []dialogs.State, blocked map[int64]bool) {
	t.Helper()
	ctx := context.Background()
	for i, s := range states {
		chat := first + int64(i)
		raw, err := dialogs.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		turn, err := r.store.Begin(ctx, chat, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.store.Commit(ctx, chat, 0, turn, raw, nil, 0, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if blocked[chat] {
			if err := r.store.SetBlocked(ctx, chat, true); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// talkDuringBroadcast has a member (not yet talking to the bot) send
// /start during a broadcast and returns how many copies of the broadcast
// Telegram accepted between the message and the first answer.
func talkDuringBroadcast(t *testing.T, fake *telegramtest.Server, talker int64) (between int) {
	t.Helper()
	pushed := time.Now()
	fake.PushMessage(talker, "/start")
	waitText(t, fake, talker, "cosa devi fare?", 30*time.Second)
	var answered time.Time
	for _, c := range fake.CallsOf("sendMessage") {
		if chat, _ := c.Params["chat_id"].(int64); chat == talker && answered.IsZero() {
			answered = c.At
		}
	}
	for _, c := range fake.CallsOf("copyMessage") {
		if c.Status == http.StatusOK && c.At.After(pushed) && c.At.Before(answered) {
			between++
		}
	}
	t.Logf("the member's answer came %v after the message; %d copies of the broadcast went out meanwhile",
		answered.Sub(pushed).Round(time.Millisecond), between)
	return between
}

// copiesTo counts the announcements copied to each chat, accepted.
func copiesTo(fake *telegramtest.Server, from int64) map[int64]int {
	got := map[int64]int{}
	for _, c := range fake.CallsOf("copyMessage") {
		if c.Status != http.StatusOK {
			continue
		}
		if f, _ := c.Params["from_chat_id"].(int64); f != from {
			continue
		}
		chat, _ := c.Params["chat_id"].(int64)
		got[chat]++
	}
	return got
}

// TestStaffBroadcast: a staff member sends an announcement to the members
// waiting for activation: preview, audience, confirm; each recipient gets
// it once; those who blocked the bot are counted, not retried; progress
// and the end are reported; /broadcasts keeps it.
func TestStaffBroadcast(t *testing.T) {
	const staff, first, n = 7001, 710000, 60
	loc := rome(t)
	r := newReminderRig(t, time.Date(2027, 12, 20, 11, 0, 0, 0, loc))
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }
	var states []dialogs.State
	blocked := map[int64]bool{}
	for i := range n {
		s := dialogs.State{Step: dialogs.StepMenu, Lang: "it"}
		if i%2 == 0 { // 30 waiting for activation
			s = dialogs.State{Step: dialogs.StepActWaiting, Lang: "it", FaxDay: d(2027, 12, 15), Activation: d(2027, 12, 22)}
		}
		if i == 4 { // one waiting who blocked the bot: not a recipient
			blocked[first+int64(i)] = true
		}
		states = append(states, s)
	}
	r.seedMembers(t, first, states, blocked)
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff), "SEND_RATE", "200"), r.clock)

	r.fake.PushMessage(staff, "/broadcast")
	waitText(t, r.fake, staff, "Mandami ora l'annuncio", 10*time.Second)
	r.fake.PushMessage(staff, "Avviso: gli uffici dell'Ordine sono chiusi il 24 dicembre.")
	waitText(t, r.fake, staff, "Ecco l'anteprima", 10*time.Second)
	if got := copiesTo(r.fake, staff)[staff]; got != 1 {
		t.Fatalf("the preview: %d copies to the staff member; want 1", got)
	}
	if got := lastText(r.fake, staff); !strings.Contains(got, "tutti gli iscritti attivi, 59 iscritti") {
		t.Fatalf("preview: %q; want all 59 active members", got)
	}
	if sent := len(copiesTo(r.fake, staff)); sent != 1 {
		t.Fatalf("something went out before the confirmation: %v", copiesTo(r.fake, staff))
	}
	r.pressAll([]int64{staff}, "In attesa", "in attesa dell'attivazione, 29 iscritti")
	r.fake.Fail("copyMessage", 2, telegramtest.Blocked()) // two recipients blocked the bot meanwhile
	r.pressAll([]int64{staff}, "📣 Invia a 29", "Invio avviato: 29 iscritti")
	waitReport(t, r.fake, staff, "✅ Annuncio del", 60*time.Second)

	copies := copiesTo(r.fake, staff)
	delete(copies, staff)
	if len(copies) != 27 {
		t.Errorf("%d members got the announcement; want 27 (29 less 2 who blocked the bot)", len(copies))
	}
	for chat, k := range copies {
		if k != 1 {
			t.Errorf("chat %d got it %d times", chat, k)
		}
		if i := chat - first; i%2 != 0 || blocked[chat] {
			t.Errorf("chat %d is not in the audience but got it", chat)
		}
	}
	report := lastText(r.fake, staff)
	if !strings.Contains(report, "Inviati 27 su 29; hanno bloccato il bot 2; non riusciti 0") {
		t.Errorf("final report: %q", report)
	}
	var progress int
	for _, c := range r.fake.CallsOf("editMessageText") {
		if chat, _ := c.Params["chat_id"].(int64); chat == staff {
			progress++
		}
	}
	t.Logf("progress message edited %d times", progress)

	quietChat(t, r.rdb, staff)
	before := len(r.fake.Sent(staff))
	r.fake.PushMessage(staff, "/broadcasts")
	waitUntil(t, 10*time.Second, "/broadcasts answered", func() bool { return len(r.fake.Sent(staff)) > before })
	if got := lastText(r.fake, staff); !strings.Contains(got, "in attesa dell'attivazione") || !strings.Contains(got, "Inviati 27 su 29") {
		t.Errorf("/broadcasts: %q; want the broadcast and its outcome", got)
	}
	r.fake.PushMessage(staff, "/broadcast_stop")
	waitText(t, r.fake, staff, "Nessun annuncio in corso", 10*time.Second)
	r.fake.PushMessage(staff, "/stats")
	waitText(t, r.fake, staff, "Statistiche del bot", 10*time.Second)
	waitUntil(t, 10*time.Second, "/stats with the last broadcast", func() bool {
		return strings.Contains(lastText(r.fake, staff), "Inviati 27 su 29")
	})
	noRejectedCalls(t, r.fake)
}

// TestStaffCommandsFromNonStaffAreUnknown: every staff command, and a
// forged staff button, from a member: the answers of an unknown command
// and of an old button; nothing is broadcast.
func TestStaffCommandsFromNonStaffAreUnknown(t *testing.T) {
	const member, staff = 7101, 7199
	r := newReminderRig(t, time.Date(2027, 12, 20, 11, 0, 0, 0, rome(t)))
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff)), r.clock)
	r.fake.PushMessage(member, "/start")
	waitText(t, r.fake, member, "cosa devi fare?", 10*time.Second)
	quietChat(t, r.rdb, member)
	answer := func(cmd string) string {
		before := len(r.fake.Sent(member))
		r.fake.PushMessage(member, cmd)
		waitUntil(t, 10*time.Second, cmd+" answered", func() bool { return len(r.fake.Sent(member)) > before })
		quietChat(t, r.rdb, member)
		var got []string
		for _, m := range r.fake.Sent(member)[before:] {
			got = append(got, m.Plain)
		}
		return strings.Join(got, "\n")
	}
	unknown := answer("/nonesuch")
	for _, cmd := range []string{"/stats", "/broadcast", "/broadcast_status", "/broadcast_stop", "/broadcasts"} {
		if got := answer(cmd); got != unknown {
			t.Errorf("%s from a member: %q; want the unknown-command answer %q", cmd, got, unknown)
		}
	}
	// The member's next message is not taken for an announcement.
	if got := answer("ciao"); strings.Contains(got, "anteprima") {
		t.Errorf("a member's message was taken for an announcement: %q", got)
	}
	before := len(r.fake.Sent(member))
	r.fake.PushCallback(member, "s|send|1", 1)
	waitUntil(t, 10*time.Second, "the forged staff button answered", func() bool { return len(r.fake.Sent(member)) > before })
	if calls := r.fake.CallsOf("copyMessage"); len(calls) != 0 {
		t.Errorf("a forged staff button copied %d messages", len(calls))
	}
}

// TestBroadcastAtTelegramsPace: 300 members, a Bot API that answers 429
// beyond 30 messages a second: the broadcast causes none; 3% of members
// blocked the bot (403: counted, marked inactive, not retried); a few 500s
// are retried and delivered; a member talking to the bot meanwhile gets
// the answer before the next second's worth of the broadcast.
func TestBroadcastAtTelegramsPace(t *testing.T) {
	const staff, first, n, talker = 7201, 720000, 300, 7299
	r := newReminderRig(t, time.Date(2027, 12, 20, 11, 0, 0, 0, rome(t)))
	states := make([]dialogs.State, n)
	for i := range states {
		states[i] = dialogs.State{Step: dialogs.StepMenu, Lang: "it"}
	}
	r.seedMembers(t, first, states, nil)
	r.fake.Limit(30)
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff)), r.clock)

	r.fake.PushMessage(staff, "/broadcast")
	waitText(t, r.fake, staff, "Mandami ora l'annuncio", 10*time.Second)
	r.fake.PushMessage(staff, "Circolare: nuove tariffe della convenzione.")
	waitText(t, r.fake, staff, "Ecco l'anteprima", 10*time.Second)
	r.fake.Fail("copyMessage", 9, telegramtest.Blocked())
	r.fake.Fail("copyMessage", 5, telegramtest.ServerError())
	r.pressAll([]int64{staff}, "📣 Invia a 300", "Invio avviato: 300 iscritti")

	// Mid-way, a member writes: the answer does not queue behind the
	// broadcast (replies come first in the shared pace). Counted in the
	// broadcast's own messages: at 28 a second, "within a second" is at
	// most 28 copies sent while the member waited (here up to twice that,
	// for a slow machine under the race detector).
	waitUntil(t, 30*time.Second, "a third of the broadcast out", func() bool { return len(copiesTo(r.fake, staff)) >= n/3 })
	between := talkDuringBroadcast(t, r.fake, talker)
	if between > 56 {
		t.Errorf("%d copies of the broadcast went out before the member's answer: it waited behind them", between)
	}

	waitReport(t, r.fake, staff, "✅ Annuncio del", 60*time.Second)
	copies := copiesTo(r.fake, staff)
	delete(copies, staff)
	if len(copies) != n-9 {
		t.Errorf("%d members got the announcement; want %d", len(copies), n-9)
	}
	for chat, k := range copies {
		if k != 1 {
			t.Errorf("chat %d got it %d times", chat, k)
		}
	}
	if got := lastText(r.fake, staff); !strings.Contains(got, "Inviati 291 su 300; hanno bloccato il bot 9; non riusciti 0") {
		t.Errorf("final report: %q", got)
	}
	if th := r.fake.Throttled(); th != 0 {
		t.Errorf("the bot caused %d answers 429 at 30 messages a second", th)
	}
	blocked := 0
	for i := range n {
		if b, _ := r.store.Blocked(context.Background(), first+int64(i)); b {
			blocked++
		}
	}
	if blocked != 9 {
		t.Errorf("%d members marked inactive; want the 9 who blocked the bot", blocked)
	}
}

// TestStaffBroadcastDocument: the announcement may be a document (a PDF
// circular with its caption): it is copied as it is, by its message, to
// the chosen audience (here the members who use English).
func TestStaffBroadcastDocument(t *testing.T) {
	const staff, first = 7301, 730000
	r := newReminderRig(t, time.Date(2027, 12, 20, 11, 0, 0, 0, rome(t)))
	r.seedMembers(t, first, []dialogs.State{
		{Step: dialogs.StepMenu, Lang: "it"}, {Step: dialogs.StepMenu, Lang: "en"},
		{Step: dialogs.StepMenu, Lang: "it"}, {Step: dialogs.StepMenu, Lang: "en"},
	}, nil)
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff)), r.clock)
	r.fake.PushMessage(staff, "/broadcast")
	waitText(t, r.fake, staff, "Mandami ora l'annuncio", 10*time.Second)
	const docMessage = 987654
	r.fake.Push(map[string]any{"message": map[string]any{
		"message_id": docMessage, "date": time.Now().Unix(),
		"from":     map[string]any{"id": staff, "is_bot": false, "first_name": "Staff"},
		"chat":     map[string]any{"id": staff, "type": "private", "first_name": "Staff"},
		"document": map[string]any{"file_id": "BQACAgQAAx0", "file_unique_id": "AgAD", "file_name": "circolare.pdf", "mime_type": "application/pdf"},
		"caption":  "Circolare n. 12: nuove tariffe",
	}})
	waitText(t, r.fake, staff, "Ecco l'anteprima", 10*time.Second)
	r.pressAll([]int64{staff}, "Inglese", "chi usa l'inglese, 2 iscritti")
	r.pressAll([]int64{staff}, "📣 Invia a 2", "Invio avviato: 2 iscritti")
	waitReport(t, r.fake, staff, "✅ Annuncio del", 30*time.Second)
	for _, c := range r.fake.CallsOf("copyMessage") {
		if id, _ := c.Params["message_id"].(int64); id != docMessage {
			t.Errorf("copied message %d; want the document %d", id, docMessage)
		}
	}
	copies := copiesTo(r.fake, staff)
	if len(copies) != 3 || copies[first+1] != 1 || copies[first+3] != 1 || copies[staff] != 1 {
		t.Errorf("copies %v; want the preview and the two English members once", copies)
	}
	noRejectedCalls(t, r.fake)
}

// TestBroadcastStopAndOldButtons: an old preview's send button (another
// audience) sends nothing; /broadcast_stop mid-way stops it: at most the
// copies already going out still go, the report counts what was not sent.
func TestBroadcastStopAndOldButtons(t *testing.T) {
	const staff, first, n = 7401, 740000, 200
	r := newReminderRig(t, time.Date(2027, 12, 20, 11, 0, 0, 0, rome(t)))
	states := make([]dialogs.State, n)
	for i := range states {
		states[i] = dialogs.State{Step: dialogs.StepMenu, Lang: "it"}
	}
	r.seedMembers(t, first, states, nil)
	startBotAt(t, botEnv(r.fake, r.rds.Addr(), "STAFF_IDS", fmt.Sprint(staff), "SEND_RATE", "20"), r.clock)
	r.fake.PushMessage(staff, "/broadcast")
	waitText(t, r.fake, staff, "Mandami ora l'annuncio", 10*time.Second)
	r.fake.PushMessage(staff, "Prova")
	waitText(t, r.fake, staff, "Ecco l'anteprima", 10*time.Second)
	oldID, oldButtons := lastButtons(t, r.fake, staff)
	r.pressAll([]int64{staff}, "Inglese", "chi usa l'inglese, 0 iscritti")
	enID, enButtons := lastButtons(t, r.fake, staff)
	for _, b := range oldButtons {
		if strings.HasPrefix(b.Text, "📣") {
			r.fake.PushCallback(staff, b.CallbackData, oldID)
		}
	}
	waitText(t, r.fake, staff, "Questo pulsante non vale più", 10*time.Second)
	if got := len(copiesTo(r.fake, staff)); got != 1 {
		t.Fatalf("an old preview's button sent the announcement: %v", copiesTo(r.fake, staff))
	}

	for _, b := range enButtons {
		if strings.HasPrefix(b.Text, "Tutti") {
			r.fake.PushCallback(staff, b.CallbackData, enID)
		}
	}
	waitUntil(t, 10*time.Second, "the preview for all", func() bool {
		return strings.Contains(lastText(r.fake, staff), "tutti gli iscritti attivi, 200 iscritti")
	})
	r.pressAll([]int64{staff}, "📣 Invia a 200", "Invio avviato: 200 iscritti")
	waitUntil(t, 30*time.Second, "some copies out", func() bool { return len(copiesTo(r.fake, staff)) > 20 })
	r.fake.PushMessage(staff, "/broadcast_stop")
	waitText(t, r.fake, staff, "fermato", 10*time.Second)
	atStop := len(copiesTo(r.fake, staff)) - 1
	waitReport(t, r.fake, staff, "⏹ Annuncio del", 30*time.Second)
	sent := len(copiesTo(r.fake, staff)) - 1 // less the preview
	t.Logf("%d copies out when the stop was answered, %d in all", atStop, sent)
	if sent > atStop+3 {
		t.Errorf("%d copies went out after the stop", sent-atStop)
	}
	want := fmt.Sprintf("Inviati %d su 200; hanno bloccato il bot 0; non riusciti 0; non inviati %d", sent, 200-sent)
	if got := lastText(r.fake, staff); !strings.Contains(got, want) {
		t.Errorf("final report %q; want %q", got, want)
	}
}
