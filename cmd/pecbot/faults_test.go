package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// TestRedisCrashWithAppendOnlyFile: Redis as deploy/docker-compose.yml
// runs it (append-only file, fsync every second) crashes (SIGKILL) in the
// middle of a conversation and comes back from its file: every state the
// bot committed is there, a message sent while Redis was down is answered
// once it is back, and the member goes on where they were.
func TestRedisCrashWithAppendOnlyFile(t *testing.T) {
	const chat = 4301
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServerWith(t, "--appendonly", "yes", "--appendfsync", "everysec")
	startBot(t, botEnv(fake, rds.Addr()))
	rdb := rds.Client()
	ctx := context.Background()

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	press(t, fake, chat, "🆕 Attivare")
	fake.WaitCalls(t, "sendMessage", 3)
	quietChat(t, rdb, chat)
	member := fmt.Sprintf("pecbot:{%d}:member", chat)
	before, err := rdb.HGetAll(ctx, member).Result()
	if err != nil || before["v"] == "" {
		t.Fatalf("the member's state before the crash: %v %v", before, err)
	}

	rds.Kill() // SIGKILL: no shutdown, no snapshot; only the append-only file is left
	press(t, fake, chat, "Ho confermato")
	rds.Restart()
	waitText(t, fake, chat, "Come hai pagato?", 30*time.Second)
	if n := countText(fake, chat, "Come hai pagato?"); n != 1 {
		t.Errorf("the answer to the press made during the outage came %d times; want once", n)
	}
	after, err := rdb.HGetAll(ctx, member).Result()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := strconv.Atoi(before["v"]); fmt.Sprint(b+1) != after["v"] {
		t.Errorf("state version %s after the press; want past %s (the state from before the crash, then the press)", after["v"], before["v"])
	}
	fake.PushMessage(chat, "bonifico bancario")
	waitText(t, fake, chat, "ricevuta del pagamento", 30*time.Second)
	noRejectedCalls(t, fake)
}

// TestRedisOutOfMemory: Redis full (maxmemory reached, noeviction, as
// deploy/docker-compose.yml configures it) refuses writes: the bot commits
// nothing half-way, says so in its log (the reason, not the member), and
// tries the update again; once memory is freed (here maxmemory raised) the
// member gets the answer, once.
func TestRedisOutOfMemory(t *testing.T) {
	const chat = 4302
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServerWith(t, "--maxmemory-policy", "noeviction")
	stop := startBot(t, botEnv(fake, rds.Addr(), "LOG_LEVEL", "info"))
	rdb := rds.Client()
	ctx := context.Background()

	fake.PushMessage(chat, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	quietChat(t, rdb, chat)
	member := fmt.Sprintf("pecbot:{%d}:member", chat)
	version, err := rdb.HGet(ctx, member, "v").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Full: a limit below what is used now, so every write is refused.
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	press(t, fake, chat, "🆕 Attivare")
	// The update is refused, and tried again while Redis stays full.
	waitUntil(t, 30*time.Second, "writes refused twice", func() bool {
		return oomErrors(t, rdb) >= 2
	})
	if got, _ := rdb.HGet(ctx, member, "v").Result(); got != version {
		t.Errorf("state version %s while Redis was full; want %s (nothing written)", got, version)
	}
	if n := len(fake.Sent(chat)); n != 2 {
		t.Errorf("%d messages to the member while Redis was full; want the 2 from before", n)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	waitText(t, fake, chat, "OMCEO-LT", 30*time.Second)
	quietChat(t, rdb, chat)
	if n := countText(fake, chat, "OMCEO-LT"); n != 1 {
		t.Errorf("the steps came %d times; want once", n)
	}
	err, logs := stop()
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !strings.Contains(logs, "OOM command not allowed") {
		t.Errorf("the log does not say Redis refused the writes (OOM):\n%s", logs)
	}
	if strings.Contains(logs, fmt.Sprint(chat)) {
		t.Errorf("the log names the member's chat:\n%s", logs)
	}
}

// oomErrors is how many commands Redis refused for want of memory.
func oomErrors(t *testing.T, rdb redis.UniversalClient) int {
	t.Helper()
	info, err := rdb.Info(context.Background(), "errorstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "errorstat_OOM:count="); ok {
			n, _ := strconv.Atoi(rest)
			return n
		}
	}
	return 0
}
