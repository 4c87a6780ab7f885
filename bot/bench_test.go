package bot

import (
	"context"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
)

// BenchmarkHandle measures one ordinary update end to end in process:
// load, understand typed words, step, render both messages' texts and
// buttons, save (in memory: Redis comes with the Telegram transport).
//
//	go test -run=^$ -bench=Handle -benchmem ./bot/
func BenchmarkHandle(b *testing.B) {
	ctx := context.Background()
	c := newConversation(b, NewMemoryStore(), "it")
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(b))
	if _, _, err := c.Handle(ctx, 1, dialogs.Event{Kind: dialogs.Command, Name: "start"}, now); err != nil {
		b.Fatal(err)
	}
	start, err := c.Store.Load(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	ev := dialogs.Event{Kind: dialogs.Text, Text: "rinnovare"} // a button's words, typed
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Store.Save(ctx, 1, start); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Handle(ctx, 1, ev, now); err != nil {
			b.Fatal(err)
		}
	}
}
