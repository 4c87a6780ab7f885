package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// TestTelegramSentinelFailover: the bot on a Redis watched by Sentinel
// (REDIS_URL=redis-sentinel://…). A member starts a conversation; once what
// the bot committed has reached the replica, the primary crashes (SIGKILL);
// the sentinels promote the replica, and the member goes on from where they
// were, on the new primary, without restarting the bot. A new member can
// start too.
//
// Replication is asynchronous: Redis acknowledges a write before the
// replica has it, so a crash may lose the last writes. The test waits for
// the replica to catch up before the kill, and so shows what the bot can
// promise: state Redis acknowledged and replicated survives a failover.
func TestTelegramSentinelFailover(t *testing.T) {
	const anna, bruno = 6101, 6102
	fake := telegramtest.New(t, testToken)
	rs := redistest.StartSentinel(t)
	env := botEnv(fake, "")
	env["REDIS_URL"] = rs.URL()
	startBot(t, env)
	rdb := rs.Client() // follows the primary, as the bot does
	ctx := t.Context()

	// Anna: /start → welcome and menu; "Attivare" → the nine steps.
	fake.PushMessage(anna, "/start")
	fake.WaitCalls(t, "sendMessage", 2)
	if got := lastText(fake, anna); !strings.Contains(got, "cosa devi fare?") {
		t.Fatalf("after /start: %q, want the menu", got)
	}
	press(t, fake, anna, "🆕 Attivare")
	fake.WaitCalls(t, "answerCallbackQuery", 1)
	fake.WaitCalls(t, "sendMessage", 3)
	if got := lastText(fake, anna); !strings.Contains(got, "OMCEO-LT") {
		t.Fatalf("after 'activate': %q, want the 9 steps", got)
	}
	// Everything for Anna committed and delivered (outbox emptied), then on
	// the replica too.
	quietChat(t, rdb, anna)
	member := fmt.Sprintf("pecbot:{%d}:member", anna)
	version, err := rdb.HGet(ctx, member, "v").Result()
	if err != nil {
		t.Fatalf("Anna's state before the failover: %v", err)
	}
	rs.WaitReplicated(5 * time.Second)

	killed := time.Now()
	old := rs.KillPrimary()
	primary := rs.WaitFailover(20 * time.Second)
	t.Logf("primary %s killed; replica %s promoted in %v", old, primary, time.Since(killed).Round(time.Millisecond))
	promoted := redis.NewClient(&redis.Options{Addr: primary})
	defer promoted.Close()
	if got, err := promoted.HGet(ctx, member, "v").Result(); err != nil || got != version {
		t.Fatalf("Anna's state on the promoted replica: version %q, %v; want %q, as acknowledged before the crash", got, err, version)
	}

	// Anna goes on: "Ho confermato" under the steps → the payment question,
	// which only comes from the state the primary had.
	continued := time.Now()
	press(t, fake, anna, "Ho confermato")
	waitText(t, fake, anna, "Come hai pagato?", 15*time.Second)
	t.Logf("Anna answered %v after her press", time.Since(continued).Round(time.Millisecond))
	fake.PushMessage(anna, "bonifico bancario")
	waitText(t, fake, anna, "ricevuta del pagamento", 10*time.Second)

	// Bruno, new: /start → the menu.
	fake.PushMessage(bruno, "/start")
	waitText(t, fake, bruno, "cosa devi fare?", 10*time.Second)

	quietChat(t, rdb, anna)
	quietChat(t, rdb, bruno)
	if got := plains(fake.Sent(anna)); len(got) != 5 {
		t.Errorf("Anna got %d messages, want 5 (welcome, menu, steps, payment, fax): %q", len(got), got)
	}
	if got, err := promoted.HGet(ctx, member, "v").Result(); err != nil || got == version {
		t.Errorf("Anna's state on the new primary: version %q, %v; want past %q", got, err, version)
	}
	noRejectedCalls(t, fake)
}
