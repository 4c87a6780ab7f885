package bot

import (
	"testing"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
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
