package bot

import (
	"testing"
	"time"
)

// TestSenderPacesAChat: a reply of a few messages goes at once, but a chat
// never gets more than about one message a second beyond that burst, so
// that Telegram has no reason to answer 429. (A lower bound on the spacing,
// which no slowness can break.)
func TestSenderPacesAChat(t *testing.T) {
	r := newSenderRig(t, nil)
	const chat = 61
	var items []Outgoing
	for _, text := range []string{"uno", "due", "tre", "quattro", "cinque"} {
		items = append(items, Outgoing{Text: text})
	}
	r.queue(t, chat, items...)
	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatal(err)
	}
	calls := r.fake.CallsOf("sendMessage")
	if len(calls) != 5 {
		t.Fatalf("%d messages sent, want 5", len(calls))
	}
	// Burst of 3; the 4th at least 1 s after the 1st, the 5th 2 s after.
	if gap := calls[3].At.Sub(calls[0].At); gap < 900*time.Millisecond {
		t.Errorf("4th message %v after the 1st, want about 1 s: the chat is not paced", gap)
	}
	if gap := calls[4].At.Sub(calls[0].At); gap < 1900*time.Millisecond {
		t.Errorf("5th message %v after the 1st, want about 2 s", gap)
	}
	r.settled(t, chat)
}
