package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// woken records the wake-ups handled.
type woken struct {
	mu   sync.Mutex
	got  []dialogs.Wake
	chat []int64
	cond chan struct{}
}

func newWoken() *woken { return &woken{cond: make(chan struct{}, 1000)} }

func (w *woken) handle(_ context.Context, chat int64, wk dialogs.Wake) error {
	w.mu.Lock()
	w.got = append(w.got, wk)
	w.chat = append(w.chat, chat)
	w.mu.Unlock()
	w.cond <- struct{}{}
	return nil
}

func (w *woken) wait(t *testing.T, n int) {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-w.cond:
		case <-timeout.C:
			t.Fatalf("waited for %d wake-ups, got %d", n, i)
		}
	}
}

func (w *woken) all() []dialogs.Wake {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]dialogs.Wake(nil), w.got...)
}

func startEngine(t *testing.T, rdb redis.UniversalClient, clock Clock, handle WakeHandler) *Engine {
	t.Helper()
	e := New(rdb, Options{Clock: clock, FollowClock: true, CheckEvery: 20 * time.Millisecond}, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, Handlers{Wake: handle}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return e
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return l
}()

// A wake-up days ahead runs when the clock reaches it, not before, once,
// however often it was scheduled.
func TestWakeUpRunsOnceWhenDue(t *testing.T) {
	rdb := redistest.Start(t)
	clock := &testClock{t: time.Date(2027, 9, 30, 15, 0, 0, 0, rome)}
	w := newWoken()
	e := startEngine(t, rdb, clock, w.handle)
	ctx := context.Background()
	due := dialogs.Wake{At: time.Date(2027, 10, 8, 10, 0, 0, 0, rome), Reason: dialogs.WakeActCheck}
	for range 3 { // a turn retried schedules again: still one task
		if err := e.Schedule(ctx, 42, due); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := e.Pending(ctx); err != nil || n != 1 {
		t.Fatalf("pending = %d, %v; want 1", n, err)
	}
	clock.Set(due.At.Add(-time.Minute))
	if n, err := e.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("a minute early: %d tasks made due (%v); want none", n, err)
	}
	clock.Set(due.At)
	w.wait(t, 1)
	got := w.all()
	if len(got) != 1 || !got[0].At.Equal(due.At) || got[0].Reason != due.Reason || w.chat[0] != 42 {
		t.Fatalf("woken %v (chats %v); want %v for 42", got, w.chat, due)
	}
	waitPending(t, e, 0)
	if err := e.Schedule(ctx, 42, due); err != nil { // done: its ID is free again
		t.Fatal(err)
	}
}

func waitPending(t *testing.T, e *Engine, want int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d wake-ups pending", want), func() bool {
		n, err := e.Pending(context.Background())
		return err == nil && n == want
	})
}

// A cancelled wake-up never runs; cancelling one that is gone is no error.
func TestCancelledWakeUpDoesNotRun(t *testing.T) {
	rdb := redistest.Start(t)
	clock := &testClock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, rome)}
	w := newWoken()
	e := startEngine(t, rdb, clock, w.handle)
	ctx := context.Background()
	gone := dialogs.Wake{At: clock.Now().Add(48 * time.Hour), Reason: dialogs.WakeFaxAsk}
	kept := dialogs.Wake{At: clock.Now().Add(72 * time.Hour), Reason: dialogs.WakeChecklist}
	for _, wk := range []dialogs.Wake{gone, kept} {
		if err := e.Schedule(ctx, 7, wk); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Cancel(ctx, 7, gone); err != nil {
		t.Fatal(err)
	}
	if err := e.Cancel(ctx, 7, gone); err != nil {
		t.Fatalf("cancelling twice: %v", err)
	}
	clock.Set(kept.At.Add(time.Hour))
	w.wait(t, 1)
	waitPending(t, e, 0)
	if got := w.all(); len(got) != 1 || got[0].Reason != kept.Reason {
		t.Fatalf("woken %v; want only %v", got, kept)
	}
}

// A wake-up run before its time (another machine's clock is ahead) goes
// back to wait, without using up its retries, and runs at its time.
func TestEarlyWakeUpWaits(t *testing.T) {
	clock := &testClock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, rome)}
	e := New(nil, Options{Clock: clock}, zerolog.Nop())
	wk := dialogs.Wake{At: clock.Now().Add(90 * time.Second), Reason: dialogs.WakeFaxAsk}
	task := asynq.NewTask(taskWake, []byte(`{"c":5,"r":"fax_ask","t":`+strconv.FormatInt(wk.At.Unix(), 10)+`}`))
	called := false
	err := e.wake(context.Background(), task, func(context.Context, int64, dialogs.Wake) error { called = true; return nil })
	var early errEarly
	if !errors.As(err, &early) || called {
		t.Fatalf("early run: err %v, handler called %v; want errEarly, not called", err, called)
	}
	if d := retryDelay(3, err, task); d != 90*time.Second {
		t.Fatalf("early wake-up retried in %s; want 90s", d)
	}
	if isFailure(err) {
		t.Fatal("an early wake-up counted as a failure")
	}
	clock.Set(wk.At)
	if err := e.wake(context.Background(), task, func(_ context.Context, chat int64, got dialogs.Wake) error {
		called = chat == 5 && got.Reason == wk.Reason && got.At.Equal(wk.At)
		return nil
	}); err != nil || !called {
		t.Fatalf("due run: err %v, handler called right %v", err, called)
	}
}

// An unreadable task is dropped, not retried for ever.
func TestUnreadableWakeUpDropped(t *testing.T) {
	e := New(nil, Options{}, zerolog.Nop())
	for _, payload := range []string{``, `{`, `{"c":0,"r":"fax_ask","t":1}`, `{"c":5,"t":1}`, `[1,2]`} {
		err := e.wake(context.Background(), asynq.NewTask(taskWake, []byte(payload)), func(context.Context, int64, dialogs.Wake) error {
			t.Fatalf("handler called for %q", payload)
			return nil
		})
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %q: err %v; want SkipRetry", payload, err)
		}
	}
}

// Failures are retried sooner first, then every 10 minutes at most.
func TestRetryDelays(t *testing.T) {
	fail := errors.New("redis down")
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	for n, d := range want {
		if got := retryDelay(n, fail, nil); got != d {
			t.Errorf("retry %d: %s; want %s", n, got, d)
		}
	}
	if got := retryDelay(50, fail, nil); got != 10*time.Minute {
		t.Errorf("retry 50: %s; want 10m", got)
	}
}

// The engine works on the in-memory Redis the bot uses without REDIS_URL.
func TestEngineOnEmbeddedRedis(t *testing.T) {
	rdb, stop, err := storage.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close(); stop() })
	clock := &testClock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, rome)}
	w := newWoken()
	e := startEngine(t, rdb, clock, w.handle)
	wk := dialogs.Wake{At: clock.Now().Add(time.Hour), Reason: dialogs.WakeFaxAsk}
	if err := e.Schedule(context.Background(), 9, wk); err != nil {
		t.Fatal(err)
	}
	clock.Set(wk.At)
	w.wait(t, 1)
}

// A clock offset from real time (a trial run "as if" another day) is
// followed without FollowClock: the task is due at the matching real time.
func TestOffsetClockSchedulesAtMatchingRealTime(t *testing.T) {
	offset := 400 * 24 * time.Hour
	e := New(nil, Options{Clock: offsetClock(offset)}, zerolog.Nop())
	at := time.Now().Add(offset).Add(time.Hour)
	real := e.realTime(at)
	if d := real.Sub(at.Add(-offset)); d < 0 || d > 2*time.Second || real.Nanosecond() != 0 {
		t.Fatalf("real time %s for %s; want about an hour from now, on a whole second", real, at)
	}
	if got := New(nil, Options{}, zerolog.Nop()).realTime(at); !got.Equal(at) {
		t.Fatalf("real clock moved the time: %s; want %s", got, at)
	}
}

type offsetClock time.Duration

func (o offsetClock) Now() time.Time { return time.Now().Add(time.Duration(o)) }

// Log lines from the engine and asynq carry no chat ID.
func TestRedactChatIDs(t *testing.T) {
	for in, want := range map[string]string{
		`could not retry task w:123456789:act_check:1833436800`: `could not retry task w:…:act_check:1833436800`,
		`begin update 0 of chat -100123: chat is busy`:          `begin update 0 of chat …: chat is busy`,
		`payload {"c":42,"r":"fax_ask","t":1}`:                  `payload {"c":…,"r":"fax_ask","t":1}`,
		`nothing personal: queue pecbot, 3 tasks, retry in 2s`:  `nothing personal: queue pecbot, 3 tasks, retry in 2s`,
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q; want %q", in, got, want)
		}
	}
}

// A wake-up given up (archived after its retries) is scheduled again when
// asked: the state still waiting for it must not be stuck behind its ID.
func TestGivenUpWakeUpScheduledAgain(t *testing.T) {
	rdb := redistest.Start(t)
	clock := &testClock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, rome)}
	e := New(rdb, Options{Clock: clock}, zerolog.Nop())
	ctx := context.Background()
	wk := dialogs.Wake{At: clock.Now().Add(time.Hour), Reason: dialogs.WakeFaxAsk}
	if err := e.Schedule(ctx, 11, wk); err != nil {
		t.Fatal(err)
	}
	if err := e.insp.ArchiveTask(e.o.Queue, taskID(11, wk)); err != nil {
		t.Fatal(err)
	}
	if err := e.Schedule(ctx, 11, wk); err != nil {
		t.Fatal(err)
	}
	info, err := e.insp.GetTaskInfo(e.o.Queue, taskID(11, wk))
	if err != nil || info.State != asynq.TaskStateScheduled {
		t.Fatalf("after scheduling a given-up wake-up again: %v, %v; want it scheduled", info, err)
	}
}

// A task forced to run before its time (another process's clock, an
// operator) goes back to wait: the member hears nothing early.
func TestForcedEarlyWakeUpWaits(t *testing.T) {
	rdb := redistest.Start(t)
	clock := &testClock{t: time.Date(2027, 3, 1, 12, 0, 0, 0, rome)}
	w := newWoken()
	e := startEngine(t, rdb, clock, w.handle)
	ctx := context.Background()
	wk := dialogs.Wake{At: clock.Now().Add(time.Hour), Reason: dialogs.WakeFaxAsk}
	if err := e.Schedule(ctx, 12, wk); err != nil {
		t.Fatal(err)
	}
	if err := e.insp.RunTask(e.o.Queue, taskID(12, wk)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the early run put back to wait", func() bool {
		info, err := e.insp.GetTaskInfo(e.o.Queue, taskID(12, wk))
		return err == nil && info.State == asynq.TaskStateRetry
	})
	if got := w.all(); len(got) != 0 {
		t.Fatalf("handled %v before its time", got)
	}
	clock.Set(wk.At)
	w.wait(t, 1)
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(wait) // polling Redis, not waiting for something to happen
	}
}

// Counting before any wake-up was ever scheduled is no error: none.
func TestCountsBeforeAnyWakeUp(t *testing.T) {
	e := New(redistest.Start(t), Options{}, zerolog.Nop())
	if n, err := e.Pending(context.Background()); err != nil || n != 0 {
		t.Errorf("Pending = %d, %v; want 0, nil", n, err)
	}
	if n, err := e.Ready(context.Background()); err != nil || n != 0 {
		t.Errorf("Ready = %d, %v; want 0, nil", n, err)
	}
}
