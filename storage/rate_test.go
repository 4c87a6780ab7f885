package storage

import (
	"testing"
	"time"
)

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
