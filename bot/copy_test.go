package bot

import (
	"net/http"
	"testing"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage"
)

// An announcement goes to each member with copyMessage; what became of each
// is recorded once: sent, blocked (403: the member is marked inactive),
// failed (5xx still after a few tries), skipped (the broadcast was stopped
// before it went).
func TestSenderCopiesAnnouncements(t *testing.T) {
	r := newSenderRig(t, nil)
	r.sender.Broadcasts = r.store
	ctx := t.Context()
	announcement := Outgoing{Copy: &Copy{FromChat: 500, Message: 7}, Kind: KindBroadcast, Broadcast: "b1"}
	if err := r.store.CreateBroadcast(ctx, storage.Broadcast{ID: "b1", From: 500, Message: 7, Audience: "all"}, []int64{1, 2, 3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	deliver := func(chat int64) {
		t.Helper()
		r.queue(t, chat, announcement)
		if err := r.sender.Deliver(ctx, chat); err != nil {
			t.Fatal(err)
		}
		r.settled(t, chat)
	}

	deliver(1)
	r.fake.Fail("copyMessage", 1, telegramtest.Blocked())
	deliver(2)
	r.fake.Fail("copyMessage", broadcastTries, telegramtest.ServerError())
	deliver(3)
	r.fake.Fail("copyMessage", 1, telegramtest.ServerError())
	deliver(4) // retried, then sent
	if err := r.store.StopBroadcast(ctx, "b1", "staff"); err != nil {
		t.Fatal(err)
	}
	calls := len(r.fake.CallsOf("copyMessage"))
	deliver(5)
	if got := len(r.fake.CallsOf("copyMessage")); got != calls {
		t.Errorf("a stopped broadcast's message was sent")
	}
	// A message recorded again (sent twice after a crash) counts once.
	if err := r.store.BroadcastOutcome(ctx, "b1", 1, "sent"); err != nil {
		t.Fatal(err)
	}

	counts, err := r.store.BroadcastCounts(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"sent": 2, "blocked": 1, "failed": 1, "skipped": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s = %d; want %d (all: %v)", k, counts[k], v, counts)
		}
	}
	if blocked, _ := r.store.Blocked(ctx, 2); !blocked {
		t.Error("the member who blocked the bot is not marked inactive")
	}
	ok := 0
	for _, c := range r.fake.CallsOf("copyMessage") {
		if c.Status != http.StatusOK {
			continue
		}
		ok++
		if c.Params["from_chat_id"] != int64(500) || c.Params["message_id"] != int64(7) {
			t.Errorf("copyMessage params %v; want the staff's message 7 from chat 500", c.Params)
		}
		if _, paid := c.Params["allow_paid_broadcast"]; paid {
			t.Error("allow_paid_broadcast sent for a free broadcast")
		}
	}
	if ok != 2 {
		t.Errorf("%d messages copied; want 2", ok)
	}
}

// A member whose chat no longer exists (400 "chat not found": a deleted
// account) is marked inactive and counted with the blocked, not retried.
func TestSenderChatNotFoundIsInactive(t *testing.T) {
	r := newSenderRig(t, nil)
	r.sender.Broadcasts = r.store
	ctx := t.Context()
	r.queue(t, 31, Outgoing{Copy: &Copy{FromChat: 500, Message: 7}, Kind: KindBroadcast, Broadcast: "b2"})
	r.fake.Fail("copyMessage", 1, telegramtest.Fault{Status: http.StatusBadRequest, Description: "Bad Request: chat not found"})
	if err := r.sender.Deliver(ctx, 31); err != nil {
		t.Fatal(err)
	}
	r.settled(t, 31)
	if blocked, _ := r.store.Blocked(ctx, 31); !blocked {
		t.Error("a chat that is gone is not marked inactive")
	}
	if counts, _ := r.store.BroadcastCounts(ctx, "b2"); counts["blocked"] != 1 || len(r.fake.CallsOf("copyMessage")) != 1 {
		t.Errorf("counts %v after %d calls; want one blocked, no retry", counts, len(r.fake.CallsOf("copyMessage")))
	}
}

// An announcement deleted by the staff cannot be copied (400 "message to
// copy not found"): the broadcast stops, with the reason, instead of
// failing once per member; the copies left are skipped without a call.
func TestSenderStopsBroadcastOfDeletedMessage(t *testing.T) {
	r := newSenderRig(t, nil)
	r.sender.Broadcasts = r.store
	ctx := t.Context()
	if err := r.store.CreateBroadcast(ctx, storage.Broadcast{ID: "b3", From: 500, Message: 7, Audience: "all"}, []int64{41, 42, 43}); err != nil {
		t.Fatal(err)
	}
	r.fake.Fail("copyMessage", 1, telegramtest.Fault{Status: http.StatusBadRequest, Description: "Bad Request: message to copy not found"})
	for _, chat := range []int64{41, 42, 43} {
		r.queue(t, chat, Outgoing{Copy: &Copy{FromChat: 500, Message: 7}, Kind: KindBroadcast, Broadcast: "b3"})
		if err := r.sender.Deliver(ctx, chat); err != nil {
			t.Fatal(err)
		}
		r.settled(t, chat)
	}
	if n := len(r.fake.CallsOf("copyMessage")); n != 1 {
		t.Errorf("%d copyMessage calls; want 1 (the one that found the message deleted)", n)
	}
	b, _, err := r.store.GetBroadcast(ctx, "b3")
	if err != nil {
		t.Fatal(err)
	}
	if b.State != "stopped" || b.Reason != "deleted" {
		t.Errorf("broadcast state %q, reason %q; want stopped, deleted", b.State, b.Reason)
	}
	counts, _ := r.store.BroadcastCounts(ctx, "b3")
	if counts["failed"] != 1 || counts["skipped"] != 2 {
		t.Errorf("counts %v; want 1 failed, 2 skipped", counts)
	}
	if blocked, _ := r.store.Blocked(ctx, 41); blocked {
		t.Error("the member was marked inactive for the staff's deleted message")
	}
}

// An announcement /forget dropped stays as a tombstone in the outbox: it is
// removed without any call, and what follows it is sent.
func TestSenderSkipsDroppedAnnouncements(t *testing.T) {
	r := newSenderRig(t, nil)
	r.queue(t, 51, Outgoing{Kind: KindDropped})
	r.queue(t, 51, Outgoing{Text: "addio"})
	if err := r.sender.Deliver(t.Context(), 51); err != nil {
		t.Fatal(err)
	}
	r.settled(t, 51)
	if calls := r.fake.Calls(); len(calls) != 1 || calls[0].Method != "sendMessage" {
		t.Errorf("calls %+v; want only the goodbye", calls)
	}
}
