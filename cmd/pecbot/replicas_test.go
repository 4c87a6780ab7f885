package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/jobs"
	"github.com/omceo-latina/pecbot/storage"
)

// A bot process of its own, for tests that kill one: the test binary run
// again with childEnv set runs the bot (webhook or polling, from the
// environment) with its clock moved by childOffsetEnv, until SIGTERM.
const (
	childEnv       = "PECBOT_TEST_CHILD"
	childOffsetEnv = "PECBOT_TEST_CLOCK_OFFSET"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is main for a bot process started by a test.
func runChild() int {
	offset, err := time.ParseDuration(os.Getenv(childOffsetEnv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", childOffsetEnv, err)
		return 2
	}
	clock := bot.RealClock()
	clock.Set(time.Now().Add(offset))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := runBot(ctx, os.Stderr, clock); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitCode(err)
	}
	return 0
}

// child is a bot process started by startChild.
type child struct {
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan struct{} // closed once the process is gone (Wait returned)
}

// startChild starts a bot process with env (and nothing else of this
// process's environment but PATH and HOME), listening on a free loopback
// port unless env sets LISTEN_ADDR.
func startChild(t *testing.T, env map[string]string, offset time.Duration) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		childEnv + "=1", childOffsetEnv + "=" + offset.String()}
	if _, ok := env["LISTEN_ADDR"]; !ok {
		cmd.Env = append(cmd.Env, "LISTEN_ADDR="+freeAddr(t))
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, logs: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(c.exited) }() // the only Wait: a second one races it
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.exited
		if t.Failed() {
			t.Logf("bot process %d's log:\n%s", cmd.Process.Pid, lastLines(c.logs.String(), 40))
		}
	})
	return c
}

func lastLines(s string, n int) string {
	lines := bytes.Split([]byte(s), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// offsetClock is real time moved by a fixed offset, as the bot processes'
// clocks are.
type offsetClock time.Duration

func (o offsetClock) Now() time.Time { return time.Now().Add(time.Duration(o)) }

// TestRemindersThreeProcessesOneKilled: three bot processes share one Redis
// and one Bot API; 1,000 members have their activation check due at the
// same moment; one process is killed (SIGKILL) while the reminders go out.
// Every member gets the reminder, and only a message in flight at the kill
// (Telegram had it, Redis not yet) can come twice.
func TestRemindersThreeProcessesOneKilled(t *testing.T) {
	t.Parallel() // its bots are child processes: nothing here sets the environment
	const members, firstChat = 1000, 900000
	loc := rome(t)
	start := time.Date(2027, 9, 30, 10, 0, 0, 0, loc)
	r := newReminderRig(t, start)
	ctx := context.Background()

	// One member's journey, to a real state waiting for Friday 8 October
	// 10:00 (a bot process whose clock says 30 September, 10:00); copied
	// to 1,000 members.
	journeyBot := startChild(t, map[string]string{
		"TELEGRAM_TOKEN": testToken, "TELEGRAM_API_URL": r.fake.URL(),
		"REDIS_URL": "redis://" + r.rds.Addr() + "/0", "LOG_LEVEL": "info", "LISTEN_ADDR": freeAddr(t),
	}, time.Until(start).Round(time.Second))
	r.toActivationWait(firstChat)
	if err := journeyBot.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-journeyBot.exited
	if code := journeyBot.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the journey's bot exited %d:\n%s", code, journeyBot.logs.String())
	}
	state, err := r.rdb.HGet(ctx, fmt.Sprintf("pecbot:{%d}:member", firstChat), "state").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := dialogs.Decode(state)
	due := time.Date(2027, 10, 8, 10, 0, 0, 0, loc)
	if !s.Wake.At.Equal(due) {
		t.Fatalf("the journey's wake-up is %v; want %v", s.Wake, due)
	}
	journey := len(r.fake.Sent(firstChat))
	// Its wake-up was scheduled by the clock of that run, which stood on
	// 30 September: it goes, and all are scheduled by the processes' clock.
	if err := r.eng.Cancel(ctx, firstChat, s.Wake); err != nil {
		t.Fatal(err)
	}

	// The processes' clock: 8 seconds before the reminders are due.
	offset := due.Add(-8 * time.Second).Sub(time.Now()).Round(time.Second)
	clock := offsetClock(offset)
	eng := jobs.New(r.rdb, jobs.Options{Clock: clock}, zerolog.Nop())
	for i := range members {
		chat := int64(firstChat + i)
		turn, err := r.store.Begin(ctx, chat, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Schedule(ctx, chat, s.Wake); err != nil {
			t.Fatal(err)
		}
		if err := r.store.Commit(ctx, chat, 0, turn, state, nil, 0, s.Wake.At); err != nil {
			t.Fatal(err)
		}
	}
	if counts, err := r.store.Wakes(ctx, due.Add(time.Hour)); err != nil || counts.Pending != members || counts.Due != members {
		t.Fatalf("wake-up index: %+v (%v); want %d pending and due", counts, err, members)
	}

	firstCall := len(r.fake.Calls()) // the processes' calls come after
	procs := make([]*child, 3)
	for i := range procs {
		addr := freeAddr(t)
		procs[i] = startChild(t, map[string]string{
			"TELEGRAM_TOKEN": testToken, "TELEGRAM_API_URL": r.fake.URL(),
			"REDIS_URL": "redis://" + r.rds.Addr() + "/0", "LOG_LEVEL": "info",
			"UPDATES": "webhook", "LISTEN_ADDR": addr, "WEBHOOK_URL": "http://" + addr + "/tg", "WEBHOOK_SECRET": "s3cret",
			"SEND_RATE": "250",
		}, offset)
	}
	reminded := func() (chats, messages int) {
		for i := range members {
			n := countText(r.fake, int64(firstChat+i), activationCheck)
			if n > 0 {
				chats++
			}
			messages += n
		}
		return chats, messages
	}
	waitUntil(t, 60*time.Second, "a third of the reminders sent", func() bool { c, _ := reminded(); return c >= members/3 })
	if err := procs[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-procs[0].exited
	gone := time.Now() // a process runs on a little after its SIGKILL was sent
	atKill, _ := reminded()
	t.Logf("SIGKILL to one of three processes after %d of %d reminders", atKill, members)

	// What the dead process held (wake-ups under way, outboxes being
	// delivered) passes to the others when its leases run out: 1-2 min.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i := range members {
			chat := int64(firstChat + i)
			if countText(r.fake, chat, activationCheck) > 0 {
				continue
			}
			keys := fmt.Sprintf("pecbot:{%d}:", chat)
			st, _ := r.rdb.HGet(ctx, keys+"member", "state").Result()
			ob, _ := r.rdb.LLen(ctx, keys+"outbox").Result()
			sending, _ := r.rdb.PTTL(ctx, keys+"sending").Result()
			lock, _ := r.rdb.PTTL(ctx, keys+"lock").Result()
			listed, _ := r.rdb.SIsMember(ctx, "pecbot:outboxes", chat).Result()
			info, err := asynqTask(r.rdb, chat, s.Wake)
			t.Logf("not reminded: chat %d: state %s; outbox %d (listed %v, sending ttl %v); lock ttl %v; task %s %v",
				chat, st, ob, listed, sending, lock, info, err)
		}
	})
	waitUntil(t, 4*time.Minute, "every member reminded", func() bool { c, _ := reminded(); return c == members })
	for i := range members {
		quietChat(t, r.rdb, int64(firstChat+i))
	}
	waitUntil(t, 30*time.Second, "no wake-up left to run", func() bool {
		n, err := eng.Pending(ctx)
		return err == nil && n == 0
	})

	// Duplicates: only a message Telegram accepted just before the kill,
	// whose removal from the outbox the dead process did not live to make.
	var twice []int64
	for i := range members {
		chat := int64(firstChat + i)
		switch n := countText(r.fake, chat, activationCheck); {
		case n == 2:
			twice = append(twice, chat)
		case n > 2:
			t.Errorf("chat %d got the reminder %d times", chat, n)
		}
		if got := len(r.fake.Sent(chat)); chat != firstChat && got != countText(r.fake, chat, activationCheck) {
			t.Errorf("chat %d got %d messages; want only the reminder", chat, got)
		}
	}
	firstCopy := map[int64]time.Time{}
	for _, c := range r.fake.CallsOf("sendMessage") {
		chat, _ := c.Params["chat_id"].(int64)
		if _, ok := firstCopy[chat]; !ok && c.Status == 200 {
			firstCopy[chat] = c.At
		}
	}
	for _, chat := range twice {
		if at := firstCopy[chat]; at.After(gone) || killed.Sub(at) > time.Second {
			t.Errorf("chat %d got the reminder twice, the first at %v, %v before the kill (%v before the process was gone): not a message in flight", chat, at, killed.Sub(at), gone.Sub(at))
		}
	}
	sort.Slice(twice, func(i, j int) bool { return twice[i] < twice[j] })
	t.Logf("%d members reminded; %d twice (in flight at the kill): %v", members, len(twice), twice)
	if len(twice) > 3*jobs.DefaultConcurrency {
		t.Errorf("%d duplicates: more than the kill could have had in flight", len(twice))
	}
	if got, want := len(r.fake.Sent(firstChat)), journey+countText(r.fake, firstChat, activationCheck); got != want {
		t.Errorf("the first member got %d messages after the journey; want only the reminder", got-journey)
	}
	// Nothing the processes sent was refused as invalid, except the
	// request the killed process was writing (cut short).
	for _, c := range r.fake.Calls()[firstCall:] {
		if c.Rejected != "" && !strings.Contains(c.Rejected, "can't read the request body") {
			t.Errorf("%s refused: %s", c.Method, c.Rejected)
		}
	}
}

// asynqTask describes the wake-up task of chat, for a failure's report.
func asynqTask(rdb redis.UniversalClient, chat int64, w dialogs.Wake) (string, error) {
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo("pecbot",
		fmt.Sprintf("w:%d:%s:%d", chat, w.Reason, w.At.Unix()))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s retried %d last error %q", info.State, info.Retried, info.LastErr), nil
}

// TestBroadcastSurvivesKillingEveryProcess: a broadcast to 1,000 members;
// at 40% every bot process is killed (SIGKILL); started again, the
// broadcast resumes by itself: every member has the announcement, and only
// a copy in flight at the kill (Telegram had it, Redis not yet) can have
// gone twice.
func TestBroadcastSurvivesKillingEveryProcess(t *testing.T) {
	t.Parallel() // its bots are child processes: nothing here sets the environment
	const members, first, staff = 1000, 940000, 9401
	r := newReminderRig(t, time.Now())
	ctx := context.Background()
	states := make([]dialogs.State, members)
	var to []int64
	for i := range states {
		states[i] = dialogs.State{Step: dialogs.StepMenu, Lang: "it"}
		to = append(to, int64(first+i))
	}
	r.seedMembers(t, first, states, nil)
	const id = "kill-test"
	if err := r.store.CreateBroadcast(ctx, storage.Broadcast{ID: id, From: staff, Message: 42, Audience: "all", Created: time.Now()}, to); err != nil {
		t.Fatal(err)
	}
	if err := jobs.New(r.rdb, jobs.Options{}, zerolog.Nop()).StartBroadcast(ctx, id); err != nil {
		t.Fatal(err)
	}
	env := func() map[string]string {
		addr := freeAddr(t)
		return map[string]string{
			"TELEGRAM_TOKEN": testToken, "TELEGRAM_API_URL": r.fake.URL(),
			"REDIS_URL": "redis://" + r.rds.Addr() + "/0", "LOG_LEVEL": "info",
			"UPDATES": "webhook", "LISTEN_ADDR": addr, "WEBHOOK_URL": "http://" + addr + "/tg", "WEBHOOK_SECRET": "s3cret",
			"SEND_RATE": "100", "STAFF_IDS": fmt.Sprint(staff),
		}
	}
	procs := []*child{startChild(t, env(), 0), startChild(t, env(), 0)}
	delivered := func() map[int64]int {
		got := copiesTo(r.fake, staff)
		delete(got, staff)
		return got
	}
	waitUntil(t, 60*time.Second, "40% of the broadcast out", func() bool { return len(delivered()) >= members*4/10 })
	for _, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	killed := time.Now()
	for _, p := range procs {
		<-p.exited
	}
	gone := time.Now() // a process runs on a little after its SIGKILL was sent
	t.Logf("SIGKILL to every process after %d of %d members", len(delivered()), members)

	startChild(t, env(), 0)
	startChild(t, env(), 0)
	waitUntil(t, 4*time.Minute, "every member has the announcement", func() bool { return len(delivered()) == members })
	waitReport(t, r.fake, staff, "✅ Annuncio del", 3*time.Minute)

	firstCopy := map[int64]time.Time{}
	for _, c := range r.fake.CallsOf("copyMessage") {
		chat, _ := c.Params["chat_id"].(int64)
		if _, ok := firstCopy[chat]; !ok && c.Status == 200 {
			firstCopy[chat] = c.At
		}
	}
	twice := 0
	for chat, k := range delivered() {
		if k == 1 {
			continue
		}
		twice++
		if k > 2 {
			t.Errorf("chat %d got the announcement %d times", chat, k)
		}
		// In flight: accepted by Telegram before the processes were gone,
		// not removed from the outbox yet (the removal waits a moment to
		// share its round trip).
		if at := firstCopy[chat]; at.After(gone) || killed.Sub(at) > time.Second {
			t.Errorf("chat %d got it twice, the first %v before the kill (%v before the processes were gone): not a copy in flight", chat, killed.Sub(at), gone.Sub(at))
		}
	}
	t.Logf("%d members have the announcement; %d twice (in flight at the kill)", members, twice)
	counts, err := r.store.BroadcastCounts(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if counts["sent"] != members {
		t.Errorf("recorded %v; want %d sent", counts, members)
	}
}
