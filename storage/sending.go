package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// LockOutbox takes the right to deliver chat's outbox for ttl, so that one
// process at a time delivers it: two would each remove what they sent from
// the list and drop the other's messages. ok is false when another process
// holds it; the token unlocks or extends it.
func (s *Store) LockOutbox(ctx context.Context, chat int64, ttl time.Duration) (token string, ok bool, err error) {
	token = rand.Text()
	err = s.c.SetArgs(ctx, s.chatKeys(chat).sending, token, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("lock outbox of chat %d: %w", chat, err)
	}
	return token, true, nil
}

// ExtendOutbox keeps the right to deliver for ttl more; false means it was
// lost (it expired and another process took it): stop delivering.
func (s *Store) ExtendOutbox(ctx context.Context, chat int64, token string, ttl time.Duration) (bool, error) {
	n, err := extendIfOurs.Run(ctx, s.c, []string{s.chatKeys(chat).sending}, token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("extend outbox lock of chat %d: %w", chat, err)
	}
	return n == 1, nil
}

// UnlockOutbox gives the right to deliver back, if it is still ours.
func (s *Store) UnlockOutbox(ctx context.Context, chat int64, token string) error {
	if err := releaseScript.Run(ctx, s.c, []string{s.chatKeys(chat).sending}, token).Err(); err != nil {
		return fmt.Errorf("unlock outbox of chat %d: %w", chat, err)
	}
	return nil
}

// extendIfOurs renews a lock's TTL only while it still holds our token.
var extendIfOurs = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
