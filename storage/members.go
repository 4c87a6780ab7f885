package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// SetBlocked marks a member who blocked the bot (Telegram answered 403) as
// inactive, or active again when they write. A chat with no stored member
// is left alone, so that no record is created for it.
func (s *Store) SetBlocked(ctx context.Context, chat int64, blocked bool) error {
	flag := "0"
	if blocked {
		flag = "1"
	}
	if err := setBlockedScript.Run(ctx, s.c, []string{s.chatKeys(chat).member}, flag).Err(); err != nil {
		return fmt.Errorf("set blocked=%t for chat %d: %w", blocked, chat, err)
	}
	return nil
}

// Blocked reports whether the member blocked the bot.
func (s *Store) Blocked(ctx context.Context, chat int64) (bool, error) {
	v, err := s.c.HGet(ctx, s.chatKeys(chat).member, "blocked").Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read blocked flag of chat %d: %w", chat, err)
	}
	return v == "1", nil
}

// Members counts the member index. It can count members who expired since
// the last PruneMembers.
func (s *Store) Members(ctx context.Context) (int64, error) {
	n, err := s.c.SCard(ctx, s.membersKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// putBack re-adds to the index the chats among gone whose member key
// exists again (they wrote while the prune ran), and says how many.
func (s *Store) putBack(ctx context.Context, gone []any) (int64, error) {
	again := make([]*redis.IntCmd, len(gone))
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, chat := range gone {
			again[i] = p.Exists(ctx, s.chatKeys(chat.(int64)).member)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("prune members: recheck: %w", err)
	}
	var back []any
	for i, chat := range gone {
		if again[i].Val() > 0 {
			back = append(back, chat)
		}
	}
	if len(back) == 0 {
		return 0, nil
	}
	if err := s.c.SAdd(ctx, s.membersKey(), back...).Err(); err != nil {
		return 0, fmt.Errorf("prune members: put back %d: %w", len(back), err)
	}
	return int64(len(back)), nil
}

// PruneMembers removes from the member index the chats whose member key
// expired, and returns how many it removed. Expiry cannot do this by
// itself (the index is one set), and a chat ID kept for nobody is data the
// bot no longer needs. A member who comes back while the prune runs is put
// back: the removed are checked once more afterwards.
func (s *Store) PruneMembers(ctx context.Context) (int64, error) {
	var removed int64
	var cursor uint64
	for {
		batch, next, err := s.c.SScan(ctx, s.membersKey(), cursor, "", 500).Result()
		if err != nil {
			return removed, fmt.Errorf("prune members: scan index: %w", err)
		}
		chats, err := parseChats(batch, "prune members")
		if err != nil {
			return removed, err
		}
		exists := make([]*redis.IntCmd, len(chats))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, chat := range chats {
				exists[i] = p.Exists(ctx, s.chatKeys(chat).member)
			}
			return nil
		}); err != nil {
			return removed, fmt.Errorf("prune members: check members: %w", err)
		}
		var gone []any
		for i, chat := range chats {
			if exists[i].Val() == 0 {
				gone = append(gone, chat)
			}
		}
		if len(gone) > 0 {
			n, err := s.c.SRem(ctx, s.membersKey(), gone...).Result()
			if err != nil {
				return removed, fmt.Errorf("prune members: remove %d: %w", len(gone), err)
			}
			back, err := s.putBack(ctx, gone)
			if err != nil {
				return removed, err
			}
			removed += n - back
		}
		if cursor = next; cursor == 0 {
			return removed, s.pruneWakes(ctx)
		}
	}
}

// pruneWakes drops from the wake-up index the chats with no member record
// (an index write that raced a /forget or lost a conflict): counts stay
// true and no forgotten chat ID stays behind.
func (s *Store) pruneWakes(ctx context.Context) error {
	var cursor uint64
	for {
		batch, next, err := s.c.ZScan(ctx, s.wakesKey(), cursor, "", 500).Result()
		if err != nil {
			return fmt.Errorf("prune wake-up index: %w", err)
		}
		var members []string
		for i := 0; i < len(batch); i += 2 { // member, score, member, score...
			members = append(members, batch[i])
		}
		chats, err := parseChats(members, "prune wake-up index")
		if err != nil {
			return err
		}
		exists := make([]*redis.IntCmd, len(chats))
		if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, chat := range chats {
				exists[i] = p.Exists(ctx, s.chatKeys(chat).member)
			}
			return nil
		}); err != nil {
			return fmt.Errorf("prune wake-up index: %w", err)
		}
		var gone []any
		for i, chat := range chats {
			if exists[i].Val() == 0 {
				gone = append(gone, chat)
			}
		}
		if len(gone) > 0 {
			if err := s.c.ZRem(ctx, s.wakesKey(), gone...).Err(); err != nil {
				return fmt.Errorf("prune wake-up index: %w", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}
