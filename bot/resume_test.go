package bot

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// At start only the broadcasts still sending are started again: not one
// that ended, nor one stopped, nor one finished by a version that did not
// mark the end (it would report it to the staff again).
func TestResumeBroadcastsOnlySending(t *testing.T) {
	c := redistest.Start(t)
	store := storage.New(c, storage.Options{})
	ctx := t.Context()
	now := time.Date(2027, 12, 20, 11, 0, 0, 0, time.UTC)
	for i, id := range []string{"sending", "ended", "stopped", "old-done"} {
		b := storage.Broadcast{ID: id, From: 1, Message: i + 1, Audience: "all", Created: now.Add(time.Duration(i) * time.Minute)}
		if err := store.CreateBroadcast(ctx, b, []int64{5}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.FinishBroadcast(ctx, "ended"); err != nil {
		t.Fatal(err)
	}
	if err := store.StopBroadcast(ctx, "stopped", "staff"); err != nil {
		t.Fatal(err)
	}
	if err := c.HSet(ctx, "pecbot:bc:{old-done}", "state", "done").Err(); err != nil { // as the previous version left it
		t.Fatal(err)
	}
	var started []string
	tg := &Telegram{Staff: &Staff{Store: store, Start: func(_ context.Context, id string) error {
		started = append(started, id)
		return nil
	}}}
	n, err := tg.ResumeBroadcasts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || !slices.Equal(started, []string{"sending"}) {
		t.Errorf("started %v (%d); want only the one still sending", started, n)
	}
}
