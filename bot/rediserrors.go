package bot

import (
	"context"
	"errors"
	"time"

	"github.com/omceo-latina/pecbot/storage"
)

// Counting the errors of Redis calls (pecbot_redis_errors_total, by op):
// wrappers around what the turns and the sender need of storage, so that
// no call site has to remember. Answers that are part of the protocol (a
// busy chat, a concurrent writer, an update seen before, a delivery taken
// over) are not errors of Redis, nor is a call cut short by its context
// (shutdown).

// redisFailed counts err under op when it is an error of Redis, and
// returns it.
func redisFailed(ctx context.Context, op string, err error) error {
	if err == nil || ctx.Err() != nil || errors.Is(err, storage.ErrBusy) || errors.Is(err, storage.ErrConflict) ||
		errors.Is(err, storage.ErrSeen) || errors.Is(err, storage.ErrOutboxLost) {
		return err
	}
	redisErrors.WithLabelValues(op).Inc()
	return err
}

// CountTurnErrors returns turns counting its Redis errors (ops begin,
// commit, release).
func CountTurnErrors(turns Turns) Turns { return countedTurns{turns} }

type countedTurns struct{ Turns }

func (c countedTurns) Begin(ctx context.Context, chat, updateID int64) (storage.Turn, error) {
	t, err := c.Turns.Begin(ctx, chat, updateID)
	return t, redisFailed(ctx, opBegin, err)
}

func (c countedTurns) Commit(ctx context.Context, chat, updateID int64, t storage.Turn, state []byte, outbox [][]byte, ttl time.Duration, wakeAt time.Time) error {
	return redisFailed(ctx, opCommit, c.Turns.Commit(ctx, chat, updateID, t, state, outbox, ttl, wakeAt))
}

func (c countedTurns) Forget(ctx context.Context, chat, updateID int64, t storage.Turn, outbox [][]byte) error {
	return redisFailed(ctx, opCommit, c.Turns.Forget(ctx, chat, updateID, t, outbox))
}

func (c countedTurns) Reply(ctx context.Context, chat, updateID int64, t storage.Turn, outbox [][]byte) error {
	return redisFailed(ctx, opCommit, c.Turns.Reply(ctx, chat, updateID, t, outbox))
}

func (c countedTurns) Release(ctx context.Context, chat int64, t storage.Turn) error {
	return redisFailed(ctx, opRelease, c.Turns.Release(ctx, chat, t))
}

// CountOutboxErrors returns outboxes counting its Redis errors (op outbox).
func CountOutboxErrors(outboxes Outboxes) Outboxes { return countedOutboxes{outboxes} }

type countedOutboxes struct{ Outboxes }

func (c countedOutboxes) TakeOutbox(ctx context.Context, chat int64, token string, ttl time.Duration) ([][]byte, bool, error) {
	items, ok, err := c.Outboxes.TakeOutbox(ctx, chat, token, ttl)
	return items, ok, redisFailed(ctx, opOutbox, err)
}

func (c countedOutboxes) SentOutbox(ctx context.Context, chat int64, token string, n int, ttl time.Duration) (int64, error) {
	left, err := c.Outboxes.SentOutbox(ctx, chat, token, n, ttl)
	return left, redisFailed(ctx, opOutbox, err)
}

func (c countedOutboxes) SentLast(ctx context.Context, chat int64, token string, n int) (int64, error) {
	left, err := c.Outboxes.SentLast(ctx, chat, token, n)
	return left, redisFailed(ctx, opOutbox, err)
}

func (c countedOutboxes) FinishOutbox(ctx context.Context, chat int64, token string) (int64, error) {
	left, err := c.Outboxes.FinishOutbox(ctx, chat, token)
	return left, redisFailed(ctx, opOutbox, err)
}

func (c countedOutboxes) PendingOutboxes(ctx context.Context) ([]int64, error) {
	chats, err := c.Outboxes.PendingOutboxes(ctx)
	return chats, redisFailed(ctx, opOutbox, err)
}

func (c countedOutboxes) SetBlocked(ctx context.Context, chat int64, blocked bool) error {
	return redisFailed(ctx, opOutbox, c.Outboxes.SetBlocked(ctx, chat, blocked))
}

// CountBroadcastErrors returns b counting its Redis errors (op broadcast).
func CountBroadcastErrors(b BroadcastOutcomes) BroadcastOutcomes { return countedBroadcasts{b} }

type countedBroadcasts struct{ BroadcastOutcomes }

func (c countedBroadcasts) BroadcastOutcome(ctx context.Context, id string, chat int64, outcome string) error {
	return redisFailed(ctx, opBroadcast, c.BroadcastOutcomes.BroadcastOutcome(ctx, id, chat, outcome))
}

func (c countedBroadcasts) BroadcastStopped(ctx context.Context, id string) (bool, error) {
	stopped, err := c.BroadcastOutcomes.BroadcastStopped(ctx, id)
	return stopped, redisFailed(ctx, opBroadcast, err)
}

func (c countedBroadcasts) StopBroadcast(ctx context.Context, id, reason string) error {
	return redisFailed(ctx, opBroadcast, c.BroadcastOutcomes.StopBroadcast(ctx, id, reason))
}

// Rate is the shared pace as the sender uses it (Sender.Rate).
type Rate interface {
	Wait(ctx context.Context, class int) error
}

// CountRateErrors returns r counting its Redis errors (op rate). It pauses
// r on a 429 when r can be paused.
func CountRateErrors(r Rate) Rate { return countedRate{r} }

type countedRate struct{ r Rate }

func (c countedRate) Wait(ctx context.Context, class int) error {
	return redisFailed(ctx, opRate, c.r.Wait(ctx, class))
}

func (c countedRate) Pause(ctx context.Context, d time.Duration) error {
	p, ok := c.r.(interface {
		Pause(context.Context, time.Duration) error
	})
	if !ok {
		return nil
	}
	return redisFailed(ctx, opRate, p.Pause(ctx, d))
}
