package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
)

// WakeStates is what restoring wake-ups needs of storage: every member's
// state, and the wake-up index.
type WakeStates interface {
	ScanStates(ctx context.Context, fn func(chat int64, state []byte) error) error
	IndexWake(ctx context.Context, chat int64, at time.Time) error
}

// RestoreWakes schedules the wake-up every stored state waits for, and
// indexes it: for states written when no job engine ran (an upgrade from a
// version without one) or whose tasks were lost (the engine's keys
// deleted). Wake-ups already scheduled are left as they are; one that
// went meanwhile (the state changed under it) finds nothing to do. It
// returns how many states wait for a wake-up.
func RestoreWakes(ctx context.Context, states WakeStates, wakes Scheduler) (int, error) {
	n := 0
	err := states.ScanStates(ctx, func(chat int64, raw []byte) error {
		s, reset := dialogs.Decode(raw)
		w := pendingWake(s)
		if reset || w.IsZero() {
			return nil
		}
		if err := wakes.Schedule(ctx, chat, w); err != nil {
			return fmt.Errorf("restore wake-ups: %w", err)
		}
		n++
		return states.IndexWake(ctx, chat, w.At)
	})
	return n, err
}
