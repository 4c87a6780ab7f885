package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// Observing the bot from outside, end to end: GET /healthz, /readyz and
// /metrics on LISTEN_ADDR, in both modes, and `pecbot healthcheck`.

// probeClient gives up on a probe soon: a hanging endpoint is a failure.
var probeClient = &http.Client{Timeout: 5 * time.Second}

// tryGet GETs path on the bot listening at addr: the status and the body.
func tryGet(addr, path string) (int, string, error) {
	resp, err := probeClient.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// get is tryGet failing the test on an error.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	status, body, err := tryGet(addr, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return status, body
}

// waitStatus waits until GET path answers status (the bot may not listen
// yet), and returns the body.
func waitStatus(t *testing.T, addr, path string, status int, limit time.Duration) string {
	t.Helper()
	var body string
	waitUntil(t, limit, fmt.Sprintf("GET %s answering %d", path, status), func() bool {
		got, b, err := tryGet(addr, path)
		body = b
		return err == nil && got == status
	})
	return body
}

// checkProbes checks /healthz and /readyz of the bot at addr as Redis
// (rds) goes down and comes back: alive all along, ready only while Redis
// answers; the reason says what is wrong and nothing else.
func checkProbes(t *testing.T, addr string, rds *redistest.Server) {
	t.Helper()
	if status, body := get(t, addr, "/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz: %d %q, want 200 \"ok\"", status, body)
	}
	// The job engine starts in the background: ready once it runs.
	waitStatus(t, addr, "/readyz", http.StatusOK, 10*time.Second)

	rds.Stop()
	body := waitStatus(t, addr, "/readyz", http.StatusServiceUnavailable, 10*time.Second)
	if !strings.HasPrefix(body, "redis: ") || len(body) > 80 {
		t.Errorf("GET /readyz with Redis down: %q, want a short reason naming redis", body)
	}
	_, port, _ := net.SplitHostPort(rds.Addr())
	for _, secret := range []string{port, testToken, "127.0.0.1"} {
		if strings.Contains(body, secret) {
			t.Errorf("GET /readyz with Redis down: %q shows %q", body, secret)
		}
	}
	if status, _ := get(t, addr, "/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz with Redis down: %d, want 200 (the process is alive)", status)
	}
	rds.Restart()
	waitStatus(t, addr, "/readyz", http.StatusOK, 20*time.Second)
}

// TestHealthPolling: in polling mode the bot listens on LISTEN_ADDR too,
// with its probes and metrics; `pecbot healthcheck` follows /readyz.
func TestHealthPolling(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	env := botEnv(fake, rds.Addr())
	addr := env["LISTEN_ADDR"]
	startBot(t, env)
	fake.WaitCalls(t, "getUpdates", 1) // started: listening since before the first poll
	if status, body := get(t, addr, "/metrics"); status != http.StatusOK || !strings.Contains(body, "pecbot_reminders_pending") {
		t.Errorf("GET /metrics in polling mode: %d, want 200 with pecbot_reminders_pending", status)
	}
	checkProbes(t, addr, rds)

	// `pecbot healthcheck` (as main runs it: exit code from the error).
	healthcheck := func() (code int, stdout, stderr string) {
		var out, errOut strings.Builder
		err := run(context.Background(), []string{"healthcheck"}, strings.NewReader(""), &out, &errOut)
		if err != nil {
			return exitCode(err), out.String(), err.Error()
		}
		return 0, out.String(), errOut.String()
	}
	if code, out, msg := healthcheck(); code != 0 || out != "ready\n" {
		t.Errorf("pecbot healthcheck against a ready bot: exit %d, stdout %q, error %q; want 0", code, out, msg)
	}
	rds.Stop()
	waitUntil(t, 10*time.Second, "healthcheck failing with Redis down", func() bool { code, _, _ := healthcheck(); return code != 0 })
	if code, _, msg := healthcheck(); code != 1 || !strings.Contains(msg, "503") || !strings.Contains(msg, "redis") {
		t.Errorf("pecbot healthcheck with Redis down: exit %d, %q; want 1 and the reason", code, msg)
	}
	rds.Restart()
	waitUntil(t, 20*time.Second, "healthcheck passing with Redis back", func() bool { code, _, _ := healthcheck(); return code == 0 })
	t.Setenv("LISTEN_ADDR", freeAddr(t))
	if code, _, msg := healthcheck(); code != 1 || !strings.Contains(msg, "not ready") {
		t.Errorf("pecbot healthcheck with nothing listening: exit %d, %q; want 1", code, msg)
	}
}

// TestHealthcheckBinary: the real exit statuses of `pecbot healthcheck`,
// which Docker reads: 0 against a ready bot, 1 (never 2) otherwise.
func TestHealthcheckBinary(t *testing.T) {
	bin := buildPecbot(t)
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	env := botEnv(fake, rds.Addr())
	startBot(t, env)
	waitStatus(t, env["LISTEN_ADDR"], "/readyz", http.StatusOK, 10*time.Second)
	check := func(listen string, args ...string) (int, string) {
		cmd := exec.Command(bin, append([]string{"healthcheck"}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LISTEN_ADDR=" + listen}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stderr.String()
	}
	_, port, _ := net.SplitHostPort(env["LISTEN_ADDR"])
	if code, stderr := check(":" + port); code != 0 {
		t.Errorf("healthcheck against the ready bot (LISTEN_ADDR :%s): exit %d, %q; want 0", port, code, stderr)
	}
	if code, stderr := check(freeAddr(t)); code != 1 || !strings.HasPrefix(stderr, "pecbot: not ready") {
		t.Errorf("healthcheck with nothing listening: exit %d, %q; want 1 and the reason", code, stderr)
	}
	if code, _ := check("8080"); code != 1 {
		t.Errorf("healthcheck with a bad LISTEN_ADDR: exit %d, want 1 (2 is Docker's)", code)
	}
	if code, _ := check(":"+port, "extra"); code != 1 {
		t.Errorf("healthcheck with an argument: exit %d, want 1 (2 is Docker's)", code)
	}
}

// TestHealthListenAddrTaken: a LISTEN_ADDR already in use stops the bot at
// start, in polling mode too, with an error naming LISTEN_ADDR.
func TestHealthListenAddrTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	cleanEnv(t, botEnv(fake, rds.Addr(), "LISTEN_ADDR", taken.Addr().String()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var logs lockedBuffer
	err = run(ctx, nil, strings.NewReader(""), &logs, &logs)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "LISTEN_ADDR "+taken.Addr().String()) {
		t.Fatalf("run with LISTEN_ADDR taken: %v; want an error naming LISTEN_ADDR\n%s", err, logs.String())
	}
}

// TestReadyWebhook: the probes on the webhook's listener.
func TestReadyWebhook(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	listen := freeAddr(t)
	startBot(t, botEnv(fake, rds.Addr(), "UPDATES", "webhook", "LISTEN_ADDR", listen,
		"WEBHOOK_URL", "http://"+listen+"/telegram", "WEBHOOK_SECRET", "s3cret"))
	fake.WaitCalls(t, "setWebhook", 1)
	checkProbes(t, listen, rds)
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads /metrics of the bot at addr.
func scrape(t *testing.T, addr string) []sample {
	t.Helper()
	status, body := get(t, addr, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	var out []sample
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("GET /metrics: unreadable line %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("GET /metrics: %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[p[1]] = p[2]
		}
		out = append(out, s)
	}
	return out
}

// value sums the samples named name whose labels include want (name=value
// pairs), and says whether there was one.
func value(samples []sample, name string, want ...string) (float64, bool) {
	sum, found := 0.0, false
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for i := 0; i+1 < len(want); i += 2 {
			if s.labels[want[i]] != want[i+1] {
				continue next
			}
		}
		sum += s.value
		found = true
	}
	return sum, found
}

// looksLikeID: a label value that could be a chat, a user or an update.
var looksLikeID = regexp.MustCompile(`^-?[0-9]{4,}$`)

// TestMetrics: after a short conversation by webhook (an update delivered
// twice, a group message, a button, an update while Redis is down),
// /metrics counts updates by type and outcome, times them, counts the
// replies sent and the Redis errors; no label carries an ID.
func TestMetrics(t *testing.T) {
	const chat, group = 8801, -8802
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	listen := freeAddr(t)
	stop := startBot(t, botEnv(fake, rds.Addr(), "UPDATES", "webhook", "LISTEN_ADDR", listen,
		"WEBHOOK_URL", "http://"+listen+"/telegram", "WEBHOOK_SECRET", "s3cret"))
	fake.WaitCalls(t, "setWebhook", 1)
	ctx := context.Background()
	before := scrape(t, listen)
	delta := func(after []sample, name string, labels ...string) float64 {
		a, _ := value(after, name, labels...)
		b, _ := value(before, name, labels...)
		return a - b
	}
	deliver := func(u map[string]any, want int) {
		t.Helper()
		if status, _, err := fake.Deliver(ctx, u); err != nil || status != want {
			t.Fatalf("delivery: HTTP %d, %v; want %d", status, err, want)
		}
	}
	message := func(id, chatID int64, kind, text string) map[string]any {
		return map[string]any{"update_id": id, "message": map[string]any{
			"message_id": id, "date": 1, "text": text,
			"chat": map[string]any{"id": chatID, "type": kind},
			"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
		}}
	}

	start := message(880101, chat, "private", "/start")
	deliver(start, http.StatusOK)
	deliver(start, http.StatusOK) // Telegram delivering it again: a duplicate
	deliver(message(880102, group, "group", "/start"), http.StatusOK)
	fake.WaitCalls(t, "sendMessage", 2) // welcome, menu
	msgID, buttons := lastButtons(t, fake, chat)
	deliver(map[string]any{"update_id": 880103, "callback_query": map[string]any{
		"id": "cb-metrics", "data": buttons[0].CallbackData, "chat_instance": "1",
		"from":    map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
		"message": map[string]any{"message_id": msgID, "date": 1, "chat": map[string]any{"id": chat, "type": "private"}},
	}}, http.StatusOK)
	fake.WaitCalls(t, "answerCallbackQuery", 1)
	fake.WaitCalls(t, "sendMessage", 3)
	quietChat(t, rds.Client(), chat)
	rds.Stop()
	deliver(message(880104, chat, "private", "/help"), http.StatusServiceUnavailable)
	rds.Restart()
	waitStatus(t, listen, "/readyz", http.StatusOK, 20*time.Second)

	after := scrape(t, listen)
	for _, c := range []struct {
		typ, outcome string
		want         float64
	}{
		{"message", "ok", 1}, {"message", "duplicate", 1}, {"message", "ignored", 1},
		{"message", "error", 1}, {"callback", "ok", 1},
	} {
		if got := delta(after, "pecbot_updates_total", "type", c.typ, "outcome", c.outcome); got != c.want {
			t.Errorf("pecbot_updates_total{type=%q,outcome=%q} went up by %v, want %v", c.typ, c.outcome, got, c.want)
		}
	}
	if got := delta(after, "pecbot_update_handling_seconds_count"); got != 2 {
		t.Errorf("pecbot_update_handling_seconds_count went up by %v, want 2 (the updates committed)", got)
	}
	if _, ok := value(after, "pecbot_update_handling_seconds_bucket", "le", "+Inf"); !ok {
		t.Error("pecbot_update_handling_seconds has no buckets")
	}
	if got := delta(after, "pecbot_messages_sent_total", "kind", "reply", "result", "ok"); got != 3 {
		t.Errorf(`pecbot_messages_sent_total{kind="reply",result="ok"} went up by %v, want 3 (welcome, menu, next step)`, got)
	}
	if got := delta(after, "pecbot_send_pace_wait_seconds_count", "kind", "reply"); got < 3 {
		t.Errorf(`pecbot_send_pace_wait_seconds_count{kind="reply"} went up by %v, want at least 3`, got)
	}
	if got := delta(after, "pecbot_redis_errors_total", "op", "begin"); got < 1 {
		t.Errorf(`pecbot_redis_errors_total{op="begin"} went up by %v, want at least 1 (the update while Redis was down)`, got)
	}
	for _, name := range []string{"pecbot_broadcast_copies_total", "pecbot_reminders_pending", "pecbot_reminders_due_today"} {
		if _, ok := value(after, name); !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	// The log follows an update by its ID, and shows no chat's ID (the
	// errors of the update while Redis was down name the chat).
	_, logs := stop()
	if !regexp.MustCompile(`"update":880101,[^\n]*seen before`).MatchString(logs) {
		t.Errorf("the log does not name the update handled twice (\"update\":880101)")
	}
	if !strings.Contains(logs, `"update":880104`) || strings.Contains(logs, "chat 8801") {
		t.Errorf("the log of the update while Redis was down: want its update ID, not the chat's ID")
	}
	for _, s := range after {
		if !strings.HasPrefix(s.name, "pecbot_") {
			continue
		}
		for k, v := range s.labels {
			if looksLikeID.MatchString(v) || strings.Contains(v, strconv.Itoa(chat)) {
				t.Errorf("%s has label %s=%q, which looks like an ID", s.name, k, v)
			}
		}
	}
}
