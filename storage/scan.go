package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ScanStates calls fn with the state of every member in the index, a batch
// of 500 at a time (one round trip to list, one to read each batch). A
// member whose record expired is skipped. It is for rare, whole-base work
// (restoring wake-ups after an upgrade, staff statistics), not for a hot
// path.
func (s *Store) ScanStates(ctx context.Context, fn func(chat int64, state []byte) error) error {
	return s.ScanMembers(ctx, func(chat int64, state []byte, _ bool) error { return fn(chat, state) })
}

// ScanMembers is ScanStates with each member's blocked flag.
func (s *Store) ScanMembers(ctx context.Context, fn func(chat int64, state []byte, blocked bool) error) error {
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
		got := make([]*redis.SliceCmd, len(chats))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, chat := range chats {
				got[i] = p.HMGet(ctx, s.chatKeys(chat).member, "state", "blocked")
			}
			return nil
		}); err != nil {
			return fmt.Errorf("scan members: read states: %w", err)
		}
		for i, chat := range chats {
			vals := got[i].Val()
			state, ok := vals[0].(string)
			if !ok {
				continue // expired since it was indexed
			}
			blocked, _ := vals[1].(string)
			if err := fn(chat, []byte(state), blocked == "1"); err != nil {
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
