package storage

import (
	"context"
	"fmt"
	"strconv"
)

// Outbox returns the chat's messages not yet accepted by Telegram, oldest
// first.
func (s *Store) Outbox(ctx context.Context, chat int64) ([][]byte, error) {
	items, err := s.c.LRange(ctx, s.chatKeys(chat).outbox, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read outbox of chat %d: %w", chat, err)
	}
	out := make([][]byte, len(items))
	for i, m := range items {
		out[i] = []byte(m)
	}
	return out, nil
}

// Delivered removes the first n messages of the chat's outbox once Telegram
// accepted them, and takes the chat off the outboxes set when nothing is
// left. n 0 only does the latter, which clears a stale entry found by the
// sweep. Only one sender may deliver a chat's outbox at a time: two would
// each remove n.
func (s *Store) Delivered(ctx context.Context, chat int64, n int) error {
	if n < 0 {
		return fmt.Errorf("mark delivered in outbox of chat %d: negative count %d", chat, n)
	}
	outbox := s.chatKeys(chat).outbox
	if s.crossSlotScripts {
		if err := deliveredAtomic.Run(ctx, s.c, []string{outbox, s.outboxesKey()}, n, chat).Err(); err != nil {
			return fmt.Errorf("mark %d delivered in outbox of chat %d: %w", n, chat, err)
		}
		return nil
	}

	// On a Cluster the list and the set live on different slots, so the
	// steps are separate; the check after SREM puts the chat back when a
	// Commit queued messages in between, so no outbox is ever left out of
	// the sweep (at worst one is listed while empty).
	left, err := deliveredTrim.Run(ctx, s.c, []string{outbox}, n).Int64()
	if err != nil {
		return fmt.Errorf("mark %d delivered in outbox of chat %d: %w", n, chat, err)
	}
	if left > 0 {
		return nil
	}
	if err := s.c.SRem(ctx, s.outboxesKey(), chat).Err(); err != nil {
		return fmt.Errorf("unlist empty outbox of chat %d: %w", chat, err)
	}
	if left, err = s.c.LLen(ctx, outbox).Result(); err != nil {
		return fmt.Errorf("recheck outbox of chat %d: %w", chat, err)
	}
	if left > 0 {
		if err := s.c.SAdd(ctx, s.outboxesKey(), chat).Err(); err != nil {
			return fmt.Errorf("relist outbox of chat %d: %w", chat, err)
		}
	}
	return nil
}

// PendingOutboxes lists the chats that may have messages not yet delivered,
// for the sweep after a crash. A listed outbox can turn out empty;
// Delivered(ctx, chat, 0) then unlists it.
func (s *Store) PendingOutboxes(ctx context.Context) ([]int64, error) {
	members, err := s.c.SMembers(ctx, s.outboxesKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list pending outboxes: %w", err)
	}
	return parseChats(members, "pending outboxes")
}

// parseChats reads chat IDs stored as set members.
func parseChats(members []string, what string) ([]int64, error) {
	chats := make([]int64, 0, len(members))
	for _, m := range members {
		chat, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: bad chat ID %q: %w", what, m, err)
		}
		chats = append(chats, chat)
	}
	return chats, nil
}
