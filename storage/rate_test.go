package storage

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/storage/redistest"
)

// try takes one place for class if it may go now, from this process's
// lease or else asking Redis once; otherwise it says when to try again.
func (r *SendRate) try(ctx context.Context, class int) (ok bool, retry time.Duration, err error) {
	_, _, l := r.classOf(class)
	l.mu.Lock()
	ok = l.take(r.now())
	l.mu.Unlock()
	if ok {
		return true, 0, nil
	}
	return r.ask(ctx, class)
}

// TestSendRateIsShared: two processes' senders share one pace through
// Redis: at 1 a second, what one process sent counts for the other.
func TestSendRateIsShared(t *testing.T) {
	s, c := newStore(t, Options{})
	other := New(c, Options{}) // another process on the same Redis
	a, b := s.SendRate(1), other.SendRate(1)
	if ok, _, err := a.try(t.Context(), 2); err != nil || !ok {
		t.Fatalf("the first broadcast message waits (%v)", err)
	}
	if ok, retry, err := b.try(t.Context(), 2); err != nil || ok || retry <= 0 {
		t.Fatalf("the other process's broadcast went at once (ok %v, retry %v, %v): the pace is not shared", ok, retry, err)
	}
}

// TestSendRatePriorities: when the pace is taken, replies still go (a short
// burst), reminders go only while the backlog is short, broadcasts only
// when nothing else waits.
func TestSendRatePriorities(t *testing.T) {
	s, _ := newStore(t, Options{})
	r := s.SendRate(1) // one a second: each message is a second of backlog
	steps := []struct {
		class int
		want  bool
	}{
		{0, true},  // backlog 0 → 1 s
		{2, false}, // a broadcast waits while anything is queued
		{1, true},  // a reminder tolerates 1 s of backlog → 2 s
		{1, false}, // ...not 2 s
		{0, true},  // a reply tolerates 2 s → 3 s
		{0, false}, // ...not 3 s
		{2, false},
	}
	for i, st := range steps {
		ok, _, err := r.try(t.Context(), st.class)
		if err != nil {
			t.Fatal(err)
		}
		if ok != st.want {
			t.Fatalf("step %d: class %d let through = %v; want %v", i, st.class, ok, st.want)
		}
	}
}

// TestSendRatePause: a 429 heard by one process pauses every process's
// next message, replies included, for retry_after.
func TestSendRatePause(t *testing.T) {
	s, c := newStore(t, Options{})
	other := New(c, Options{}).SendRate(1000)
	if err := s.SendRate(1000).Pause(t.Context(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	ok, retry, err := other.try(t.Context(), 0)
	if err != nil || ok {
		t.Fatalf("a reply went during the pause (%v)", err)
	}
	if retry < 2900*time.Millisecond || retry > 3100*time.Millisecond {
		t.Fatalf("retry in %v; want the whole 3 s pause (a reply may not end it early)", retry)
	}
	// A shorter pause does not shorten a longer one.
	if err := other.Pause(t.Context(), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, retry, _ := other.try(t.Context(), 0); retry < 2*time.Second {
		t.Fatalf("after a shorter pause: retry in %v; want the longer pause kept", retry)
	}
}

// TestSendRatePaid: paid broadcasts have a pace of their own: they go
// while the free pace is taken (Telegram does not count them in its 30 a
// second), free messages do not wait behind them, and a 429 pauses both.
func TestSendRatePaid(t *testing.T) {
	s, _ := newStore(t, Options{})
	r := s.SendRate(1).WithPaid(1)
	take := func(class int) bool {
		t.Helper()
		ok, _, err := r.try(t.Context(), class)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(0) || take(2) {
		t.Fatal("the free pace: a reply goes, then an unpaid broadcast waits")
	}
	if !take(PaidClass) {
		t.Fatal("a paid broadcast waited behind the free messages")
	}
	if take(PaidClass) {
		t.Fatal("a second paid broadcast went at once at 1 a second: the paid pace is not kept")
	}
	if !take(0) {
		t.Fatal("a reply waited behind the paid broadcasts")
	}
	// Without WithPaid, a paid broadcast is one more broadcast.
	plain := New(s.c, Options{Prefix: "other"}).SendRate(1)
	if ok, _, _ := plain.try(t.Context(), 0); !ok {
		t.Fatal("first reply refused")
	}
	if ok, _, _ := plain.try(t.Context(), PaidClass); ok {
		t.Fatal("without a paid pace, a paid broadcast went ahead of the free pace")
	}

	paused := New(s.c, Options{Prefix: "paused"}).SendRate(1000).WithPaid(1000)
	if err := paused.Pause(t.Context(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if ok, retry, err := paused.try(t.Context(), PaidClass); err != nil || ok || retry < 2*time.Second {
		t.Fatalf("after a 429, a paid broadcast: ok %v, retry %v, %v; want to wait about 3 s", ok, retry, err)
	}
}

// rateAsks counts, on one client (one process), the send pace's asks to
// Redis (redis_rate's script, answered): how many, the most places one
// asked for, and the places Redis granted.
type rateAsks struct {
	mu       sync.Mutex
	asks     int
	mostAsk  int
	granted  int
	refusals int
	onRefuse func() // called on each refusal, if set
}

// countRateAsks counts c's asks for places from now on.
func countRateAsks(c redis.UniversalClient) *rateAsks {
	h := &rateAsks{}
	c.AddHook(h)
	return h
}

// DialHook is redis.Hook's: dials are not counted.
func (h *rateAsks) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessPipelineHook is redis.Hook's: the pace uses no pipelines.
func (h *rateAsks) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// ProcessHook counts the answered calls of redis_rate's script: EVAL or
// EVALSHA of a "rate:" key with burst, rate, period and places asked for
// (the pause script has one argument only).
func (h *rateAsks) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args()
		name := strings.ToLower(cmd.Name())
		if err != nil || (name != "eval" && name != "evalsha") || len(args) != 8 {
			return err
		}
		if key, _ := args[3].(string); !strings.HasPrefix(key, "rate:") {
			return err
		}
		asked, _ := args[7].(int)
		res, _ := cmd.(*redis.Cmd).Val().([]any)
		if len(res) == 0 {
			return err
		}
		allowed, _ := res[0].(int64)
		h.mu.Lock()
		h.asks++
		h.mostAsk = max(h.mostAsk, asked)
		h.granted += int(allowed)
		refused := allowed == 0
		if refused {
			h.refusals++
		}
		onRefuse := h.onRefuse
		h.mu.Unlock()
		if refused && onRefuse != nil {
			onRefuse()
		}
		return err
	}
}

// counts returns the asks so far, the most places one asked for, and the
// places granted.
func (h *rateAsks) counts() (asks, mostAsk, granted int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.asks, h.mostAsk, h.granted
}

// waitMany has goroutines each Wait perGoroutine times for class, and
// returns the first error.
func waitMany(ctx context.Context, r *SendRate, class, goroutines, perGoroutine int) error {
	errs := make(chan error, goroutines)
	for range goroutines {
		go func() {
			for range perGoroutine {
				if err := r.Wait(ctx, class); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range goroutines {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// TestSendRateLowPaceOnePlacePerAsk: at Telegram's pace (30 a second) a
// lease is one place: every message asks Redis for exactly its own place,
// as before leases, and no place is taken that no message uses.
func TestSendRateLowPaceOnePlacePerAsk(t *testing.T) {
	s, c := newStore(t, Options{})
	calls := countRateAsks(c)
	r := s.SendRate(30)
	for range 3 { // replies' burst: they go at once
		if err := r.Wait(t.Context(), 0); err != nil {
			t.Fatal(err)
		}
	}
	if asks, most, granted := calls.counts(); asks != 3 || most != 1 || granted != 3 {
		t.Fatalf("3 replies at 30/s: %d asks, up to %d places each, %d granted; want 3 asks of 1 place", asks, most, granted)
	}
	// Broadcasts from several goroutines, waiting for the pace: refusals
	// cost asks, but every grant is still of one place.
	if err := waitMany(t.Context(), r, 2, 4, 2); err != nil {
		t.Fatal(err)
	}
	if _, most, granted := calls.counts(); most != 1 || granted != 3+8 {
		t.Fatalf("11 messages at 30/s: asks of up to %d places, %d granted; want 1 place an ask, 11 granted", most, granted)
	}
}

// TestSendRateLeasesAtHighPace: at a high pace, many goroutines' messages
// cost few round trips (leases), no lease exceeds leaseSpan's worth of the
// pace, and no message goes on a place Redis did not grant.
func TestSendRateLeasesAtHighPace(t *testing.T) {
	s, c := newStore(t, Options{})
	calls := countRateAsks(c)
	r := s.SendRate(100_000)
	const goroutines, each = 20, 100
	const n = goroutines * each
	if err := waitMany(t.Context(), r, 2, goroutines, each); err != nil {
		t.Fatal(err)
	}
	asks, most, granted := calls.counts()
	t.Logf("%d messages: %d asks, up to %d places each, %d places granted", n, asks, most, granted)
	if asks >= n/10 {
		t.Errorf("%d messages cost %d round trips; want fewer than %d (leases)", n, asks, n/10)
	}
	if most > maxLease(100_000) {
		t.Errorf("an ask took up to %d places; want at most %d (leaseSpan's worth)", most, maxLease(100_000))
	}
	if granted < n {
		t.Errorf("Redis granted %d places, but %d messages went", granted, n)
	}
}

// TestSendRatePauseDropsLeases: after a 429, this process's next message
// does not go on a place it took before: it asks Redis, which makes it
// wait for the pause; paid broadcasts' lease too.
func TestSendRatePauseDropsLeases(t *testing.T) {
	s, c := newStore(t, Options{})
	calls := countRateAsks(c)
	r := s.SendRate(100_000).WithPaid(100_000)
	frozen := time.Now()
	r.now = func() time.Time { return frozen } // leases do not expire here
	for _, class := range []int{2, PaidClass} {
		// Sizes 1, 2 (1 left), then 4 (3 left): 4 messages, 3 asks.
		before, _, _ := calls.counts()
		for range 4 {
			if err := r.Wait(t.Context(), class); err != nil {
				t.Fatal(err)
			}
		}
		if asks, _, _ := calls.counts(); asks-before != 3 {
			t.Fatalf("class %d: 4 messages made %d asks; want 3 (the second lease's place costs none)", class, asks-before)
		}
	}
	if err := r.Pause(t.Context(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, class := range []int{2, PaidClass} {
		before, _, _ := calls.counts()
		ctx, cancel := context.WithCancel(t.Context())
		calls.mu.Lock()
		calls.onRefuse = cancel // refused: it waits; that is all we need to see
		calls.mu.Unlock()
		err := r.Wait(ctx, class)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("class %d after a pause: Wait = %v; want it refused and waiting", class, err)
		}
		if asks, _, _ := calls.counts(); asks-before != 1 {
			t.Fatalf("class %d after a pause: %d asks; want 1 (its 3 leased places dropped)", class, asks-before)
		}
	}
}

// TestSendRateLeasesLeaveRoomForOthers: two processes at a high pace: one
// holding a big lease does not keep the other from places, and both,
// sending at once, get theirs with a bounded number of asks.
func TestSendRateLeasesLeaveRoomForOthers(t *testing.T) {
	srv := redistest.StartServer(t)
	ca, cb := srv.Client(), srv.Client()
	callsA, callsB := countRateAsks(ca), countRateAsks(cb)
	a := New(ca, Options{}).SendRate(100_000)
	b := New(cb, Options{}).SendRate(100_000)
	frozen := time.Now()
	a.now = func() time.Time { return frozen } // a's leases do not expire here
	// 256 messages: leases of 1, 2, ... 256, the last with 255 places left.
	for range 256 {
		if err := a.Wait(t.Context(), 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, l := a.classOf(2); l.left != 255 {
		t.Fatalf("a holds %d places; want 255", l.left)
	}
	if ok, _, err := b.try(t.Context(), 2); err != nil || !ok {
		t.Fatalf("while a holds a lease, b's broadcast waits (%v)", err)
	}

	a.now = time.Now
	const goroutines, each = 10, 100
	const n = goroutines * each
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // starved: fail, not hang
	defer cancel()
	errs := make(chan error, 2)
	for _, r := range []*SendRate{a, b} {
		go func() { errs <- waitMany(ctx, r, 2, goroutines, each) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a process was starved: %v", err)
		}
	}
	for name, calls := range map[string]*rateAsks{"a": callsA, "b": callsB} {
		asks, _, granted := calls.counts()
		t.Logf("%s: %d asks, %d places granted", name, asks, granted)
		if asks >= n/5 {
			t.Errorf("%s: %d asks for its %d messages; want fewer than %d", name, asks, n, n/5)
		}
	}
}

// TestSendRateBroadcastsAtTelegramsPace: broadcasts have a burst of one
// place at Telegram's pace; each of their Waits is granted (redis_rate's
// AllowAtMost, in floating point, never granted a burst of 1: broadcasts
// stalled).
func TestSendRateBroadcastsAtTelegramsPace(t *testing.T) {
	s, _ := newStore(t, Options{})
	r := s.SendRate(28).WithPaid(20)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a guard against hanging, not a timing
	defer cancel()
	for _, class := range []int{2, PaidClass} {
		for i := range 5 {
			if err := r.Wait(ctx, class); err != nil {
				t.Fatalf("class %d, message %d: %v", class, i, err)
			}
		}
	}
}
