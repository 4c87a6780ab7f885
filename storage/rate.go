package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// SendRate is the pace of every message the bot sends, shared by all its
// processes through Redis (GCRA, github.com/go-redis/redis_rate): Telegram
// allows a bot about 30 messages a second overall.
type SendRate struct {
	limiter *redis_rate.Limiter
	key     string
	limit   redis_rate.Limit
}

// SendRate returns the shared pace of perSecond messages a second (with a
// burst of as many).
func (s *Store) SendRate(perSecond int) *SendRate {
	return &SendRate{limiter: redis_rate.NewLimiter(s.c), key: s.o.Prefix + ":rate:send", limit: redis_rate.PerSecond(perSecond)}
}

// Wait blocks until one more message may go out (one round trip when it
// may at once), or ctx ends.
func (r *SendRate) Wait(ctx context.Context) error {
	for {
		res, err := r.limiter.Allow(ctx, r.key, r.limit)
		if err != nil {
			return fmt.Errorf("send rate: %w", err)
		}
		if res.Allowed > 0 {
			return nil
		}
		t := time.NewTimer(res.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
