package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestOutboxDeliveredByOneProcess: a chat's outbox is delivered by one
// process at a time; a process whose turn expired cannot remove what
// another is delivering.
func TestOutboxDeliveredByOneProcess(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t, Options{})
	const chat = 9
	turn, err := s.Begin(ctx, chat, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, chat, 1, turn, []byte(`{"v":1}`), [][]byte{[]byte("a"), []byte("b")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}

	token := NewSenderToken()
	items, ok, err := s.TakeOutbox(ctx, chat, token, time.Minute)
	if err != nil || !ok || len(items) != 2 || string(items[0]) != "a" {
		t.Fatalf("TakeOutbox = %q, %v, %v; want [a b], true", items, ok, err)
	}
	if _, ok, err := s.TakeOutbox(ctx, chat, NewSenderToken(), time.Minute); ok || err != nil {
		t.Fatalf("a second process took the outbox too (ok %v, %v)", ok, err)
	}
	if again, ok, err := s.TakeOutbox(ctx, chat, token, time.Minute); !ok || err != nil || len(again) != 2 {
		t.Fatalf("the holder could not take its outbox again (after a failure): %q, %v, %v", again, ok, err)
	}
	if _, err := s.SentOutbox(ctx, chat, "not-the-token", 1, time.Minute); !errors.Is(err, ErrOutboxLost) {
		t.Fatalf("SentOutbox with another token: %v, want ErrOutboxLost", err)
	}
	if left, err := s.SentOutbox(ctx, chat, token, 1, time.Minute); err != nil || left != 1 {
		t.Fatalf("SentOutbox(1) = %d, %v; want 1 left", left, err)
	}
	// A message committed meanwhile is seen at the end.
	turn, _ = s.Begin(ctx, chat, 2)
	if err := s.Commit(ctx, chat, 2, turn, []byte(`{"v":1}`), [][]byte{[]byte("c")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if left, err := s.SentOutbox(ctx, chat, token, 1, time.Minute); err != nil || left != 1 {
		t.Fatalf("SentOutbox(1) = %d, %v; want 1 left (c)", left, err)
	}
	if left, err := s.FinishOutbox(ctx, chat, token); err != nil || left != 1 {
		t.Fatalf("FinishOutbox = %d, %v; want 1 left", left, err)
	}
	other := NewSenderToken()
	items, ok, _ = s.TakeOutbox(ctx, chat, other, time.Minute)
	if !ok || len(items) != 1 || string(items[0]) != "c" {
		t.Fatalf("after finishing, another process's TakeOutbox = %q, %v; want [c]", items, ok)
	}
	if _, err := s.SentOutbox(ctx, chat, token, 1, time.Minute); !errors.Is(err, ErrOutboxLost) {
		t.Fatalf("the old token after another process took over: %v, want ErrOutboxLost", err)
	}
	if left, err := s.SentOutbox(ctx, chat, other, 1, time.Minute); err != nil || left != 0 {
		t.Fatalf("SentOutbox = %d, %v; want 0", left, err)
	}
	if pending, _ := s.PendingOutboxes(ctx); len(pending) != 0 {
		t.Errorf("an emptied outbox is still listed for the sweep: %v", pending)
	}
	if left, err := s.FinishOutbox(ctx, chat, other); err != nil || left != 0 {
		t.Fatalf("FinishOutbox = %d, %v; want 0", left, err)
	}
	if _, ok, _ := s.TakeOutbox(ctx, chat, token, time.Minute); !ok {
		t.Error("after FinishOutbox the outbox cannot be taken again")
	}
}

// TestOutboxRightTakenBack: a delivery whose right expired during a long
// send (a 429's wait), with nobody else delivering meanwhile, goes on: what
// Telegram accepted is removed, not sent again.
func TestOutboxRightTakenBack(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t, Options{})
	const chat = 11
	turn, err := s.Begin(ctx, chat, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, chat, 1, turn, []byte(`{"v":1}`), [][]byte{[]byte("a"), []byte("b")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	token := NewSenderToken()
	if _, ok, err := s.TakeOutbox(ctx, chat, token, time.Minute); !ok || err != nil {
		t.Fatalf("TakeOutbox: %v, %v", ok, err)
	}
	c.Del(ctx, "pecbot:{11}:sending") // the right expired while the message was being sent
	if left, err := s.SentOutbox(ctx, chat, token, 1, time.Minute); err != nil || left != 1 {
		t.Fatalf("SentOutbox after the right expired, untaken: %d, %v; want 1 left, no error", left, err)
	}
	// Taken back: another process cannot start on b while this one sends
	// it (it would go twice).
	if _, ok, err := s.TakeOutbox(ctx, chat, NewSenderToken(), time.Minute); ok || err != nil {
		t.Fatalf("another process took the outbox taken back (ok %v, %v)", ok, err)
	}
	if left, err := s.SentLast(ctx, chat, token, 1); err != nil || left != 0 {
		t.Fatalf("SentLast = %d, %v; want 0 left", left, err)
	}
}

// TestSentLastGivesTheOutboxBack: the last item's removal gives the right
// to deliver back in the same round trip (another process may take the
// outbox at once) and counts what came meanwhile; it cannot remove what
// another process now delivers.
func TestSentLastGivesTheOutboxBack(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t, Options{})
	const chat = 10
	mustCommit(t, s, chat, 1, `{"v":1}`, "a")
	token := NewSenderToken()
	if items, ok, err := s.TakeOutbox(ctx, chat, token, time.Minute); err != nil || !ok || len(items) != 1 {
		t.Fatalf("TakeOutbox = %q, %v, %v", items, ok, err)
	}
	mustCommit(t, s, chat, 2, `{"v":2}`, "b") // committed while "a" was being sent
	if _, err := s.SentLast(ctx, chat, "not-the-token", 1); !errors.Is(err, ErrOutboxLost) {
		t.Fatalf("SentLast with another token: %v; want ErrOutboxLost", err)
	}
	left, err := s.SentLast(ctx, chat, token, 1)
	if err != nil || left != 1 {
		t.Fatalf("SentLast = %d, %v; want 1 left (b)", left, err)
	}
	if n, _ := c.Exists(ctx, s.chatKeys(chat).sending).Result(); n != 0 {
		t.Error("the outbox is still held after SentLast")
	}
	other := NewSenderToken()
	if items, ok, err := s.TakeOutbox(ctx, chat, other, time.Minute); err != nil || !ok || len(items) != 1 || string(items[0]) != "b" {
		t.Fatalf("another process: TakeOutbox = %q, %v, %v; want [b]", items, ok, err)
	}
	if left, err := s.SentLast(ctx, chat, other, 1); err != nil || left != 0 {
		t.Fatalf("SentLast = %d, %v; want none left", left, err)
	}
	if pending, _ := s.PendingOutboxes(ctx); len(pending) != 0 {
		t.Errorf("an emptied outbox is still listed: %v", pending)
	}
}

// TestCommitHandsTheOutboxOver: a commit that queues messages for a
// delivering process takes the outbox for it in the same round trip (what
// TakeOutbox would have read); not when another process delivers the chat,
// and not for a commit that conflicted (the hold is let go: the turn is
// redone).
// Both ways of committing: one script, and a Cluster's pipeline.
func TestCommitHandsTheOutboxOver(t *testing.T) {
	t.Run("one script", func(t *testing.T) { commitHandsTheOutboxOver(t, true) })
	t.Run("cluster steps", func(t *testing.T) { commitHandsTheOutboxOver(t, false) })
}

func commitHandsTheOutboxOver(t *testing.T, crossSlot bool) {
	ctx := context.Background()
	s, _ := newStore(t, Options{})
	s.crossSlotScripts = crossSlot
	const chat = 11
	token := NewSenderToken()

	turn, err := s.Begin(ctx, chat, 1)
	if err != nil {
		t.Fatal(err)
	}
	turn.Handover = &Handover{Token: token, TTL: time.Minute}
	if err := s.Commit(ctx, chat, 1, turn, []byte(`{"v":1}`), [][]byte{[]byte("a"), []byte("b")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if h := turn.Handover; !h.Taken || len(h.Items) != 2 || string(h.Items[0]) != "a" || string(h.Items[1]) != "b" {
		t.Fatalf("handover = %v %q; want taken [a b]", h.Taken, h.Items)
	}
	if _, ok, err := s.TakeOutbox(ctx, chat, NewSenderToken(), time.Minute); ok || err != nil {
		t.Fatalf("another process took the outbox handed over (ok %v, %v)", ok, err)
	}
	if left, err := s.SentLast(ctx, chat, token, 2); err != nil || left != 0 {
		t.Fatalf("SentLast after the handover = %d, %v; want 0 left", left, err)
	}

	// Another process delivers the chat: the commit queues, takes nothing.
	other := NewSenderToken()
	turn, _ = s.Begin(ctx, chat, 2)
	if err := s.Commit(ctx, chat, 2, turn, []byte(`{"v":1}`), [][]byte{[]byte("c")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TakeOutbox(ctx, chat, other, time.Minute); !ok {
		t.Fatal("the other process could not take the outbox")
	}
	turn, _ = s.Begin(ctx, chat, 3)
	turn.Handover = &Handover{Token: token, TTL: time.Minute}
	if err := s.Commit(ctx, chat, 3, turn, []byte(`{"v":1}`), [][]byte{[]byte("d")}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if turn.Handover.Taken || turn.Handover.Items != nil {
		t.Fatalf("handover taken from the process delivering: %q", turn.Handover.Items)
	}
	if left, err := s.SentLast(ctx, chat, other, 1); err != nil || left != 1 {
		t.Fatalf("the delivering process's SentLast = %d, %v; want d left", left, err)
	}

	// A conflicting commit queues nothing and hands nothing over, and lets
	// go of the hold it took.
	stale, _ := s.Begin(ctx, chat, 4)
	_ = s.Release(ctx, chat, stale)
	turn, _ = s.Begin(ctx, chat, 5)
	if err := s.Commit(ctx, chat, 5, turn, []byte(`{"v":2}`), nil, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	stale.Handover = &Handover{Token: token, TTL: time.Minute}
	if err := s.Commit(ctx, chat, 4, stale, []byte(`{"v":1}`), [][]byte{[]byte("e")}, 0, time.Time{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale commit: %v, want ErrConflict", err)
	}
	if stale.Handover.Taken {
		t.Fatal("a conflicting commit handed the outbox over")
	}
	items, ok, err := s.TakeOutbox(ctx, chat, other, time.Minute)
	if err != nil || !ok || len(items) != 1 || string(items[0]) != "d" {
		t.Fatalf("after the conflict, TakeOutbox = %q, %v, %v; want [d], free", items, ok, err)
	}

	// A turn that queues nothing takes nothing.
	turn, _ = s.Begin(ctx, chat, 6)
	turn.Handover = &Handover{Token: token, TTL: time.Minute}
	if err := s.Commit(ctx, chat, 6, turn, []byte(`{"v":3}`), nil, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if turn.Handover.Taken {
		t.Fatal("a commit without messages took the outbox")
	}
}

// An empty outbox is read but not held: a process that looked at it and
// died leaves nothing behind, and the next process to have messages for
// the chat delivers them at once (not after the hold's minute and more).
func TestEmptyOutboxNotHeld(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	const chat = 12
	items, ok, err := s.TakeOutbox(ctx, chat, NewSenderToken(), time.Minute)
	if err != nil || !ok || len(items) != 0 {
		t.Fatalf("TakeOutbox of an empty outbox = %q, %v, %v; want nothing, ok", items, ok, err)
	}
	if n := c.Exists(ctx, "pecbot:{12}:sending").Val(); n != 0 {
		t.Fatal("an empty outbox is held")
	}
	mustCommit(t, s, chat, 1, "x", "ciao")
	items, ok, err = s.TakeOutbox(ctx, chat, NewSenderToken(), time.Minute)
	if err != nil || !ok || len(items) != 1 || string(items[0]) != "ciao" {
		t.Fatalf("another process's TakeOutbox = %q, %v, %v; want [ciao] at once", items, ok, err)
	}
}
