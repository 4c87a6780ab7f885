package storage

import (
	"errors"
	"sort"
	"testing"
	"time"
)

// TestWakeIndex: each commit keeps the member's pending wake-up in the
// index (a zero time removes it, so does /forget); staff counts read it.
func TestWakeIndex(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	day := time.Date(2027, 10, 8, 0, 0, 0, 0, time.UTC)
	commit := func(chat int64, wake time.Time) {
		t.Helper()
		turn := mustBegin(t, s, chat, 0)
		if err := s.Commit(ctx, chat, 0, turn, []byte("x"), nil, 0, wake); err != nil {
			t.Fatal(err)
		}
	}
	commit(1, day.Add(10*time.Hour))       // due today
	commit(2, day.Add(34*time.Hour))       // tomorrow
	commit(3, day.Add(-24*time.Hour))      // overdue (the bot was down): due too
	commit(4, time.Time{})                 // none
	commit(2, day.Add(58*time.Hour))       // moved: still one entry
	want := WakeCounts{Pending: 3, Due: 2} // 1 and 3 before the end of the day
	if got, err := s.Wakes(ctx, day.Add(24*time.Hour)); err != nil || got != want {
		t.Fatalf("Wakes = %+v, %v; want %+v", got, err, want)
	}
	commit(1, time.Time{}) // answered: no more wake-up
	turn := mustBegin(t, s, 3, 0)
	if err := s.Forget(ctx, 3, 0, turn, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Wakes(ctx, day.Add(24*time.Hour)); got != (WakeCounts{Pending: 1, Due: 0}) {
		t.Fatalf("after an answer and a /forget: %+v; want only chat 2 pending", got)
	}
	if err := s.IndexWake(ctx, 5, day); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexWake(ctx, 2, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Wakes(ctx, day.Add(24*time.Hour)); got != (WakeCounts{Pending: 1, Due: 1}) {
		t.Fatalf("after IndexWake: %+v; want chat 5 only", got)
	}
}

// TestScanStates: every indexed member's state once; members whose record
// is gone are skipped; a one-off job is marked done.
func TestScanStates(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	for chat := int64(1); chat <= 1200; chat++ { // more than one batch
		mustCommit(t, s, chat, 0, "s")
	}
	if err := c.Del(ctx, s.chatKeys(7).member).Err(); err != nil { // expired meanwhile
		t.Fatal(err)
	}
	var seen []int64
	if err := s.ScanStates(ctx, func(chat int64, state []byte) error {
		if string(state) != "s" {
			t.Errorf("chat %d: state %q", chat, state)
		}
		seen = append(seen, chat)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Slice(seen, func(i, j int) bool { return seen[i] < seen[j] })
	if len(seen) != 1199 || seen[6] != 8 {
		t.Fatalf("scanned %d states (7th: %d); want 1199 without chat 7", len(seen), seen[6])
	}
	if done, err := s.Done(ctx, "job"); err != nil || done {
		t.Fatalf("Done before = %v, %v", done, err)
	}
	if err := s.MarkDone(ctx, "job"); err != nil {
		t.Fatal(err)
	}
	if done, err := s.Done(ctx, "job"); err != nil || !done {
		t.Fatalf("Done after = %v, %v", done, err)
	}
}

// TestPruneDropsStaleWakeEntries: an index entry whose member is gone (an
// index write that raced a /forget) is dropped by the hourly prune.
func TestPruneDropsStaleWakeEntries(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	at := time.Date(2027, 10, 8, 8, 0, 0, 0, time.UTC)
	mustCommit(t, s, 1, 0, "x")
	if err := s.IndexWake(ctx, 1, at); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexWake(ctx, 2, at); err != nil { // nobody: forgotten meanwhile
		t.Fatal(err)
	}
	if _, err := s.PruneMembers(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Wakes(ctx, at.Add(time.Hour)); got != (WakeCounts{Pending: 1, Due: 1}) {
		t.Fatalf("after the prune: %+v; want only chat 1", got)
	}
}

// TestReplyKeepsTheMember: a reply that changes nothing of the member (a
// staff command) queues its messages and marks the update seen, without
// creating, changing or indexing a member record.
func TestReplyKeepsTheMember(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	turn := mustBegin(t, s, 9, 100)
	if err := s.Reply(ctx, 9, 100, turn, bytesOf("stats")); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, s.chatKeys(9).member).Result(); n != 0 {
		t.Error("a reply created a member record")
	}
	if n, _ := s.Members(ctx); n != 0 {
		t.Errorf("a reply indexed a member (%d)", n)
	}
	if out, _ := s.Outbox(ctx, 9); len(out) != 1 || string(out[0]) != "stats" {
		t.Errorf("outbox %q; want the reply", out)
	}
	if _, err := s.Begin(ctx, 9, 100); !errors.Is(err, ErrSeen) {
		t.Errorf("the update replied to is not seen: %v", err)
	}
	mustCommit(t, s, 9, 101, "member state")
	turn = mustBegin(t, s, 9, 102)
	if err := s.Reply(ctx, 9, 102, turn, bytesOf("stats again")); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.HGet(ctx, s.chatKeys(9).member, "state").Result(); st != "member state" {
		t.Errorf("a reply changed the member's state to %q", st)
	}
}
