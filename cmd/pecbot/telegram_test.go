package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// The bot on Telegram, end to end: the real program (run), the fake Bot
// API over HTTP, a real redis-server.

const testToken = "123456:TEST-token"

// lockedBuffer collects what the program logs, from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBot runs `pecbot` with env until the returned stop is called; stop
// returns what run returned and the log.
func startBot(t *testing.T, env map[string]string) (stop func() (error, string)) {
	t.Helper()
	cleanEnv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, strings.NewReader(""), &logs, &logs) }()
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

// botEnv is the environment of a bot talking to fake and to the Redis at
// addr, listening (LISTEN_ADDR) on a free loopback port: the bots of one
// test process must not all want :8080.
func botEnv(fake *telegramtest.Server, redisAddr string, more ...string) map[string]string {
	env := map[string]string{
		"TELEGRAM_TOKEN":   testToken,
		"TELEGRAM_API_URL": fake.URL(),
		"REDIS_URL":        "redis://" + redisAddr + "/0",
		"LOG_LEVEL":        "debug",
		"LISTEN_ADDR":      loopbackAddr(),
	}
	for i := 0; i+1 < len(more); i += 2 {
		env[more[i]] = more[i+1]
	}
	return env
}

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// loopbackAddr is freeAddr for helpers without a *testing.T.
func loopbackAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lastButtons are the buttons under the last message sent to chat.
func lastButtons(t *testing.T, fake *telegramtest.Server, chat int64) (int, []telegramtest.Button) {
	t.Helper()
	sent := fake.Sent(chat)
	if len(sent) == 0 {
		t.Fatal("nothing sent to the member")
	}
	last := sent[len(sent)-1]
	var all []telegramtest.Button
	for _, row := range last.Buttons {
		all = append(all, row...)
	}
	return last.MessageID, all
}

// press presses the button of the last message whose label starts with label.
func press(t *testing.T, fake *telegramtest.Server, chat int64, label string) {
	t.Helper()
	id, buttons := lastButtons(t, fake, chat)
	for _, b := range buttons {
		if strings.HasPrefix(b.Text, label) {
			fake.PushCallback(chat, b.CallbackData, id)
			return
		}
	}
	t.Fatalf("no button %q under the last message: %+v", label, buttons)
}

func lastText(fake *telegramtest.Server, chat int64) string {
	sent := fake.Sent(chat)
	if len(sent) == 0 {
		return ""
	}
	return sent[len(sent)-1].Plain
}

// TestTelegramPolling: a member talks to the bot by long polling; the bot
// is stopped (SIGTERM's path) and started again, and the member goes on
// where they were.
func TestTelegramPolling(t *testing.T) {
	const chat = 4242
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	stop := startBot(t, botEnv(fake, rds.Addr()))

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2) // welcome, menu
	if got := lastText(fake, chat); !strings.Contains(got, "cosa devi fare?") {
		t.Fatalf("after /start: %q, want the menu", got)
	}
	press(t, fake, chat, "🆕 Attivare")
	fake.WaitCalls(t, "answerCallbackQuery", 1)
	fake.WaitCalls(t, "sendMessage", 3)
	if got := lastText(fake, chat); !strings.Contains(got, "OMCEO-LT") {
		t.Fatalf("after 'activate': %q, want the 9 steps", got)
	}

	if err, logs := stop(); err != nil {
		t.Fatalf("the bot did not stop cleanly: %v\n%s", err, logs)
	}
	if n := fake.Pending(); n != 0 {
		t.Errorf("%d updates left unconfirmed after a clean stop", n)
	}

	stop = startBot(t, botEnv(fake, rds.Addr()))
	press(t, fake, chat, "Ho confermato")
	fake.WaitCalls(t, "sendMessage", 4)
	if got := lastText(fake, chat); !strings.Contains(got, "Come hai pagato?") {
		t.Fatalf("after a restart: %q, want the member to go on (payment question)", got)
	}
	// Typed words are understood on Telegram too.
	fake.PushMessage(chat, "bonifico bancario")
	fake.WaitCalls(t, "sendMessage", 5)
	if got := lastText(fake, chat); !strings.Contains(got, "ricevuta del pagamento") {
		t.Fatalf("after 'bonifico bancario': %q, want the fax instructions with the receipt", got)
	}
	err, logs := stop()
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, private := range []string{"bonifico", "Ho confermato"} {
		if strings.Contains(logs, private) {
			t.Errorf("the log shows what the member wrote (%q):\n%s", private, logs)
		}
	}
}

// TestTelegramWebhook: updates pushed by Telegram: the secret is checked
// (401, nothing stored), a redelivered update is handled once, and a Redis
// outage answers 503 until Redis is back.
func TestTelegramWebhook(t *testing.T) {
	const chat = 777
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	listen := freeAddr(t)
	startBot(t, botEnv(fake, rds.Addr(), "UPDATES", "webhook", "LISTEN_ADDR", listen,
		"WEBHOOK_URL", "http://"+listen+"/telegram", "WEBHOOK_SECRET", "s3cret_-token"))
	fake.WaitCalls(t, "setWebhook", 1)
	if url, secret := fake.Webhook(); url != "http://"+listen+"/telegram" || secret != "s3cret_-token" {
		t.Fatalf("setWebhook(%q, %q), want the configured address and secret", url, secret)
	}
	ctx := context.Background()
	rdb := rds.Client()

	// A wrong secret: 401, nothing processed, nothing stored.
	req, _ := http.NewRequest(http.MethodPost, "http://"+listen+"/telegram",
		strings.NewReader(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":777,"type":"private"},"from":{"id":777,"is_bot":false,"first_name":"X"},"text":"/start"}}`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong secret: HTTP %d, want 401", resp.StatusCode)
	}
	if keys, _ := rdb.Keys(ctx, "pecbot:{777}:*").Result(); len(keys) != 0 {
		t.Errorf("wrong secret: stored %v, want nothing", keys)
	}
	// Malformed JSON: 400.
	req, _ = http.NewRequest(http.MethodPost, "http://"+listen+"/telegram", strings.NewReader(`{"update_id":`))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret_-token")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed update: HTTP %d, want 400", resp.StatusCode)
	}

	// The same update twice: handled once.
	start := map[string]any{"update_id": 100, "message": map[string]any{
		"message_id": 1, "date": 1, "text": "/start",
		"chat": map[string]any{"id": chat, "type": "private"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}}
	for i := 0; i < 2; i++ {
		if status, _, err := fake.Deliver(ctx, start); err != nil || status != http.StatusOK {
			t.Fatalf("delivery %d: HTTP %d, %v; want 200", i+1, status, err)
		}
	}
	fake.WaitCalls(t, "sendMessage", 2)
	if v, _ := rdb.HGet(ctx, "pecbot:{777}:member", "v").Result(); v != "1" {
		t.Errorf("after the same update twice the state has version %q, want 1 (handled once)", v)
	}
	// A button pressed, by webhook too: answered, and the next step comes.
	msgID, buttons := lastButtons(t, fake, chat)
	var data string
	for _, b := range buttons {
		if strings.HasPrefix(b.Text, "🔄 Rinnovare") {
			data = b.CallbackData
		}
	}
	press := map[string]any{"update_id": 102, "callback_query": map[string]any{
		"id": "cb-1", "data": data, "chat_instance": "1",
		"from":    map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
		"message": map[string]any{"message_id": msgID, "date": 1, "chat": map[string]any{"id": chat, "type": "private"}},
	}}
	if status, _, err := fake.Deliver(ctx, press); err != nil || status != http.StatusOK {
		t.Fatalf("button press: HTTP %d, %v; want 200", status, err)
	}
	fake.WaitCalls(t, "answerCallbackQuery", 1)
	fake.WaitCalls(t, "sendMessage", 3)
	if got := lastText(fake, chat); !strings.Contains(got, "Quando scade") {
		t.Fatalf("after 'renew': %q, want the expiry question", got)
	}
	// A typed date, answered with the renewal deadline.
	typed := map[string]any{"update_id": 103, "message": map[string]any{
		"message_id": 5, "date": 3, "text": "15/12/2027",
		"chat": map[string]any{"id": chat, "type": "private"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}}
	if status, _, err := fake.Deliver(ctx, typed); err != nil || status != http.StatusOK {
		t.Fatalf("typed date: HTTP %d, %v; want 200", status, err)
	}
	fake.WaitCalls(t, "sendMessage", 4)
	if got := lastText(fake, chat); !strings.Contains(got, "14 marzo 2028") {
		t.Fatalf("after the expiry date: %q, want the last day to renew (14 March 2028)", got)
	}

	// Redis down: 503 with Retry-After, so that Telegram tries again; back
	// up: the same update goes through.
	rds.Stop()
	next := map[string]any{"update_id": 104, "message": map[string]any{
		"message_id": 2, "date": 2, "text": "/help",
		"chat": map[string]any{"id": chat, "type": "private"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}}
	status, retry, err := fake.Deliver(ctx, next)
	if err != nil || status != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("with Redis down: HTTP %d, Retry-After %q, %v; want 503 with Retry-After", status, retry, err)
	}
	rds.Restart()
	if status, _, err := fake.Deliver(ctx, next); err != nil || status != http.StatusOK {
		t.Fatalf("with Redis back: HTTP %d, %v; want 200", status, err)
	}
	// The last reply may come twice (its delivery was cut by the outage: at
	// most the message in flight is sent again); the help must come.
	for n := 5; ; n++ {
		fake.WaitCalls(t, "sendMessage", n)
		if strings.Contains(lastText(fake, chat), "Come funziono") {
			break
		}
		if n == 6 {
			t.Fatalf("after Redis came back: %q, want the help", lastText(fake, chat))
		}
	}
}

// TestTelegramNeedsToken: without TELEGRAM_TOKEN, `pecbot` says so and
// exits 2.
func TestTelegramNeedsToken(t *testing.T) {
	cleanEnv(t, nil)
	var out bytes.Buffer
	err := run(context.Background(), nil, strings.NewReader(""), &out, &out)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "TELEGRAM_TOKEN") {
		t.Fatalf("run without a token: %v (exit %d), want an error naming TELEGRAM_TOKEN, exit 2", err, exitCode(err))
	}
}

// TestTelegramUnreadableUpdate: an update the library cannot read (a type
// newer than it) is skipped and confirmed; it does not stop the bot.
func TestTelegramUnreadableUpdate(t *testing.T) {
	const chat = 5150
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	stop := startBot(t, botEnv(fake, rds.Addr()))
	fake.Push(map[string]any{"message": map[string]any{
		"message_id": 1, "date": 1, "text": "fwd",
		"chat":           map[string]any{"id": chat, "type": "private"},
		"from":           map[string]any{"id": chat, "is_bot": false, "first_name": "A"},
		"forward_origin": map[string]any{"type": "from_the_future", "date": 1},
	}})
	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	if got := lastText(fake, chat); !strings.Contains(got, "cosa devi fare?") {
		t.Fatalf("after an unreadable update and /start: %q, want the menu", got)
	}
	quietChat(t, rds.Client(), chat)
	if n := len(fake.Sent(chat)); n != 2 {
		t.Errorf("%d messages sent, want 2 (welcome and menu for /start; nothing for the unreadable update)", n)
	}
	if _, logs := stop(); !strings.Contains(logs, "update not understood") {
		t.Errorf("the skipped update is not logged:\n%s", logs)
	}
	if n := fake.Pending(); n != 0 {
		t.Errorf("%d updates left unconfirmed", n)
	}
}
