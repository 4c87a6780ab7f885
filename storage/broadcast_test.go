package storage

import (
	"testing"
	"time"
)

// TestQueueBroadcastOnce: the fan-out queues each recipient's copy once,
// in batches; resumed from an old cursor (a crash between queueing and
// moving the cursor) it queues nothing twice; a stopped broadcast queues
// no more.
func TestQueueBroadcastOnce(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	var to []int64
	for chat := int64(1); chat <= 1200; chat++ {
		to = append(to, chat)
		mustCommit(t, s, chat, 1, "x")
	}
	b := Broadcast{ID: "b1", From: 77, Message: 5, Audience: "all", Created: time.Unix(1_800_000_000, 0)}
	if err := s.CreateBroadcast(ctx, b, to); err != nil {
		t.Fatal(err)
	}
	var got []int
	for more := true; more; {
		queued, m, err := s.QueueBroadcast(ctx, "b1", []byte("copy"), 500)
		if err != nil {
			t.Fatal(err)
		}
		got, more = append(got, len(queued)), m
	}
	if len(got) != 3 || got[0] != 500 || got[1] != 500 || got[2] != 200 {
		t.Fatalf("batches %v; want 500, 500, 200", got)
	}
	record, _ := s.broadcastKeys("b1")
	if err := c.HSet(ctx, record, "next", 0).Err(); err != nil { // as if the cursor was lost
		t.Fatal(err)
	}
	for more := true; more; {
		queued, m, err := s.QueueBroadcast(ctx, "b1", []byte("copy"), 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) != 0 {
			t.Fatalf("resumed fan-out queued %d again", len(queued))
		}
		more = m
	}
	for _, chat := range []int64{1, 600, 1200} {
		if out, _ := s.Outbox(ctx, chat); len(out) != 1 {
			t.Errorf("chat %d outbox %q; want one copy", chat, out)
		}
	}
	if pending, _ := s.PendingOutboxes(ctx); len(pending) != 1200 {
		t.Errorf("%d outboxes listed for delivery; want 1200", len(pending))
	}
	got2, ok, err := s.GetBroadcast(ctx, "b1")
	if err != nil || !ok || got2.Total != 1200 || got2.Next != 1200 || got2.From != 77 || got2.Message != 5 || got2.State != "sending" {
		t.Fatalf("record %+v, %v, %v", got2, ok, err)
	}
	if ids, _ := s.RecentBroadcasts(ctx, 10); len(ids) != 1 || ids[0] != "b1" {
		t.Errorf("recent broadcasts %v", ids)
	}

	// Stopped: nothing more is queued.
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "b2", From: 77, Message: 6, Created: time.Unix(1_800_000_100, 0)}, to); err != nil {
		t.Fatal(err)
	}
	if err := s.StopBroadcast(ctx, "b2", "staff"); err != nil {
		t.Fatal(err)
	}
	if queued, more, err := s.QueueBroadcast(ctx, "b2", []byte("copy"), 500); err != nil || len(queued) != 0 || more {
		t.Fatalf("stopped broadcast queued %d (more %v, %v)", len(queued), more, err)
	}
	if err := s.FinishBroadcast(ctx, "b2"); err != nil {
		t.Fatal(err)
	}
	if b2, _, _ := s.GetBroadcast(ctx, "b2"); b2.State != "stopped" {
		t.Errorf("finishing a stopped broadcast made it %q", b2.State)
	}
}

// TestForgetErasesBroadcastMarks: /forget erases what the chat received
// and a staff draft, with the member.
func TestForgetErasesBroadcastMarks(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	mustCommit(t, s, 5, 1, "x")
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "b", From: 1, Message: 1, Created: time.Unix(1_800_000_000, 0)}, []int64{5}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.QueueBroadcast(ctx, "b", []byte("copy"), 10); err != nil {
		t.Fatal(err)
	}
	k := s.chatKeys(5)
	if err := c.Set(ctx, k.staff, "draft", 0).Err(); err != nil {
		t.Fatal(err)
	}
	turn := mustBegin(t, s, 5, 2)
	if err := s.Forget(ctx, 5, 2, turn, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, k.member, k.received, k.staff).Result(); n != 0 {
		t.Errorf("%d of the chat's keys left after /forget", n)
	}
}

// TestQueueBroadcastResumesUnlisted: a fan-out that died after queueing a
// batch but before listing it for delivery (and moving its cursor) lists
// it when resumed, so that the copies are delivered.
func TestQueueBroadcastResumesUnlisted(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	for _, chat := range []int64{11, 12, 13} {
		mustCommit(t, s, chat, 1, "x")
	}
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "b", From: 1, Message: 1, Created: time.Unix(1_800_000_000, 0)}, []int64{11, 12, 13}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.QueueBroadcast(ctx, "b", []byte("copy"), 10); err != nil {
		t.Fatal(err)
	}
	record, _ := s.broadcastKeys("b")
	if err := c.SRem(ctx, s.outboxesKey(), 11, 12, 13).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.HSet(ctx, record, "next", 0).Err(); err != nil {
		t.Fatal(err)
	}
	queued, _, err := s.QueueBroadcast(ctx, "b", []byte("copy"), 10)
	if err != nil || len(queued) != 0 {
		t.Fatalf("resumed: queued %v (%v); want none again", queued, err)
	}
	if pending, _ := s.PendingOutboxes(ctx); len(pending) != 3 {
		t.Fatalf("listed for delivery: %v; want the three copies", pending)
	}
}

// TestForgetDropsAnnouncements: /forget drops the announcements not yet
// delivered to the member, keeping the goodbye; a broadcast created twice
// (a retried send) is one.
func TestForgetDropsAnnouncements(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	mustCommit(t, s, 21, 1, "x", `{"text":"risposta"}`)
	b := Broadcast{ID: "b", From: 1, Message: 1, Created: time.Unix(1_800_000_000, 0)}
	for range 2 {
		if err := s.CreateBroadcast(ctx, b, []int64{21}); err != nil {
			t.Fatal(err)
		}
	}
	if ids, _ := s.RecentBroadcasts(ctx, 5); len(ids) != 1 {
		t.Fatalf("broadcasts %v; want one", ids)
	}
	if _, _, err := s.QueueBroadcast(ctx, "b", []byte(`{"copy":{"from":1,"msg":1},"k":"broadcast","bc":"b"}`), 10); err != nil {
		t.Fatal(err)
	}
	turn := mustBegin(t, s, 21, 2)
	if err := s.Forget(ctx, 21, 2, turn, bytesOf(`{"text":"addio"}`)); err != nil {
		t.Fatal(err)
	}
	// The announcement leaves a tombstone in its place: a delivery under
	// way removes what it sent by position.
	out, _ := s.Outbox(ctx, 21)
	if len(out) != 3 || string(out[0]) != `{"text":"risposta"}` || string(out[1]) != `{"k":"dropped"}` || string(out[2]) != `{"text":"addio"}` {
		t.Fatalf("outbox after /forget: %q; want the reply, the announcement's tombstone and the goodbye", out)
	}
	// The copy dropped is accounted for: the broadcast can end.
	if counts, _ := s.BroadcastCounts(ctx, "b"); counts["skipped"] != 1 {
		t.Errorf("counts after /forget: %v; want the dropped copy skipped", counts)
	}
}

// TestQueueBroadcastSkipsTheGone: a member who asked to be forgotten, or
// blocked the bot, after the broadcast was made gets no copy, and the
// outcome is counted, so that the broadcast ends.
func TestQueueBroadcastSkipsTheGone(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	for _, chat := range []int64{31, 32, 33} {
		mustCommit(t, s, chat, 1, "x")
	}
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "g", From: 1, Message: 1}, []int64{31, 32, 33}); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget(ctx, 32, 2, mustBegin(t, s, 32, 2), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBlocked(ctx, 33, true); err != nil {
		t.Fatal(err)
	}
	queued, _, err := s.QueueBroadcast(ctx, "g", []byte(`{"bc":"g"}`), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 1 || queued[0] != 31 {
		t.Errorf("queued %v; want only the member still there", queued)
	}
	for _, chat := range []int64{32, 33} {
		if out, _ := s.Outbox(ctx, chat); len(out) != 0 {
			t.Errorf("chat %d outbox %q; want none", chat, out)
		}
	}
	if counts, _ := s.BroadcastCounts(ctx, "g"); counts["skipped"] != 1 || counts["blocked"] != 1 {
		t.Errorf("counts %v; want the forgotten one skipped, the blocking one blocked", counts)
	}
}

// TestBroadcastReportOnce: the report of a broadcast's end goes to each
// staff chat once, however often the end is run (a crash after it).
func TestBroadcastReportOnce(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	for i, want := range [][]int64{{7, 8}, nil} {
		queued, err := s.QueueReport(ctx, "b", []byte(`{"text":"fine"}`), []int64{7, 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(queued) != len(want) {
			t.Errorf("run %d: queued %v; want %v", i+1, queued, want)
		}
	}
	for _, chat := range []int64{7, 8} {
		if out, _ := s.Outbox(ctx, chat); len(out) != 1 {
			t.Errorf("chat %d outbox %q; want one report", chat, out)
		}
	}
	if pending, _ := s.PendingOutboxes(ctx); len(pending) != 2 {
		t.Errorf("listed for delivery: %v; want both chats", pending)
	}
}

// TestStopBroadcastOnlyWhileSending: a stop names its reason, and does not
// turn a finished broadcast into a stopped one.
func TestStopBroadcastOnlyWhileSending(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	for _, id := range []string{"a", "b"} {
		if err := s.CreateBroadcast(ctx, Broadcast{ID: id, From: 1, Message: 1, Audience: "all"}, []int64{1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishBroadcast(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if err := s.StopBroadcast(ctx, id, "deleted"); err != nil {
			t.Fatal(err)
		}
	}
	a, _, _ := s.GetBroadcast(ctx, "a")
	b, _, _ := s.GetBroadcast(ctx, "b")
	if a.State != "done" || !a.Ended {
		t.Errorf("finished broadcast after a stop: %q ended %v; want done", a.State, a.Ended)
	}
	if b.State != "stopped" || b.Reason != "deleted" || b.Ended {
		t.Errorf("sending broadcast after a stop: %q (%q) ended %v; want stopped (deleted), not ended", b.State, b.Reason, b.Ended)
	}
}

// TestNoOutcomeAfterTheEnd: once a broadcast ended (its outcomes, chat
// IDs, dropped), a late outcome (a copy delivered after a stall, a member
// forgotten after) is not recorded: no chat ID comes back, the counts stay.
func TestNoOutcomeAfterTheEnd(t *testing.T) {
	s, c := newStore(t, Options{})
	ctx := t.Context()
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "e", From: 1, Message: 1, Audience: "all"}, []int64{41, 42}); err != nil {
		t.Fatal(err)
	}
	if err := s.BroadcastOutcome(ctx, "e", 41, "sent"); err != nil {
		t.Fatal(err)
	}
	_, outcomes := s.broadcastKeys("e")
	if ttl, _ := c.PTTL(ctx, outcomes).Result(); ttl <= 0 {
		t.Errorf("outcomes TTL %v; want them to expire", ttl)
	}
	if err := s.FinishBroadcast(ctx, "e"); err != nil {
		t.Fatal(err)
	}
	if err := s.BroadcastOutcome(ctx, "e", 42, "sent"); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, outcomes).Result(); n != 0 {
		t.Error("a late outcome brought the chat IDs back")
	}
	if counts, _ := s.BroadcastCounts(ctx, "e"); counts["sent"] != 1 {
		t.Errorf("counts %v after the end; want 1 sent", counts)
	}
}

// TestForgetDuringDelivery: /forget while a delivery holds an announcement
// (taken, waiting for its turn): when the delivery removes what it sent,
// by position, the goodbye queued by /forget is still there to deliver.
func TestForgetDuringDelivery(t *testing.T) {
	s, _ := newStore(t, Options{})
	ctx := t.Context()
	mustCommit(t, s, 22, 1, "x")
	if err := s.CreateBroadcast(ctx, Broadcast{ID: "d", From: 1, Message: 1, Audience: "all"}, []int64{22}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.QueueBroadcast(ctx, "d", []byte(`{"copy":{"from":1,"msg":1},"k":"broadcast","bc":"d"}`), 10); err != nil {
		t.Fatal(err)
	}
	token := NewSenderToken()
	if items, ok, err := s.TakeOutbox(ctx, 22, token, time.Minute); err != nil || !ok || len(items) != 1 {
		t.Fatalf("TakeOutbox = %q, %v, %v", items, ok, err)
	}
	if err := s.Forget(ctx, 22, 2, mustBegin(t, s, 22, 2), bytesOf(`{"text":"addio"}`)); err != nil {
		t.Fatal(err)
	}
	left, err := s.SentLast(ctx, 22, token, 1) // the copy went (it was in flight)
	if err != nil || left != 1 {
		t.Fatalf("SentLast = %d, %v; want the goodbye left", left, err)
	}
	if out, _ := s.Outbox(ctx, 22); len(out) != 1 || string(out[0]) != `{"text":"addio"}` {
		t.Fatalf("outbox %q; want the goodbye", out)
	}
}
