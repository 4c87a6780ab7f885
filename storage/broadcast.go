package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A broadcast's keys share its hash slot: `<prefix>:bc:{<id>}` (its record
// and counts) and `<prefix>:bc:{<id>}:out` (each recipient's outcome).
func (s *Store) broadcastKeys(id string) (record, outcomes string) {
	base := s.o.Prefix + ":bc:{" + id + "}"
	return base, base + ":out"
}

// outcomeScript records a recipient's outcome once and counts it, while
// the broadcast has not ended (its outcomes, chat IDs, are dropped at the
// end and must not come back), the outcomes expiring with the record.
//
//	KEYS: record, outcomes
//	ARGV: chat, outcome, TTL ms
var outcomeScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'ended') == '1' then
	return 0
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
	redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
	redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 0
`)

// BroadcastOutcome records what became of broadcast id's message to chat
// ("sent", "blocked", "failed", "skipped"), once: a message sent again
// after a crash is not counted twice.
func (s *Store) BroadcastOutcome(ctx context.Context, id string, chat int64, outcome string) error {
	record, outcomes := s.broadcastKeys(id)
	if err := outcomeScript.Run(ctx, s.c, []string{record, outcomes}, chat, outcome, broadcastTTL.Milliseconds()).Err(); err != nil {
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

// StopBroadcast stops broadcast id, if it is still sending, for reason
// ("staff": /broadcast_stop; "deleted": the announcement can no longer be
// copied): what is left is not sent.
func (s *Store) StopBroadcast(ctx context.Context, id, reason string) error {
	record, _ := s.broadcastKeys(id)
	if err := stopBroadcastScript.Run(ctx, s.c, []string{record}, reason).Err(); err != nil {
		return fmt.Errorf("stop broadcast %s: %w", id, err)
	}
	return nil
}

var stopBroadcastScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') == 'sending' then
	redis.call('HSET', KEYS[1], 'state', 'stopped', 'reason', ARGV[1])
end
return 0
`)

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

// Broadcast is the record of one announcement: who sent what, to whom,
// and how far it went.
type Broadcast struct {
	ID       string
	From     int64  // the staff member's chat, where the message is
	Message  int    // the message to copy
	Audience string // the audience's name ("all", "waiting", ...)
	Created  time.Time
	Total    int64  // recipients
	Next     int64  // recipients queued so far (the fan-out's cursor)
	State    string // "sending", "stopped", "done"
	Reason   string // why it was stopped: "staff", "deleted"
	Ended    bool   // finished: every copy accounted for (or given up on), reported
	Progress int    // the staff's progress message, 0 before it is sent
}

// broadcastTTL is how long a broadcast's record and outcomes are kept (the
// audit of /broadcasts).
const broadcastTTL = 400 * 24 * time.Hour

// recipientsKey lists a broadcast's recipients, in its slot.
func (s *Store) recipientsKey(id string) string {
	record, _ := s.broadcastKeys(id)
	return record + ":to"
}

func (s *Store) broadcastsKey() string { return s.o.Prefix + ":broadcasts" }

// CreateBroadcast stores a new broadcast with its recipients (a snapshot:
// who joins later does not get it) and lists it for /broadcasts. A
// broadcast that exists already is left as it is (the same send, retried).
func (s *Store) CreateBroadcast(ctx context.Context, b Broadcast, recipients []int64) error {
	record, outcomes := s.broadcastKeys(b.ID)
	to := s.recipientsKey(b.ID)
	if n, err := s.c.Exists(ctx, record).Result(); err != nil {
		return fmt.Errorf("create broadcast %s: %w", b.ID, err)
	} else if n > 0 {
		return nil
	}
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, record, "from", b.From, "msg", b.Message, "audience", b.Audience,
			"created", b.Created.Unix(), "total", len(recipients), "next", 0, "state", "sending")
		for i := 0; i < len(recipients); i += 1000 {
			batch := make([]any, 0, 1000)
			for _, c := range recipients[i:min(i+1000, len(recipients))] {
				batch = append(batch, c)
			}
			p.RPush(ctx, to, batch...)
		}
		for _, k := range []string{record, outcomes, to} {
			p.Expire(ctx, k, broadcastTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create broadcast %s: %w", b.ID, err)
	}
	if err := s.c.ZAdd(ctx, s.broadcastsKey(), redis.Z{Score: float64(b.Created.Unix()), Member: b.ID}).Err(); err != nil {
		return fmt.Errorf("list broadcast %s: %w", b.ID, err)
	}
	return nil
}

// GetBroadcast reads broadcast id's record; ok false if there is none.
func (s *Store) GetBroadcast(ctx context.Context, id string) (b Broadcast, ok bool, err error) {
	record, _ := s.broadcastKeys(id)
	m, err := s.c.HGetAll(ctx, record).Result()
	if err != nil {
		return Broadcast{}, false, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	if len(m) == 0 || m["from"] == "" {
		return Broadcast{}, false, nil
	}
	b = Broadcast{ID: id, Audience: m["audience"], State: m["state"], Reason: m["reason"]}
	b.From, _ = strconv.ParseInt(m["from"], 10, 64)
	b.Message, _ = strconv.Atoi(m["msg"])
	created, _ := strconv.ParseInt(m["created"], 10, 64)
	b.Created = time.Unix(created, 0)
	b.Total, _ = strconv.ParseInt(m["total"], 10, 64)
	b.Next, _ = strconv.ParseInt(m["next"], 10, 64)
	b.Progress, _ = strconv.Atoi(m["progress"])
	b.Ended = m["ended"] == "1"
	return b, true, nil
}

// SetBroadcastProgress records the staff's progress message of id.
func (s *Store) SetBroadcastProgress(ctx context.Context, id string, message int) error {
	record, _ := s.broadcastKeys(id)
	if err := s.c.HSet(ctx, record, "progress", message).Err(); err != nil {
		return fmt.Errorf("broadcast %s progress message: %w", id, err)
	}
	return nil
}

// FinishBroadcast marks broadcast id ended, and done unless it was stopped, and
// drops its list of recipients and their outcomes: the counts stay for
// the audit, no chat ID does.
func (s *Store) FinishBroadcast(ctx context.Context, id string) error {
	record, outcomes := s.broadcastKeys(id)
	if err := finishBroadcastScript.Run(ctx, s.c, []string{record}).Err(); err != nil {
		return fmt.Errorf("finish broadcast %s: %w", id, err)
	}
	if err := s.c.Del(ctx, outcomes, s.recipientsKey(id)).Err(); err != nil {
		return fmt.Errorf("finish broadcast %s: %w", id, err)
	}
	return nil
}

var finishBroadcastScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') == 'sending' then
	redis.call('HSET', KEYS[1], 'state', 'done')
end
redis.call('HSET', KEYS[1], 'ended', '1')
return 0
`)

// RecentBroadcasts returns the IDs of the last n broadcasts, newest first.
func (s *Store) RecentBroadcasts(ctx context.Context, n int) ([]string, error) {
	ids, err := s.c.ZRevRange(ctx, s.broadcastsKey(), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	return ids, nil
}

// queueScript appends a broadcast's message to a chat's outbox once: the
// chat's received set remembers it, so that a fan-out resumed after a
// crash does not queue it twice. A report (no member key) always goes.
//
//	KEYS: received, outbox[, member]
//	ARGV: broadcast ID, item, received TTL ms
//	reply: 1 queued | 0 queued before | 2 no longer a member (/forget) |
//	       3 blocked the bot since the broadcast was made
var queueScript = redis.NewScript(`
if KEYS[3] then
	if redis.call('EXISTS', KEYS[3]) == 0 then
		return 2
	end
	if redis.call('HGET', KEYS[3], 'blocked') == '1' then
		return 3
	end
end
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
	return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
`)

// QueueBroadcast queues the next batch of broadcast id's recipients (at
// most n): item goes to each one's outbox once, and the cursor moves on.
// It returns the chats queued now (to be delivered) and whether recipients
// are left.
func (s *Store) QueueBroadcast(ctx context.Context, id string, item []byte, n int) (queued []int64, more bool, err error) {
	b, ok, err := s.GetBroadcast(ctx, id)
	if err != nil || !ok {
		return nil, false, err
	}
	if b.State != "sending" || b.Next >= b.Total {
		return nil, false, nil
	}
	raw, err := s.c.LRange(ctx, s.recipientsKey(id), b.Next, b.Next+int64(n)-1).Result()
	if err != nil {
		return nil, false, fmt.Errorf("broadcast %s recipients: %w", id, err)
	}
	chats, err := parseChats(raw, "broadcast recipients")
	if err != nil {
		return nil, false, err
	}
	if len(chats) == 0 { // the list is shorter than its count (a partial restore): nothing more to queue
		record, _ := s.broadcastKeys(id)
		if err := s.c.HSet(ctx, record, "next", b.Total).Err(); err != nil {
			return nil, false, fmt.Errorf("queue broadcast %s: %w", id, err)
		}
		return nil, false, nil
	}
	added := make([]*redis.Cmd, len(chats))
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, chat := range chats {
			k := s.chatKeys(chat)
			added[i] = queueScript.Eval(ctx, p, []string{k.received, k.outbox, k.member}, id, item, receivedTTL.Milliseconds())
		}
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("queue broadcast %s: %w", id, err)
	}
	// Every chat of the batch is listed for delivery, queued now or
	// before: a run that died between queueing and listing left copies
	// that only this resumed run can list.
	listed := make([]any, 0, len(chats))
	for i, chat := range chats {
		switch n, _ := added[i].Int(); n {
		case 0, 1:
			if n == 1 {
				queued = append(queued, chat)
			}
			listed = append(listed, chat)
		case 2, 3:
			// Gone since the broadcast was made: no copy, and an outcome
			// so that the broadcast can end.
			outcome := map[int]string{2: "skipped", 3: "blocked"}[n]
			if err := s.BroadcastOutcome(ctx, id, chat, outcome); err != nil {
				return nil, false, err
			}
		}
	}
	record, _ := s.broadcastKeys(id)
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if len(listed) > 0 {
			p.SAdd(ctx, s.outboxesKey(), listed...)
		}
		p.HSet(ctx, record, "next", b.Next+int64(len(chats)))
		return nil
	}); err != nil {
		return nil, false, fmt.Errorf("queue broadcast %s: %w", id, err)
	}
	return queued, b.Next+int64(len(chats)) < b.Total, nil
}

// QueueReport queues item (the report of broadcast id's end) in each of
// chats' outboxes, once per chat however often it is called: a run resumed
// after a crash does not report twice. It returns the chats queued now.
func (s *Store) QueueReport(ctx context.Context, id string, item []byte, chats []int64) ([]int64, error) {
	added := make([]*redis.Cmd, len(chats))
	if _, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, chat := range chats {
			k := s.chatKeys(chat)
			added[i] = queueScript.Eval(ctx, p, []string{k.received, k.outbox}, "report:"+id, item, receivedTTL.Milliseconds())
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("queue broadcast %s report: %w", id, err)
	}
	var queued []int64
	listed := make([]any, 0, len(chats))
	for i, chat := range chats {
		if n, _ := added[i].Int(); n == 1 {
			queued = append(queued, chat)
		}
		listed = append(listed, chat)
	}
	if len(listed) > 0 {
		if err := s.c.SAdd(ctx, s.outboxesKey(), listed...).Err(); err != nil {
			return nil, fmt.Errorf("queue broadcast %s report: %w", id, err)
		}
	}
	return queued, nil
}

// receivedTTL is how long a chat remembers the broadcasts queued to it:
// long enough for any fan-out to be resumed (a fan-out takes seconds).
const receivedTTL = 7 * 24 * time.Hour

// staffDraftTTL is how long a staff member's unfinished announcement
// waits: a message sent much later is no longer taken for it.
const staffDraftTTL = 15 * time.Minute

// StaffDraft returns chat's unfinished announcement ("" if none).
func (s *Store) StaffDraft(ctx context.Context, chat int64) (string, error) {
	v, err := s.c.Get(ctx, s.chatKeys(chat).staff).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read staff draft: %w", err)
	}
	return v, nil
}

// SetStaffDraft stores chat's unfinished announcement ("" deletes it).
func (s *Store) SetStaffDraft(ctx context.Context, chat int64, draft string) error {
	var err error
	if draft == "" {
		err = s.c.Del(ctx, s.chatKeys(chat).staff).Err()
	} else {
		err = s.c.Set(ctx, s.chatKeys(chat).staff, draft, staffDraftTTL).Err()
	}
	if err != nil {
		return fmt.Errorf("store staff draft: %w", err)
	}
	return nil
}
