package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// WakeCounts is how many members wait for a reminder.
type WakeCounts struct {
	Pending int64 // members with a reminder to come (or due, not sent yet)
	Due     int64 // of which due before the end of the period asked for
}

// Wakes counts the members with a pending wake-up, and those whose
// wake-up falls before until (e.g. the end of today), from the index each
// commit keeps (one round trip).
func (s *Store) Wakes(ctx context.Context, until time.Time) (WakeCounts, error) {
	var card, due *redis.IntCmd
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		card = p.ZCard(ctx, s.wakesKey())
		due = p.ZCount(ctx, s.wakesKey(), "-inf", "("+strconv.FormatInt(until.Unix(), 10))
		return nil
	}); err != nil {
		return WakeCounts{}, fmt.Errorf("count wake-ups: %w", err)
	}
	return WakeCounts{Pending: card.Val(), Due: due.Val()}, nil
}
