package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The last removals of many chats' deliveries share one round trip: 64
// deliveries call SentLast at once (the wait long enough that only a full
// batch goes). Each gets its own answer: the chats whose messages all
// went are left settled (nothing in the outbox, not held, not listed for
// the sweep), one where a message came meanwhile has it left, and one
// whose outbox another process took gets ErrOutboxLost with nothing
// removed.
func TestSentLastSharesRoundTrips(t *testing.T) {
	s, c := newStore(t, Options{SentWait: time.Minute})
	ctx := t.Context()
	token, other := NewSenderToken(), NewSenderToken()
	const first, came, lost = 1000, 1001, 1002
	for chat := int64(first); chat < first+maxSentBatch; chat++ {
		mustCommit(t, s, chat, 1, "x", "uno")
		if _, ok, err := s.TakeOutbox(ctx, chat, token, time.Minute); !ok || err != nil {
			t.Fatalf("take chat %d: %v, %v", chat, ok, err)
		}
	}
	mustCommit(t, s, came, 2, "x", "due") // came while delivering
	// The hold ran out and another process took the outbox.
	c.Del(ctx, fmt.Sprintf("pecbot:{%d}:sending", lost))
	if _, ok, _ := s.TakeOutbox(ctx, lost, other, time.Minute); !ok {
		t.Fatal("the other process could not take the outbox")
	}

	// As after the first removal since Redis started: it knows the script.
	if err := sentOutboxScript.Load(ctx, c).Err(); err != nil {
		t.Fatal(err)
	}
	trips := &tripCounter{}
	c.AddHook(trips)
	var wg sync.WaitGroup
	lefts, errs := make([]int64, maxSentBatch), make([]error, maxSentBatch)
	for i := range maxSentBatch {
		wg.Go(func() { lefts[i], errs[i] = s.SentLast(ctx, int64(first+i), token, 1) })
	}
	wg.Wait()
	// A new connection's hand-shake (HELLO, CLIENT SETINFO) is not ours.
	if n, _, dials, names := trips.take(); n-2*dials != 1 {
		t.Errorf("%d round trips, %d dials (%q) for %d removals, want 1 and the dials' hand-shakes", n, dials, names, maxSentBatch)
	}
	for i := range maxSentBatch {
		chat := int64(first + i)
		switch chat {
		case came:
			if lefts[i] != 1 || errs[i] != nil {
				t.Errorf("chat %d: %d left, %v; want the message that came meanwhile", chat, lefts[i], errs[i])
			}
		case lost:
			if !errors.Is(errs[i], ErrOutboxLost) {
				t.Errorf("chat %d: %v; want ErrOutboxLost", chat, errs[i])
			}
			if box, _ := s.Outbox(ctx, chat); len(box) != 1 {
				t.Errorf("chat %d: %q in the outbox; want its message kept for the other process", chat, box)
			}
		default:
			if lefts[i] != 0 || errs[i] != nil {
				t.Errorf("chat %d: %d left, %v; want none", chat, lefts[i], errs[i])
			}
			if n := c.Exists(ctx, fmt.Sprintf("pecbot:{%d}:outbox", chat), fmt.Sprintf("pecbot:{%d}:sending", chat)).Val(); n != 0 {
				t.Errorf("chat %d: its outbox is not settled (%d keys left)", chat, n)
			}
		}
	}
	pending, err := s.PendingOutboxes(ctx)
	if err != nil || len(pending) != 2 {
		t.Errorf("pending outboxes %v (%v); want the two chats with a message left", pending, err)
	}
}

// Redis lost its scripts (a restart): the calls of a shared round trip
// are refused, the script is loaded once, and they go again, removing
// what they sent.
func TestSentLastSharedAfterScriptFlush(t *testing.T) {
	s, c := newStore(t, Options{SentWait: time.Millisecond})
	ctx := t.Context()
	token := NewSenderToken()
	mustCommit(t, s, 7, 1, "x", "uno")
	if _, ok, err := s.TakeOutbox(ctx, 7, token, time.Minute); !ok || err != nil {
		t.Fatalf("take: %v, %v", ok, err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	trips := &tripCounter{}
	c.AddHook(trips)
	if left, err := s.SentLast(ctx, 7, token, 1); left != 0 || err != nil {
		t.Fatalf("SentLast after SCRIPT FLUSH = %d, %v; want 0 left", left, err)
	}
	if n, _, dials, names := trips.take(); n-2*dials != 3 {
		t.Errorf("%d round trips, %d dials (%q); want 3 (refused, loaded, again) and the dials' hand-shakes", n, dials, names)
	}
	if box, _ := s.Outbox(ctx, 7); len(box) != 0 {
		t.Errorf("outbox %q; want it empty", box)
	}
}
