package bot

import (
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
