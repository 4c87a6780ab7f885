package bot

import (
	"context"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage"
)

// TestSenderBoundsDeliveries: after an outage the sweep may find thousands
// of chats to deliver; one process delivers a bounded number at once (the
// others wait), so that Redis and Telegram are not flooded.
func TestSenderBoundsDeliveries(t *testing.T) {
	r := newSenderRig(t, nil)
	const chats = maxDeliveries + 8
	for c := int64(1); c <= chats; c++ {
		r.queue(t, 1000+c, Outgoing{Text: "ciao"})
	}
	r.fake.Fail("sendMessage", chats, telegramtest.Hang())
	if err := r.sender.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.fake.WaitCalls(t, "sendMessage", maxDeliveries)
	held, err := r.rdb.Keys(t.Context(), "pecbot:{*}:sending").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != maxDeliveries {
		t.Errorf("%d chats being delivered at once, want %d", len(held), maxDeliveries)
	}
}

// A delivery whose last message went gives its slot back while its removal
// waits to share a round trip with others (storage.Options.SentWait): 64
// chats, twice the slots, each with a message, their removals waiting
// until 64 have come (a minute's wait, so only a full round trip goes).
// Every message is sent, and every outbox left settled; with the slots
// held while waiting, the 32 beyond them would wait the minute.
func TestSenderSlotFreeWhileRemovalWaits(t *testing.T) {
	r := newSenderRig(t, nil)
	r.store = storage.New(r.rdb, storage.Options{SentWait: time.Minute})
	r.sender.Store = r.store
	const chats = 2 * maxDeliveries
	for c := int64(1); c <= chats; c++ {
		r.queue(t, 2000+c, Outgoing{Text: "ciao"})
	}
	if err := r.sender.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	r.fake.WaitCalls(t, "sendMessage", chats)
	r.sender.Close() // waits for the deliveries: the removals went
	for c := int64(1); c <= chats; c++ {
		r.settled(t, 2000+c)
	}
}

// A bulk delivery that gave its slot back for its last removal, and has
// more to send (a reply came meanwhile), waits for a slot again: a reply
// kicked for its chat moves it to the replies' slots, as at its first
// wait, so the reply does not queue behind every bulk delivery; with no
// reply kicked it waits among the bulk ones until it is stopped.
func TestSenderSlotTakenAgainMovesToReplies(t *testing.T) {
	r := newSenderRig(t, nil)
	for range maxDeliveries {
		r.sender.bulkSlots <- struct{}{} // a broadcast holds every bulk slot
	}
	urgent := make(chan struct{}, 1)
	sl := &slot{ch: r.sender.bulkSlots, urgent: urgent, replies: r.sender.slots}
	urgent <- struct{}{} // a reply kicked for the chat
	if err := sl.acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sl.ch != r.sender.slots || !sl.held || len(r.sender.slots) != 1 {
		t.Fatalf("the delivery did not move to a reply's slot (held %v)", sl.held)
	}
	sl.release()
	if len(r.sender.slots) != 0 {
		t.Error("the reply's slot was not given back")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the sender stops
	bulk := &slot{ch: r.sender.bulkSlots, urgent: make(chan struct{}, 1), replies: r.sender.slots}
	if err := bulk.acquire(ctx); err == nil || bulk.held {
		t.Errorf("a delivery with every bulk slot taken and no reply got one (%v)", err)
	}
}
