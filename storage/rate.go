package storage

import (
	"context"
	"fmt"
	"sync"
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
//
// Places are taken in leases, so that at a high pace most messages cost no
// round trip to Redis: a class of a process asks Redis for several places
// at once (one round trip) and hands them out to its messages. A lease
// holds at most leaseSpan's worth of the pace (at 30 a second, 1 place: one
// round trip per message, as without leases; at 1,000 a second, 5), and
// only as many as the class's recent demand used: it starts at 1, doubles
// when a lease was used up and more messages came before it expired, and
// halves when one expired with places unused (places taken and not used
// are lost for every process). A lease is valid for leaseSpan after it was
// asked for; its places not used by then are dropped.
//
// What leases cost:
//   - The excess over the pace: a place may be used up to leaseSpan after
//     Redis granted it, so over any stretch of time the messages sent
//     exceed what the GCRA key allows by at most leaseSpan's worth of the
//     pace (5 ms), within the backlog every class already tolerates
//     (slackOf: 10 ms), which is why the limits' bursts are unchanged.
//   - Priority: a lease's places are counted in Redis when it is taken,
//     with the class's own tolerance, so the order of classes in Redis is
//     the same as with one place at a time; what a lower class holds
//     while replies wait is at most one lease, leaseSpan's worth of the
//     pace and no more than its recent demand.
//   - A 429: Pause drops every lease of this process at once; other
//     processes' leases, taken before the pause, are spent or dropped
//     within leaseSpan: after a 429 was heard, what still goes out is at
//     most the places granted in the leaseSpan before the pause.
type SendRate struct {
	client  redis.UniversalClient
	limiter *redis_rate.Limiter
	key     string
	limits  []redis_rate.Limit // per class

	paidKey   string
	paidLimit *redis_rate.Limit // nil: paid broadcasts go as class 2

	// leases are the places this process took ahead, one per class:
	// 0 to sendClasses-1, then paid broadcasts on their own key.
	leases [sendClasses + 1]lease
	now    func() time.Time // the clock leases expire by: time.Now
}

// PaidClass is the class of paid broadcasts' messages (see WithPaid).
const PaidClass = 3

// sendClasses is how many priority classes SendRate knows; a higher class
// is served as the last.
const sendClasses = 3

// leaseSpan is how long a lease of places is valid, and so how much of the
// pace one lease may hold: short enough that a place is used close to when
// Redis granted it (the excess over the pace, the delay a lease of a lower
// class may cause replies, and the time other processes go on after a
// 429), long enough to hold hundreds of places at a pace of 100,000 a
// second.
const leaseSpan = 5 * time.Millisecond

// SendRate returns the shared pace of perSecond messages a second.
func (s *Store) SendRate(perSecond int) *SendRate {
	r := &SendRate{client: s.c, limiter: redis_rate.NewLimiter(s.c),
		key: s.o.Prefix + ":rate:send", paidKey: s.o.Prefix + ":rate:paid",
		now: time.Now}
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

// maxLease is the most places one lease may hold at a pace of perSecond:
// leaseSpan's worth, at least 1 (below 400 a second, a place at a time).
func maxLease(perSecond int) int {
	return max(1, int(time.Duration(perSecond)*leaseSpan/time.Second))
}

// WithPaid gives paid broadcasts (class PaidClass) their own pace of
// perSecond messages a second, shared by every process; it returns r.
func (r *SendRate) WithPaid(perSecond int) *SendRate {
	r.paidLimit = &redis_rate.Limit{Rate: perSecond, Period: time.Second, Burst: 1 + slackOf(perSecond)}
	return r
}

// lease is the places one class of this process took from Redis and has
// not handed out yet, and what its next ask for places will be.
type lease struct {
	mu      sync.Mutex
	left    int       // places granted and not handed out
	expires time.Time // when left is dropped
	judged  bool      // the last lease's use was taken into size already
	size    int       // places the next ask asks for, 1 to maxLease
	// asking is non-nil while a goroutine asks Redis for this class (and
	// waits to ask again when refused); it is closed when that is over,
	// so that the others take the places it got, or one of them asks.
	asking chan struct{}
	epoch  int // counts Pauses: places asked for before one are not used
}

// take hands out one place of the lease if it has one still valid at now.
func (l *lease) take(now time.Time) bool {
	if l.left > 0 && now.Before(l.expires) {
		l.left--
		return true
	}
	return false
}

// resize sets, from how the last lease was used, how many places the next
// ask asks for (at most most), and drops what is left of the last lease.
func (l *lease) resize(now time.Time, most int) int {
	if !l.judged {
		switch {
		case l.left > 0: // expired with places unused: they are lost for all
			l.size /= 2
		case now.Before(l.expires): // used up, and more messages came meanwhile
			l.size *= 2
		}
		l.left, l.judged = 0, true
	}
	l.size = min(max(l.size, 1), most)
	return l.size
}

// classOf is the GCRA key, the limit and this process's lease of class.
func (r *SendRate) classOf(class int) (key string, limit redis_rate.Limit, l *lease) {
	if class == PaidClass && r.paidLimit != nil {
		return r.paidKey, *r.paidLimit, &r.leases[sendClasses]
	}
	c := min(max(class, 0), len(r.limits)-1)
	return r.key, r.limits[c], &r.leases[c]
}

// Wait blocks until one more message of priority class (0: replies, 1:
// reminders, 2: broadcasts, PaidClass: paid broadcasts; beyond: as 2) may
// go out, or ctx ends. A place of the class's lease costs no round trip;
// when the lease is spent, one goroutine of the class asks Redis for the
// next (one round trip when it may go at once), and the others wait for
// its answer.
func (r *SendRate) Wait(ctx context.Context, class int) error {
	_, _, l := r.classOf(class)
	for {
		l.mu.Lock()
		if l.take(r.now()) {
			l.mu.Unlock()
			return nil
		}
		asking := l.asking
		if asking == nil {
			asking = make(chan struct{})
			l.asking = asking
			l.mu.Unlock()
			err := r.askUntilGranted(ctx, class)
			l.mu.Lock()
			l.asking = nil
			l.mu.Unlock()
			close(asking)
			return err
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-asking:
		}
	}
}

// askUntilGranted asks Redis for class's next lease until it grants one,
// keeping one place for the caller, or ctx ends.
func (r *SendRate) askUntilGranted(ctx context.Context, class int) error {
	for {
		ok, retry, err := r.ask(ctx, class)
		if err != nil || ok {
			return err
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

// ask asks Redis once for class's next lease, of up to its size in places:
// the caller gets one, the lease keeps the others. Refused, it says how
// long to wait before asking again.
func (r *SendRate) ask(ctx context.Context, class int) (ok bool, retry time.Duration, err error) {
	key, limit, l := r.classOf(class)
	l.mu.Lock()
	n, epoch := l.resize(r.now(), maxLease(limit.Rate)), l.epoch
	l.mu.Unlock()
	asked := r.now()
	var res *redis_rate.Result
	if n == 1 {
		// A place at a time: redis_rate's AllowAtMost computes in floating
		// point what is left, and with a burst of 1 (broadcasts at
		// Telegram's pace) finds 0.99999… where 1 is: it would never grant.
		res, err = r.limiter.Allow(ctx, key, limit)
	} else {
		res, err = r.limiter.AllowAtMost(ctx, key, limit, n)
	}
	if err != nil {
		return false, 0, fmt.Errorf("send rate: %w", err)
	}
	if res.Allowed == 0 {
		if n == 1 {
			// Waking a little early and asking again (a refusal costs
			// one round trip) keeps a timer's lateness from losing the
			// slot: at 30 a second, a millisecond late on every message
			// is 3% of the pace.
			if res.RetryAfter > wakeEarly {
				return false, res.RetryAfter - wakeEarly, nil
			}
			return false, res.RetryAfter, nil
		}
		// A lease asks again when all its places are free: sooner, Redis
		// would grant a part (and lose a fraction of a place: redis_rate
		// counts a partial grant unrounded). A lease is at most half the
		// class's tolerance of backlog, so a timer late by less than
		// leaseSpan loses nothing.
		return false, res.RetryAfter + time.Duration(n-1)*limit.Period/time.Duration(limit.Rate), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.epoch != epoch {
		// A 429 was heard meanwhile: these places may predate the pause.
		// Asking again at once gets the pause's wait.
		return false, 0, nil
	}
	l.left, l.expires, l.judged = res.Allowed-1, asked.Add(leaseSpan), false
	return true, 0, nil
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
// that heard it. This process's leases are dropped at once; other
// processes' leases expire within leaseSpan.
func (r *SendRate) Pause(ctx context.Context, d time.Duration) error {
	r.dropLeases()
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
	// Leases granted while the pause was on its way may predate it.
	r.dropLeases()
	return nil
}

// dropLeases drops every place this process holds, and the answers to
// asks under way, and starts every class's lease again at one place.
func (r *SendRate) dropLeases() {
	for i := range r.leases {
		l := &r.leases[i]
		l.mu.Lock()
		l.left, l.judged, l.size = 0, true, 1
		l.epoch++
		l.mu.Unlock()
	}
}
