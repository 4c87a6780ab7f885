package storage

import (
	"testing"
	"time"
)

// TestSendRateIsShared: two processes' senders share one pace through
// Redis: with 2 a second, the third message of either waits.
func TestSendRateIsShared(t *testing.T) {
	s, c := newStore(t, Options{})
	other := New(c, Options{}) // another process on the same Redis
	a, b := s.SendRate(2), other.SendRate(2)
	start := time.Now()
	for _, r := range []*SendRate{a, b, a} {
		if err := r.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if waited := time.Since(start); waited < 400*time.Millisecond {
		t.Errorf("three messages at 2 a second went out within %v: the pace is not shared", waited)
	}
}
