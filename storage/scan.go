package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ScanStates calls fn with the state of every member in the index, a batch
// of 500 at a time (one round trip to list, one to read each batch). A
// member whose record expired is skipped. It is for rare, whole-base work
// (restoring wake-ups after an upgrade), not for a hot path.
func (s *Store) ScanStates(ctx context.Context, fn func(chat int64, state []byte) error) error {
	var cursor uint64
	for {
		batch, next, err := s.c.SScan(ctx, s.membersKey(), cursor, "", 500).Result()
		if err != nil {
			return fmt.Errorf("scan members: %w", err)
		}
		chats, err := parseChats(batch, "scan members")
		if err != nil {
			return err
		}
		states := make([]*redis.StringCmd, len(chats))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, chat := range chats {
				states[i] = p.HGet(ctx, s.chatKeys(chat).member, "state")
			}
			return nil
		}); err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("scan members: read states: %w", err)
		}
		for i, chat := range chats {
			b, err := states[i].Bytes()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				return fmt.Errorf("scan members: state of chat %d: %w", chat, err)
			}
			if err := fn(chat, b); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// IndexWake records chat's pending wake-up at at in the wake-up index (a
// zero at removes it), outside a turn: for restoring the index.
func (s *Store) IndexWake(ctx context.Context, chat int64, at time.Time) error {
	var err error
	if at.IsZero() {
		err = s.c.ZRem(ctx, s.wakesKey(), chat).Err()
	} else {
		err = s.c.ZAdd(ctx, s.wakesKey(), redis.Z{Score: float64(at.Unix()), Member: chat}).Err()
	}
	if err != nil {
		return fmt.Errorf("index wake-up of chat %d: %w", chat, err)
	}
	return nil
}

// Done reports whether the one-off job name (e.g. a migration) was done
// on this Redis.
func (s *Store) Done(ctx context.Context, name string) (bool, error) {
	n, err := s.c.Exists(ctx, s.o.Prefix+":done:"+name).Result()
	if err != nil {
		return false, fmt.Errorf("check %s: %w", name, err)
	}
	return n > 0, nil
}

// MarkDone records that the one-off job name was done on this Redis.
func (s *Store) MarkDone(ctx context.Context, name string) error {
	if err := s.c.Set(ctx, s.o.Prefix+":done:"+name, time.Now().UTC().Format(time.RFC3339), 0).Err(); err != nil {
		return fmt.Errorf("mark %s done: %w", name, err)
	}
	return nil
}
