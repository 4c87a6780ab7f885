package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
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

// TestSenderRepliesBeforeReminders: while a batch of reminders goes out at
// the shared pace, a member's reply is not queued behind them: it goes
// next, and the reminders all follow.
func TestSenderRepliesBeforeReminders(t *testing.T) {
	r := newSenderRig(t, nil)
	r.sender.Rate = r.store.SendRate(10) // the batch takes 3 s
	const batch, member = 30, 9999
	for chat := int64(1); chat <= batch; chat++ {
		r.queue(t, chat, Outgoing{Text: "promemoria", Kind: KindReminder})
		r.sender.KickAs(chat, KindReminder)
	}
	r.fake.WaitCalls(t, "sendMessage", 3)
	before := len(r.fake.CallsOf("sendMessage"))
	r.queue(t, member, Outgoing{Text: "risposta"})
	r.sender.Kick(member)
	calls := r.fake.WaitCalls(t, "sendMessage", batch+1)
	order := -1
	for i, c := range calls {
		if chat, _ := c.Params["chat_id"].(int64); chat == member {
			order = i
		}
	}
	// The reply may wait for the reminders already taking their turn
	// (one per delivery slot at most), never for the rest of the batch.
	if order < 0 || order > before+3 {
		t.Fatalf("the reply went out %d-th, after %d reminders were sent when it was queued; want right after them", order+1, before)
	}
	r.sender.Close() // the deliveries were kicked: let them finish
	for chat := int64(1); chat <= batch; chat++ {
		r.settled(t, chat)
	}
	r.settled(t, member)
}

// TestSenderReplyOvertakesQueuedReminders: a member whose reminder waits
// behind a batch (every bulk delivery slot busy) writes to the bot: their
// chat moves to the replies' slots and both their messages go next,
// without waiting for the batch.
func TestSenderReplyOvertakesQueuedReminders(t *testing.T) {
	r := newSenderRig(t, nil)
	r.sender.Rate = r.store.SendRate(20) // the batch takes 3 s
	const batch, member = maxDeliveries + 28, 9999
	for chat := int64(1); chat <= batch; chat++ {
		r.queue(t, chat, Outgoing{Text: "promemoria", Kind: KindReminder})
		r.sender.KickAs(chat, KindReminder)
	}
	r.queue(t, member, Outgoing{Text: "il tuo promemoria", Kind: KindReminder})
	r.sender.KickAs(member, KindReminder) // waits for a bulk slot
	r.fake.WaitCalls(t, "sendMessage", 3)
	before := len(r.fake.CallsOf("sendMessage"))
	r.queue(t, member, Outgoing{Text: "risposta"})
	r.sender.Kick(member)
	calls := r.fake.WaitCalls(t, "sendMessage", batch+2)
	var got []int
	for i, c := range calls {
		if chat, _ := c.Params["chat_id"].(int64); chat == member {
			got = append(got, i)
		}
	}
	if len(got) != 2 || got[1] > before+4 {
		t.Fatalf("the member's messages went out at %v (of %d), %d reminders sent when they wrote; want both right after those", got, len(calls), before)
	}
	if plain := plains(r.fake.Sent(member)); len(plain) != 2 || plain[0] != "il tuo promemoria" || plain[1] != "risposta" {
		t.Fatalf("the member got %q; want their reminder then the reply, in order", plain)
	}
	r.sender.Close() // the deliveries were kicked: let them finish
	for chat := int64(1); chat <= batch; chat++ {
		r.settled(t, chat)
	}
}

// TestSenderHoldsRemindersAtNight: a reminder whose delivery was held up
// into the night (a crash, Telegram down) waits in the outbox for the
// morning; if the member writes meanwhile, it goes with the reply.
func TestSenderHoldsRemindersAtNight(t *testing.T) {
	r := newSenderRig(t, nil)
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.New()
	clock := FixedClock(time.Date(2027, 10, 8, 23, 30, 0, 0, rome)) // a Friday night
	r.sender.Clock = clock
	r.sender.Civil = func(t time.Time) time.Time { return cal.NextCivilTime(t, rome, 10) }
	const sleeper, writer = 71, 72
	for _, chat := range []int64{sleeper, writer} {
		r.queue(t, chat, Outgoing{Text: "promemoria", Kind: KindReminder})
		if err := r.sender.Deliver(t.Context(), chat); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.fake.CallsOf("sendMessage")); n != 0 {
		t.Fatalf("%d reminders sent at 23:30; want none", n)
	}
	if pending, _ := r.store.PendingOutboxes(t.Context()); len(pending) != 2 {
		t.Fatalf("outboxes listed for the sweep: %v; want both kept", pending)
	}

	// The member writes at night: their reminder goes with the reply.
	r.queue(t, writer, Outgoing{Text: "risposta"})
	r.sender.Kick(writer)
	r.fake.WaitCalls(t, "sendMessage", 2)
	if got := plains(r.fake.Sent(writer)); strings.Join(got, ",") != "promemoria,risposta" {
		t.Fatalf("the member who wrote got %q; want the reminder, then the reply", got)
	}

	// Saturday 10:00 is no working day; Monday 10:00 is.
	clock.Set(time.Date(2027, 10, 9, 10, 0, 0, 0, rome))
	if err := r.sender.Deliver(t.Context(), sleeper); err != nil {
		t.Fatal(err)
	}
	if got := r.fake.Sent(sleeper); len(got) != 0 {
		t.Fatal("a reminder went on a Saturday")
	}
	clock.Set(time.Date(2027, 10, 11, 10, 0, 0, 0, rome))
	if err := r.sender.Deliver(t.Context(), sleeper); err != nil {
		t.Fatal(err)
	}
	if got := plains(r.fake.Sent(sleeper)); len(got) != 1 {
		t.Fatalf("on Monday 10:00 the member got %q; want the reminder", got)
	}
	r.settled(t, sleeper)
	r.sender.Close() // the writer's delivery was kicked: let it finish
	r.settled(t, writer)
}
