package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrOutboxLost: the right to deliver a chat's outbox expired and another
// process may have taken it; the holder must stop.
var ErrOutboxLost = errors.New("outbox delivery taken over by another process")

// NewSenderToken returns a token naming one delivering process.
func NewSenderToken() string { return rand.Text() }

// TakeOutbox takes the right to deliver chat's outbox for ttl and reads it,
// in one round trip. One process at a time delivers a chat: two would each
// remove what they sent and drop the other's messages. token names the
// process: the holder may take it again (after a failure, say, with Redis
// back), anyone else waits until it is given back or expires. ok is false
// when another process is delivering it. An empty outbox is read, not
// held: there is nothing to deliver.
func (s *Store) TakeOutbox(ctx context.Context, chat int64, token string, ttl time.Duration) (items [][]byte, ok bool, err error) {
	k := s.chatKeys(chat)
	res, err := takeOutboxScript.Run(ctx, s.c, []string{k.sending, k.outbox}, token, ttl.Milliseconds()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("take outbox of chat %d: %w", chat, err)
	}
	items = make([][]byte, len(res))
	for i, m := range res {
		items[i] = []byte(m)
	}
	return items, true, nil
}

// SentOutbox removes the first n items Telegram accepted and keeps the
// right to deliver for ttl more, in one round trip; it returns how many
// items are left. When none are, the chat leaves the sweep's list. A right
// that expired during a long send (a 429's wait) but that nobody took is
// taken back; if another process took it, nothing is removed and the error
// is ErrOutboxLost.
func (s *Store) SentOutbox(ctx context.Context, chat int64, token string, n int, ttl time.Duration) (left int64, err error) {
	return s.sentOutbox(ctx, chat, token, n, ttl, false)
}

// SentLast is SentOutbox for the last of the items taken: it also gives
// the right to deliver back, as FinishOutbox does, in the same round trip.
// The items left, if any, came while delivering: take them again.
//
// The SentLast calls of a process's deliveries share round trips: the
// first waits Options.SentWait for others, then all go in one pipeline
// (not on a Cluster, where each goes alone). A message sent is so removed
// up to that much later; a crash meanwhile sends it again, as a crash
// between Telegram's answer and the removal always could.
func (s *Store) SentLast(ctx context.Context, chat int64, token string, n int) (left int64, err error) {
	if !s.crossSlotScripts || s.o.SentWait < 0 {
		return s.sentOutbox(ctx, chat, token, n, 0, true)
	}
	return s.sent.add(ctx, s, sentReq{chat: chat, token: token, n: n})
}

func (s *Store) sentOutbox(ctx context.Context, chat int64, token string, n int, ttl time.Duration, release bool) (left int64, err error) {
	keys, args := s.sentArgs(chat, token, n, ttl, release)
	left, err = sentOutboxScript.Run(ctx, s.c, keys, args...).Int64()
	return s.sentResult(ctx, chat, n, left, err)
}

// sentArgs are sentOutboxScript's keys and arguments.
func (s *Store) sentArgs(chat int64, token string, n int, ttl time.Duration, release bool) (keys []string, args []any) {
	k := s.chatKeys(chat)
	keys = []string{k.outbox, k.sending}
	if s.crossSlotScripts {
		keys = append(keys, s.outboxesKey())
	}
	rel := "0"
	if release {
		rel = "1"
	}
	return keys, []any{n, token, ttl.Milliseconds(), chat, rel}
}

// sentResult reads sentOutboxScript's answer for chat.
func (s *Store) sentResult(ctx context.Context, chat int64, n int, left int64, err error) (int64, error) {
	if err != nil {
		return 0, fmt.Errorf("mark %d sent in outbox of chat %d: %w", n, chat, err)
	}
	if left < 0 {
		return 0, fmt.Errorf("chat %d: %w", chat, ErrOutboxLost)
	}
	if left == 0 && !s.crossSlotScripts {
		return 0, s.Delivered(ctx, chat, 0) // on a Cluster the set is another slot's
	}
	return left, nil
}

// FinishOutbox gives the right to deliver back (if still ours) and returns
// how many items wait in the outbox: some may have come while delivering.
func (s *Store) FinishOutbox(ctx context.Context, chat int64, token string) (left int64, err error) {
	k := s.chatKeys(chat)
	left, err = finishOutboxScript.Run(ctx, s.c, []string{k.sending, k.outbox}, token).Int64()
	if err != nil {
		return 0, fmt.Errorf("finish outbox of chat %d: %w", chat, err)
	}
	return left, nil
}

// takeOutboxScript locks the outbox for a delivery (or renews the lock of
// the same process) and reads it. An empty outbox is not held: there is
// nothing to deliver, and a process that dies then leaves no hold behind.
//
//	KEYS: sending, outbox
//	ARGV: token, ttl in ms
var takeOutboxScript = redis.NewScript(takeLua + `
return take(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
`)

// takeLua defines take(sending, outbox, token, ttl): the outbox held for
// the delivery of token for ttl ms (or the hold renewed), and its items;
// false when another delivery holds it; no items, and no hold taken, when
// it is empty.
const takeLua = `
local function take(sending, outbox, token, ttl)
	local holder = redis.call('GET', sending)
	if holder and holder ~= token then
		return false
	end
	local items = redis.call('LRANGE', outbox, 0, -1)
	if #items > 0 then
		redis.call('SET', sending, token, 'PX', ttl)
	end
	return items
end
`

// sentOutboxScript drops the first n items, while the delivery is still
// ours, renews it (or, release "1", gives it back), and unlists an emptied
// outbox (when KEYS[3] is given).
//
//	KEYS: outbox, sending[, outboxes]
//	ARGV: n, token, ttl in ms, chat, release
var sentOutboxScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then
	return -1
end
redis.call('LTRIM', KEYS[1], ARGV[1], -1)
if ARGV[5] == '1' then
	redis.call('DEL', KEYS[2])
else
	-- Renewed, or taken back if it expired meanwhile (nobody took it).
	redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
local left = redis.call('LLEN', KEYS[1])
if left == 0 and KEYS[3] then
	redis.call('SREM', KEYS[3], ARGV[4])
end
return left
`)

// finishOutboxScript ends a delivery and says what is left.
//
//	KEYS: sending, outbox
//	ARGV: token
var finishOutboxScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('DEL', KEYS[1])
end
return redis.call('LLEN', KEYS[2])
`)
