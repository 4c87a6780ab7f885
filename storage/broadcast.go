package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// A broadcast's keys share its hash slot: `<prefix>:bc:{<id>}` (its record
// and counts) and `<prefix>:bc:{<id>}:out` (each recipient's outcome).
func (s *Store) broadcastKeys(id string) (record, outcomes string) {
	base := s.o.Prefix + ":bc:{" + id + "}"
	return base, base + ":out"
}

// outcomeScript records a recipient's outcome once and counts it.
//
//	KEYS: record, outcomes
//	ARGV: chat, outcome
var outcomeScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
	redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
end
return 0
`)

// BroadcastOutcome records what became of broadcast id's message to chat
// ("sent", "blocked", "failed", "skipped"), once: a message sent again
// after a crash is not counted twice.
func (s *Store) BroadcastOutcome(ctx context.Context, id string, chat int64, outcome string) error {
	record, outcomes := s.broadcastKeys(id)
	if err := outcomeScript.Run(ctx, s.c, []string{record, outcomes}, chat, outcome).Err(); err != nil {
		return fmt.Errorf("record broadcast %s outcome: %w", id, err)
	}
	return nil
}

// BroadcastCounts returns broadcast id's counts by outcome.
func (s *Store) BroadcastCounts(ctx context.Context, id string) (map[string]int64, error) {
	record, _ := s.broadcastKeys(id)
	vals, err := s.c.HMGet(ctx, record, "sent", "blocked", "failed", "skipped").Result()
	if err != nil {
		return nil, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	counts := map[string]int64{}
	for i, name := range []string{"sent", "blocked", "failed", "skipped"} {
		if v, ok := vals[i].(string); ok {
			var n int64
			if _, err := fmt.Sscan(v, &n); err == nil {
				counts[name] = n
			}
		}
	}
	return counts, nil
}

// StopBroadcast marks broadcast id stopped: what is left is not sent.
func (s *Store) StopBroadcast(ctx context.Context, id string) error {
	record, _ := s.broadcastKeys(id)
	if err := s.c.HSet(ctx, record, "state", "stopped").Err(); err != nil {
		return fmt.Errorf("stop broadcast %s: %w", id, err)
	}
	return nil
}

// BroadcastStopped reports whether broadcast id was stopped.
func (s *Store) BroadcastStopped(ctx context.Context, id string) (bool, error) {
	record, _ := s.broadcastKeys(id)
	state, err := s.c.HGet(ctx, record, "state").Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	return state == "stopped", nil
}
