package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// More of the bot on Telegram, end to end: what members and operators
// notice when buttons are old or forged, commands are spelt oddly, several
// processes share one Redis, a process is killed, Redis is not configured,
// or the bot is stopped mid-update.

// waitUntil polls cond (cheaply, with a growing pause) until it holds, and
// fails the test after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-t.Context().Done():
			timer.Stop()
			t.Fatalf("%s: the test ended first", what)
		}
	}
}

// quietChat waits until chat's outbox is delivered and no process holds it:
// from then on the fake has recorded all the member will get for what was
// committed so far.
func quietChat(t *testing.T, rdb redis.UniversalClient, chat int64) {
	t.Helper()
	outbox, sending := fmt.Sprintf("pecbot:{%d}:outbox", chat), fmt.Sprintf("pecbot:{%d}:sending", chat)
	// Paced at about a message a second per chat: a long outbox takes a while.
	waitUntil(t, 30*time.Second, fmt.Sprintf("chat %d's outbox delivered", chat), func() bool {
		n, err := rdb.Exists(context.Background(), outbox, sending).Result()
		return err == nil && n == 0
	})
}

// waitText waits until a message containing want was sent to chat.
func waitText(t *testing.T, fake *telegramtest.Server, chat int64, want string, limit time.Duration) {
	t.Helper()
	waitUntil(t, limit, fmt.Sprintf("a message %q to chat %d", want, chat), func() bool {
		return countText(fake, chat, want) > 0
	})
}

// waitReport waits for a message to chat (sent, not an edit of one)
// containing want: a broadcast's final report, not its progress message.
func waitReport(t *testing.T, fake *telegramtest.Server, chat int64, want string, limit time.Duration) {
	t.Helper()
	waitUntil(t, limit, fmt.Sprintf("a report %q to chat %d", want, chat), func() bool {
		for _, s := range fake.Sent(chat) {
			if !s.Edited && strings.Contains(s.Plain, want) {
				return true
			}
		}
		return false
	})
}

// countText counts the messages sent to chat that contain want.
func countText(fake *telegramtest.Server, chat int64, want string) int {
	n := 0
	for _, s := range fake.Sent(chat) {
		if strings.Contains(s.Plain, want) {
			n++
		}
	}
	return n
}

// noRejectedCalls fails the test for every call the fake refused as
// invalid (a keyboard, a text, a parameter Telegram would refuse).
func noRejectedCalls(t *testing.T, fake *telegramtest.Server) {
	t.Helper()
	for _, c := range fake.Calls() {
		if c.Rejected != "" {
			t.Errorf("%s refused: %s (params %v)", c.Method, c.Rejected, c.Params)
		}
	}
}

// answeredQueries counts the button presses answered.
func answeredQueries(fake *telegramtest.Server) int {
	n := 0
	for _, c := range fake.CallsOf("answerCallbackQuery") {
		if c.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// A whole conversation by polling, with old and forged buttons pressed on
// the way: every press is answered (no spinner left), an old button says
// so and shows where the member is, a forged one shows it too, and every
// call the bot made is one Telegram accepts (texts, keyboards).
func TestTelegramStaleAndForgedButtons(t *testing.T) {
	const chat = 9001
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	startBot(t, botEnv(fake, rds.Addr()))

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	press(t, fake, chat, "🆕 Attivare")
	fake.WaitCalls(t, "sendMessage", 3)
	stepsID, stepsButtons := lastButtons(t, fake, chat)
	press(t, fake, chat, "Ho confermato")
	fake.WaitCalls(t, "sendMessage", 4)
	if got := lastText(fake, chat); !strings.Contains(got, "Come hai pagato?") {
		t.Fatalf("after 'bought': %q, want the payment question", got)
	}

	// The purchase button again, from the message before.
	var bought string
	for _, b := range stepsButtons {
		if strings.HasPrefix(b.Text, "Ho confermato") {
			bought = b.CallbackData
		}
	}
	fake.PushCallback(chat, bought, stepsID)
	fake.WaitCalls(t, "sendMessage", 6)
	sent := fake.Sent(chat)
	if hint, step := sent[4].Plain, sent[5].Plain; hint != "Quel pulsante era di un messaggio precedente. Ecco dove sei adesso:" ||
		!strings.Contains(step, "Come hai pagato?") {
		t.Errorf("an old button: %q then %q; want the hint, then the payment question", hint, step)
	}
	if n := answeredQueries(fake); n != 3 {
		t.Errorf("%d presses answered, want 3", n)
	}

	// Forged data: answered, and the member sees where they are.
	payID, _ := lastButtons(t, fake, chat)
	for i, data := range []string{"garbage", "1|x|y|z", ""} {
		fake.PushCallback(chat, data, payID)
		waitUntil(t, 10*time.Second, fmt.Sprintf("the forged press %q answered", data), func() bool {
			return answeredQueries(fake) == 4+i
		})
		quietChat(t, rds.Client(), chat)
		if got := lastText(fake, chat); !strings.Contains(got, "Come hai pagato?") {
			t.Errorf("after a press with data %q: %q, want the payment question", data, got)
		}
	}

	// The same in English.
	fake.PushMessage(chat, "/language")
	waitText(t, fake, chat, "Choose your language", 10*time.Second)
	press(t, fake, chat, "🇬🇧 English")
	waitText(t, fake, chat, "Good! How did you pay?", 10*time.Second)
	fake.PushCallback(chat, bought, stepsID)
	waitText(t, fake, chat, "That button belonged to an earlier message. Here is where you are now:", 10*time.Second)
	quietChat(t, rds.Client(), chat)
	if got := lastText(fake, chat); !strings.Contains(got, "Good! How did you pay?") {
		t.Errorf("an old button in English: then %q, want the payment question", got)
	}

	// On to the end of the activation, typing as well as pressing.
	press(t, fake, chat, "Postal bulletin")
	waitText(t, fake, chat, "Have you sent the fax yet?", 10*time.Second)
	press(t, fake, chat, "Yes, today")
	waitText(t, fake, chat, "Fax sent on", 10*time.Second)
	fake.PushMessage(chat, "/status")
	waitText(t, fake, chat, "Your situation", 10*time.Second)
	fake.PushMessage(chat, "/menu")
	quietChat(t, rds.Client(), chat)
	waitUntil(t, 10*time.Second, "the menu", func() bool { return strings.Contains(lastText(fake, chat), "what do you need to do?") })

	quietChat(t, rds.Client(), chat)
	if n, want := answeredQueries(fake), len(fake.CallsOf("answerCallbackQuery")); n != want {
		t.Errorf("%d of %d presses answered", n, want)
	}
	noRejectedCalls(t, fake)
}

// pushGroupMessage queues a message written in a group the bot is in.
func pushGroupMessage(fake *telegramtest.Server, group, from int64, text string) int64 {
	return fake.Push(map[string]any{"message": map[string]any{
		"message_id": 1, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": group, "type": "group", "title": "Medici"},
		"from": map[string]any{"id": from, "is_bot": false, "first_name": "Bruno"},
	}})
}

// /start however a client writes it (addressed to the bot, capitalised, with
// a deep-link argument) starts; group messages get no reply and hold
// nothing up.
func TestTelegramStartVariants(t *testing.T) {
	const group = -9100
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	startBot(t, botEnv(fake, rds.Addr()))
	fake.WaitCalls(t, "getUpdates", 1)

	pushGroupMessage(fake, group, 9100, "/start")
	pushGroupMessage(fake, group, 9100, "ciao @"+telegramtest.BotUsername)
	variants := map[int64]string{9101: "/start@" + telegramtest.BotUsername, 9102: "/Start", 9103: "/start deeplink", 9104: "/START@" + telegramtest.BotUsername + " x"}
	for chat, text := range variants {
		fake.PushMessage(chat, text)
	}
	fake.WaitCalls(t, "sendMessage", 2*len(variants))
	waitUntil(t, 10*time.Second, "every update confirmed", func() bool { return fake.Pending() == 0 })
	for chat, text := range variants {
		quietChat(t, rds.Client(), chat)
		sent := fake.Sent(chat)
		if len(sent) != 2 || !strings.HasPrefix(sent[0].Plain, "Benvenuto!") || !strings.Contains(sent[1].Plain, "cosa devi fare?") {
			t.Errorf("%q: the member got %q, want the welcome and the menu", text, plains(sent))
		}
	}
	if sent := fake.Sent(group); len(sent) != 0 {
		t.Errorf("the bot wrote in the group: %q", plains(sent))
	}
	if keys, _ := rds.Client().Keys(context.Background(), fmt.Sprintf("pecbot:{%d}:*", group)).Result(); len(keys) != 0 {
		t.Errorf("the group left %v in Redis", keys)
	}
	if n := len(fake.CallsOf("sendMessage")); n != 2*len(variants) {
		t.Errorf("%d messages sent, want %d", n, 2*len(variants))
	}
	noRejectedCalls(t, fake)
}

func plains(sent []telegramtest.Sent) []string {
	out := make([]string, len(sent))
	for i, s := range sent {
		out[i] = s.Plain
	}
	return out
}

// textUpdateJSON is a private text message update, as Telegram posts it.
func textUpdateJSON(t *testing.T, id, chat int64, text string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"update_id": id, "message": map[string]any{
		"message_id": id, "date": 1, "text": text,
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Anna"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postUpdate posts an update to a bot's webhook and returns the status.
func postUpdate(addr, secret string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/telegram", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Two bot processes on one Redis, updates of one chat arriving at both at
// once: each is handled exactly once, none is lost, each gets its reply;
// the same update posted to both at once is handled once.
func TestTelegramTwoProcesses(t *testing.T) {
	const chat, n, secret = 4300, 12, "two-procs_secret"
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	rdb := rds.Client()
	ctx := context.Background()
	addrs := [2]string{freeAddr(t), freeAddr(t)}
	for i, addr := range addrs {
		startBot(t, botEnv(fake, rds.Addr(), "UPDATES", "webhook", "LISTEN_ADDR", addr,
			"WEBHOOK_URL", "http://"+addr+"/telegram", "WEBHOOK_SECRET", secret))
		fake.WaitCalls(t, "setWebhook", i+1) // listening; its configuration is read
	}
	version := func() string { v, _ := rdb.HGet(ctx, fmt.Sprintf("pecbot:{%d}:member", chat), "v").Result(); return v }

	if status, err := postUpdate(addrs[0], secret, textUpdateJSON(t, 1, chat, "/start")); err != nil || status != http.StatusOK {
		t.Fatalf("/start: HTTP %d, %v", status, err)
	}
	fake.WaitCalls(t, "sendMessage", 2)
	quietChat(t, rdb, chat)
	hint := "Per rispondere, tocca uno dei pulsanti qui sotto."

	// n updates of the chat at once, half to each process.
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, err := postUpdate(addrs[i%2], secret, textUpdateJSON(t, int64(2+i), chat, "ciao"))
			if err != nil {
				t.Errorf("update %d: %v", 2+i, err)
			}
			statuses[i] = status
		}()
	}
	close(start)
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("update %d: HTTP %d, want 200 (committed)", 2+i, s)
		}
	}
	if v := version(); v != fmt.Sprint(1+n) {
		t.Errorf("after %d updates the member's state has version %s, want %d: each handled exactly once", 1+n, v, 1+n)
	}
	if seen, _ := rdb.ZCard(ctx, fmt.Sprintf("pecbot:{%d}:seen", chat)).Result(); seen != int64(1+n) {
		t.Errorf("%d updates recorded as seen, want %d", seen, 1+n)
	}
	quietChat(t, rdb, chat)
	if got := countText(fake, chat, hint); got != n {
		t.Errorf("%d replies to %d messages, want one each", got, n)
	}

	// The same update posted to both processes at once: handled once.
	same := textUpdateJSON(t, 100, chat, "ciao")
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, err := postUpdate(addrs[i], secret, same); err != nil || status != http.StatusOK {
				t.Errorf("the same update to process %d: HTTP %d, %v; want 200", i+1, status, err)
			}
		}()
	}
	wg.Wait()
	if v := version(); v != fmt.Sprint(2+n) {
		t.Errorf("the same update to both processes: version %s, want %d (handled once)", v, 2+n)
	}
	fake.WaitCalls(t, "sendMessage", 3+n)
	quietChat(t, rdb, chat)
	if got, want := len(fake.Sent(chat)), 3+n; got != want {
		t.Errorf("%d messages to the member, want %d", got, want)
	}
	noRejectedCalls(t, fake)
}

// buildPecbot builds the program's binary for tests that run it as a
// process.
func buildPecbot(t *testing.T) string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build the binary with: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "pecbot")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The binary killed (SIGKILL) just as a member's next update arrives, and
// started again: the member continues where they were. The reply comes
// once, or (killed between Telegram accepting a message and Redis hearing
// of it) at most one message comes twice; none is lost.
func TestTelegramKilledAndRestarted(t *testing.T) {
	const chat = 7007
	bin := buildPecbot(t)
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	rdb := rds.Client()
	env := []string{"PATH=" + os.Getenv("PATH"), "TELEGRAM_TOKEN=" + testToken, "TELEGRAM_API_URL=" + fake.URL(),
		"REDIS_URL=redis://" + rds.Addr() + "/0", "LOG_LEVEL=debug", "LISTEN_ADDR=" + freeAddr(t)}
	var logs lockedBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	cmd := start()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("the bot's log:\n%s", logs.String())
		}
	})

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	press(t, fake, chat, "🆕 Attivare")
	fake.WaitCalls(t, "sendMessage", 3)
	press(t, fake, chat, "Ho confermato")
	fake.WaitCalls(t, "sendMessage", 4)
	// Delivered and let go: the kill below hits the next update only.
	quietChat(t, rdb, chat)

	press(t, fake, chat, "Bollettino")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	v, _ := rdb.HGet(context.Background(), fmt.Sprintf("pecbot:{%d}:member", chat), "v").Result()
	t.Logf("killed with the member's state at version %s (3: before the update was committed, 4: after)", v)

	cmd = start()
	// A process killed while holding the chat's turn or its outbox leaves
	// a lock that expires on its own (tens of seconds): allow for that.
	waitText(t, fake, chat, "Hai già inviato il fax?", 90*time.Second)
	quietChat(t, rdb, chat)

	// Killed after the next update was committed, before its reply went
	// out (another process was delivering the chat, and lets go while
	// this one is down): the next start's sweep delivers it.
	ctx := context.Background()
	sending := fmt.Sprintf("pecbot:{%d}:sending", chat)
	if err := rdb.Set(ctx, sending, "another-process", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	press(t, fake, chat, "Sì, oggi")
	waitUntil(t, 10*time.Second, "'sent today' committed", func() bool {
		n, _ := rdb.LLen(ctx, fmt.Sprintf("pecbot:{%d}:outbox", chat)).Result()
		return n == 2 // the button's answer and the reply
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := countText(fake, chat, "Fax inviato"); n != 0 {
		t.Fatalf("the reply went out although the outbox was held")
	}
	if err := rdb.Del(ctx, sending).Err(); err != nil {
		t.Fatal(err)
	}
	cmd = start()
	waitText(t, fake, chat, "Fax inviato", 10*time.Second)
	fake.PushMessage(chat, "/status")
	waitText(t, fake, chat, "La tua situazione", 10*time.Second)
	quietChat(t, rdb, chat)

	sent := fake.Sent(chat)
	count := map[string]int{}
	dups := 0
	for _, s := range sent {
		if count[s.Plain]++; count[s.Plain] > 1 {
			dups++
		}
	}
	if dups > 1 {
		t.Errorf("%d messages came twice, want at most 1:\n%s", dups, strings.Join(plains(sent), "\n---\n"))
	}
	for _, want := range []string{"Benvenuto!", "cosa devi fare?", "OMCEO-LT", "Come hai pagato?", "Hai già inviato il fax?", "Fax inviato", "La tua situazione"} {
		if countText(fake, chat, want) == 0 {
			t.Errorf("the member never got %q", want)
		}
	}
	if n := answeredQueries(fake); n < 4 {
		t.Errorf("%d button presses answered, want all 4", n)
	}
	noRejectedCalls(t, fake)
}

// With no REDIS_URL the bot runs on an in-memory Redis, says so in its log,
// and serves members all the same.
func TestTelegramEmbeddedRedis(t *testing.T) {
	const chat = 8008
	fake := telegramtest.New(t, testToken)
	env := botEnv(fake, "unused:0")
	delete(env, "REDIS_URL")
	stop := startBot(t, env)

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	if got := lastText(fake, chat); !strings.Contains(got, "cosa devi fare?") {
		t.Errorf("after /start: %q, want the menu", got)
	}
	press(t, fake, chat, "🆕 Attivare")
	fake.WaitCalls(t, "sendMessage", 3)
	err, logs := stop()
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	var warned bool
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "state is kept in memory only") && strings.Contains(line, `"level":"warn"`) {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that state is kept in memory only:\n%s", logs)
	}
}

// startBotCancel is startBot with the stop split in two: cancel (what
// SIGTERM does) and wait for run to return.
func startBotCancel(t *testing.T, env map[string]string) (cancel func(), wait func(limit time.Duration) (error, string)) {
	t.Helper()
	cleanEnv(t, env)
	ctx, cancelCtx := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, strings.NewReader(""), &logs, &logs) }()
	var once sync.Once
	var result error
	wait = func(limit time.Duration) (error, string) {
		timer := time.NewTimer(limit)
		defer timer.Stop()
		once.Do(func() {
			select {
			case result = <-done:
			case <-timer.C:
				t.Fatalf("run did not return within %v of the stop:\n%s", limit, logs.String())
			}
		})
		return result, logs.String()
	}
	t.Cleanup(func() {
		cancelCtx()
		if _, logs := wait(3 * shutdownGrace); t.Failed() {
			t.Logf("the bot's log:\n%s", logs)
		}
	})
	return cancelCtx, wait
}

// Stopped while an update is under way and a reply hangs: run returns nil
// once the shutdown grace is over; the update under way is finished and
// confirmed, the update not yet taken stays with Telegram, the reply that
// could not go stays in Redis, and the next start delivers both.
func TestTelegramStopMidUpdate(t *testing.T) {
	const a, b = 6001, 6002
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	rdb := rds.Client()
	ctx := context.Background()
	cancel, wait := startBotCancel(t, botEnv(fake, rds.Addr()))

	fake.PushMessage(a, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	quietChat(t, rdb, a)

	// A's next reply hangs at Telegram.
	fake.Fail("sendMessage", 1, telegramtest.Hang())
	fake.PushMessage(a, "/help")
	fake.WaitCalls(t, "sendMessage", 3)
	waitUntil(t, 10*time.Second, "A's /help confirmed", func() bool { return fake.Pending() == 0 })

	// B's update is slow: another turn holds B's chat (as another process
	// would) while the poller has it in hand.
	lock := fmt.Sprintf("pecbot:{%d}:lock", b)
	if err := rdb.Set(ctx, lock, "another-process", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	var poll int
	waitUntil(t, 10*time.Second, "the poller waiting for updates", func() bool {
		calls := fake.CallsOf("getUpdates")
		poll = len(calls) - 1
		return calls[poll].Status == 0
	})
	b1 := fake.PushMessage(b, "/start")
	waitUntil(t, 10*time.Second, "the poller taking B's update", func() bool {
		return fake.CallsOf("getUpdates")[poll].Status == http.StatusOK
	})
	b2 := fake.PushMessage(b, "ciao") // not taken yet

	cancel() // SIGTERM
	if err := rdb.Del(ctx, lock).Err(); err != nil {
		t.Fatal(err)
	}
	err, logs := wait(3 * shutdownGrace)
	if err != nil {
		t.Fatalf("run after the stop: %v", err)
	}
	if !strings.Contains(logs, "pecbot stopped") {
		t.Errorf("no 'pecbot stopped' in the log:\n%s", logs)
	}
	if n := fake.Pending(); n != 1 || fake.Confirmed() != b1 {
		t.Errorf("after the stop %d updates pending, confirmed up to %d; want only B's second (%d) pending, confirmed up to %d",
			n, fake.Confirmed(), b2, b1)
	}
	if v, _ := rdb.HGet(ctx, fmt.Sprintf("pecbot:{%d}:member", b), "v").Result(); v != "1" {
		t.Errorf("B's update under way: state version %q, want 1 (finished)", v)
	}
	if n, _ := rdb.LLen(ctx, fmt.Sprintf("pecbot:{%d}:outbox", a)).Result(); n != 1 {
		t.Errorf("A's hung reply: %d items left in Redis, want 1", n)
	}

	// The next start: A gets the help, B's second update is handled.
	startBot(t, botEnv(fake, rds.Addr()))
	waitText(t, fake, a, "Come funziono", 10*time.Second)
	waitText(t, fake, b, "Per rispondere, tocca uno dei pulsanti", 10*time.Second)
	quietChat(t, rdb, a)
	quietChat(t, rdb, b)
	if n := countText(fake, a, "Come funziono"); n != 1 {
		t.Errorf("A got the help %d times, want once", n)
	}
	if got := plains(fake.Sent(b)); len(got) != 3 {
		t.Errorf("B got %q, want the welcome, the menu and the hint", got)
	}
	waitUntil(t, 10*time.Second, "every update confirmed", func() bool { return fake.Pending() == 0 })
}
