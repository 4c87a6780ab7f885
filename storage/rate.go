package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// SendRate is the pace of every message the bot sends, shared by all its
// processes through Redis (GCRA, github.com/go-redis/redis_rate): Telegram
// allows a bot about 30 messages a second overall.
//
// Messages have classes of priority (0 first). All share one GCRA key; a
// class is let through only while the backlog the others left is within its
// tolerance (replies: a short burst; the last class: none), so that when
// more want to go than the pace allows, replies go first, reminders next,
// broadcasts last, and the total never exceeds the pace by more than
// replies' short burst.
//
// Paid broadcasts (allow_paid_broadcast) are not held to that limit:
// Telegram lets them go up to 1,000 a second for a fee. With WithPaid they
// have a pace of their own (class PaidClass), on a key of their own, so
// that they neither wait behind nor crowd out the free messages.
type SendRate struct {
	client  redis.UniversalClient
	limiter *redis_rate.Limiter
	key     string
	limits  []redis_rate.Limit // per class

	paidKey   string
	paidLimit *redis_rate.Limit // nil: paid broadcasts go as class 2
}

// PaidClass is the class of paid broadcasts' messages (see WithPaid).
const PaidClass = 3

// sendClasses is how many priority classes SendRate knows; a higher class
// is served as the last.
const sendClasses = 3

// SendRate returns the shared pace of perSecond messages a second.
func (s *Store) SendRate(perSecond int) *SendRate {
	r := &SendRate{client: s.c, limiter: redis_rate.NewLimiter(s.c),
		key: s.o.Prefix + ":rate:send", paidKey: s.o.Prefix + ":rate:paid"}
	slack := slackOf(perSecond)
	for c := range sendClasses {
		// Burst b lets a message through while the backlog is under b-1
		// intervals: 3 for replies (a reply of three messages goes at
		// once), 1 for the last class (only when nobody else waits).
		r.limits = append(r.limits, redis_rate.Limit{Rate: perSecond, Period: time.Second, Burst: sendClasses - c + slack})
	}
	return r
}

// slackOf is the backlog tolerated at a pace of perSecond: at a high pace a
// slot is a millisecond or two, and a message a little late (a timer, a
// round trip) would lose its slot for good. A tolerance of 10 ms of
// backlog keeps the pace (none below 100/s).
func slackOf(perSecond int) int { return perSecond / 100 }

// WithPaid gives paid broadcasts (class PaidClass) their own pace of
// perSecond messages a second, shared by every process; it returns r.
func (r *SendRate) WithPaid(perSecond int) *SendRate {
	r.paidLimit = &redis_rate.Limit{Rate: perSecond, Period: time.Second, Burst: 1 + slackOf(perSecond)}
	return r
}

// Wait blocks until one more message of priority class (0: replies, 1:
// reminders, 2: broadcasts, PaidClass: paid broadcasts; beyond: as 2) may
// go out (one round trip when
// it may at once), or ctx ends.
func (r *SendRate) Wait(ctx context.Context, class int) error {
	for {
		ok, retry, err := r.try(ctx, class)
		if err != nil || ok {
			return err
		}
		// Waking a little early and asking again (a refusal costs one
		// round trip) keeps a timer's lateness from losing the slot: at
		// 30 a second, a millisecond late on every message is 3% of the
		// pace.
		if retry > wakeEarly {
			retry -= wakeEarly
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// wakeEarly is how much before its slot a waiting message asks again.
const wakeEarly = 2 * time.Millisecond

// try takes one message's place in the pace if class may send now;
// otherwise it says when to try again.
func (r *SendRate) try(ctx context.Context, class int) (ok bool, retry time.Duration, err error) {
	key, limit := r.key, r.limits[min(max(class, 0), len(r.limits)-1)]
	if class == PaidClass && r.paidLimit != nil {
		key, limit = r.paidKey, *r.paidLimit
	}
	res, err := r.limiter.Allow(ctx, key, limit)
	if err != nil {
		return false, 0, fmt.Errorf("send rate: %w", err)
	}
	return res.Allowed > 0, res.RetryAfter, nil
}

// pauseScript moves the shared pace's next free moment (the GCRA "TAT"
// redis_rate keeps under the key, in seconds since 2017-01-01 by Redis's
// clock) to now + ARGV[1] seconds, unless it is later already: every
// process's next message then waits that long. ARGV[1] includes the
// backlog the most tolerant class may go ahead by. TestSendRatePause checks
// the format still matches the library's.
//
//	KEYS: the rate key
//	ARGV: seconds to pause
var pauseScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end -- TIME before a write, Redis < 5
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + (t[2] / 1000000)
local want = now + tonumber(ARGV[1])
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
if want > tat then
  redis.call("SET", KEYS[1], tostring(want), "EX", math.ceil(tonumber(ARGV[1])) + 1)
end
return 0
`)

// Pause makes every process's next message wait d: Telegram answered 429
// with retry_after, which applies to the whole bot, not to the process
// that heard it.
func (r *SendRate) Pause(ctx context.Context, d time.Duration) error {
	// Replies may go (sendClasses-1) intervals ahead of the next free
	// moment: the pause covers that too, lest they end it early.
	ahead := time.Duration(sendClasses-1) * time.Second / time.Duration(r.limits[0].Rate)
	// redis_rate keeps the key under its own prefix. Paid broadcasts
	// pause too: retry_after is the bot's.
	keys := []string{r.key}
	if r.paidLimit != nil {
		keys = append(keys, r.paidKey)
	}
	for _, k := range keys {
		if err := pauseScript.Run(ctx, r.client, []string{"rate:" + k}, (d + ahead).Seconds()).Err(); err != nil {
			return fmt.Errorf("pause the send rate: %w", err)
		}
	}
	return nil
}
