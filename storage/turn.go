package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Turn is what Begin returns: the member's stored state, its version and a
// lock token. It is handed back to Commit, Forget or Release.
type Turn struct {
	State   []byte // the stored state, nil if none
	Version int64  // the stored version, 0 if none
	Token   string // proves to Commit that the lock is still ours
	Blocked bool   // the member blocked the bot (Telegram answered 403)

	// Handover, when set, asks Commit, Forget and Reply to take the
	// chat's outbox for a delivering process in their round trip, as
	// TakeOutbox would, when they queue messages; they fill it in.
	Handover *Handover
}

// Handover is the chat's outbox taken for delivery by the round trip that
// queued messages in it, saving the delivering process a round trip of
// its own (TakeOutbox). Token and TTL are the caller's; Taken and Items
// are the commit's answer.
type Handover struct {
	Token string        // the delivering process (NewSenderToken)
	TTL   time.Duration // how long the delivery holds the outbox
	Taken bool          // the outbox is now Token's: deliver Items, then let go as after TakeOutbox
	Items [][]byte      // the whole outbox, the messages just queued included
}

// The outcomes of a turn that are not failures of Redis. Test them with
// errors.Is: they come back wrapped with the chat and update.
var (
	// ErrSeen means the update was handled before (Telegram redelivered it):
	// acknowledge it and do nothing else.
	ErrSeen = errors.New("update already handled")
	// ErrBusy means another process or goroutine holds the chat's lock:
	// retry shortly.
	ErrBusy = errors.New("chat is busy")
	// ErrConflict means the version moved or the lock was lost (it
	// expired) before the turn finished: nothing was written, redo the
	// update from Begin.
	ErrConflict = errors.New("chat changed meanwhile")
)

// Begin starts handling an update of chat in one round trip: if updateID
// was handled before it returns ErrSeen; if the chat's lock is held it
// returns ErrBusy; otherwise it takes the lock for Options.LockTTL and
// returns the member's state and version. updateID 0 means the turn has no
// Telegram update (a wake-up, a console event): no de-duplication.
func (s *Store) Begin(ctx context.Context, chat, updateID int64) (Turn, error) {
	k := s.chatKeys(chat)
	token := rand.Text()
	reply, err := beginScript.Run(ctx, s.c,
		[]string{k.seen, k.lock, k.member},
		updateID, token, s.o.LockTTL.Milliseconds(),
	).StringSlice()
	if err != nil {
		return Turn{}, fmt.Errorf("begin update %d of chat %d: %w", updateID, chat, err)
	}
	switch {
	case len(reply) == 1 && reply[0] == "seen":
		return Turn{}, fmt.Errorf("begin update %d of chat %d: %w", updateID, chat, ErrSeen)
	case len(reply) == 1 && reply[0] == "busy":
		return Turn{}, fmt.Errorf("begin update %d of chat %d: %w", updateID, chat, ErrBusy)
	case len(reply) != 4 || reply[0] != "ok":
		return Turn{}, fmt.Errorf("begin update %d of chat %d: unexpected reply %q", updateID, chat, reply)
	}
	t := Turn{Token: token, Blocked: reply[3] == "1"}
	if reply[1] != "" {
		t.State = []byte(reply[1])
	}
	if t.Version, err = strconv.ParseInt(reply[2], 10, 64); err != nil {
		return Turn{}, fmt.Errorf("begin update %d of chat %d: stored version %q: %w", updateID, chat, reply[2], err)
	}
	return t, nil
}

// Commit finishes the turn t in one round trip: if the lock is still t's and
// the stored version is still t.Version, it stores state (version+1), sets
// the member's TTL to ttl (0: none), appends outbox to the chat's outbox,
// marks updateID seen (unless 0) and releases the lock. Otherwise it returns
// ErrConflict, having written nothing but released the lock if still ours.
// The chat joins the member index, the outboxes set when outbox is not
// empty, and the wake-up index at wakeAt (zero: none pending), in the same
// pipeline.
func (s *Store) Commit(ctx context.Context, chat, updateID int64, t Turn, state []byte, outbox [][]byte, ttl time.Duration, wakeAt time.Time) error {
	if _, err := s.finish(ctx, chat, updateID, t, "save", state, ttl, outbox, wakeAt); err != nil {
		return fmt.Errorf("commit update %d of chat %d: %w", updateID, chat, err)
	}
	return nil
}

// Forget erases everything held about the chat (its member state and flags,
// and its place in the member index) and appends the goodbye messages to
// its outbox, under the same rules and in one round trip like Commit. The
// seen set is kept, so that a redelivered /forget is not handled again; it
// expires on its own after Options.SeenTTL. The chat's jobs are the
// caller's to cancel.
func (s *Store) Forget(ctx context.Context, chat, updateID int64, t Turn, outbox [][]byte) error {
	dropped, err := s.finish(ctx, chat, updateID, t, "erase", nil, 0, outbox, time.Time{})
	if err != nil {
		return fmt.Errorf("forget chat %d (update %d): %w", chat, updateID, err)
	}
	// The announcements dropped count as skipped: each broadcast ends
	// when every copy has an outcome. The member is forgotten already:
	// an outcome not recorded is not worth failing the turn (the
	// broadcast's stall rule ends it anyway).
	for _, id := range dropped {
		_ = s.BroadcastOutcome(ctx, id, chat, "skipped")
	}
	return nil
}

// Reply finishes the turn t like Commit, but leaves the member's record as
// it is (or absent): for an answer that changes nothing of the member
// (a staff command). The update is marked seen and the messages queued.
func (s *Store) Reply(ctx context.Context, chat, updateID int64, t Turn, outbox [][]byte) error {
	if _, err := s.finish(ctx, chat, updateID, t, "keep", nil, 0, outbox, time.Time{}); err != nil {
		return fmt.Errorf("reply to update %d of chat %d: %w", updateID, chat, err)
	}
	return nil
}

// Release gives the lock of t back without writing, for an update that
// could not be handled. A lock that already expired is left alone.
func (s *Store) Release(ctx context.Context, chat int64, t Turn) error {
	if err := releaseScript.Run(ctx, s.c, []string{s.chatKeys(chat).lock}, t.Token).Err(); err != nil {
		return fmt.Errorf("release lock of chat %d: %w", chat, err)
	}
	return nil
}

// finish runs finishScript and the global set updates in one pipeline. It
// returns the broadcasts whose copies an erase dropped from the outbox.
func (s *Store) finish(ctx context.Context, chat, updateID int64, t Turn, mode string, state []byte, ttl time.Duration, outbox [][]byte, wakeAt time.Time) (dropped []string, err error) {
	k := s.chatKeys(chat)
	keys := []string{k.member, k.seen, k.lock, k.outbox, k.received, k.staff}
	args := make([]any, 0, 12+len(outbox))
	args = append(args, t.Token, t.Version, updateID, s.o.SeenKeep, s.o.SeenTTL.Milliseconds(),
		mode, state, ttl.Milliseconds())
	h := t.Handover
	if h != nil {
		h.Taken, h.Items = false, nil
		if len(outbox) == 0 {
			h = nil // nothing queued: nothing to deliver
		}
	}
	if s.crossSlotScripts {
		// Everything in one script: the indexes and the hand-over too.
		keys = append(keys, s.membersKey(), s.wakesKey(), s.outboxesKey(), k.sending)
		wake, token, hold := "", "", int64(0)
		if !wakeAt.IsZero() {
			wake = strconv.FormatInt(wakeAt.Unix(), 10)
		}
		if h != nil {
			token, hold = h.Token, h.TTL.Milliseconds()
		}
		args = append(args, chat, wake, token, hold)
		for _, m := range outbox {
			args = append(args, m)
		}
		return finishAll(finishAllScript.Run(ctx, s.c, keys, args...), h)
	}
	for _, m := range outbox {
		args = append(args, m)
	}

	// On a Cluster the indexes live on other slots: they go in the same
	// pipeline as the script. The sets come after the script: were a Delivered to empty the outbox
	// between the two, the chat must be added back, not removed after
	// our messages were queued. They run on a conflict too (a pipeline
	// cannot depend on the script's reply, and a second round trip is what
	// this design avoids); that is harmless: a stale entry is ignored or
	// pruned, and a chat wrongly dropped by a failed Forget is indexed again
	// by its next Commit.
	var take *redis.Cmd
	run := func(evalScript func(redis.Pipeliner) *redis.Cmd) (*redis.Cmd, error) {
		var script *redis.Cmd
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			script = evalScript(p)
			switch mode {
			case "erase":
				p.SRem(ctx, s.membersKey(), chat)
				p.ZRem(ctx, s.wakesKey(), chat)
			case "save":
				p.SAdd(ctx, s.membersKey(), chat)
				if wakeAt.IsZero() {
					p.ZRem(ctx, s.wakesKey(), chat)
				} else {
					p.ZAdd(ctx, s.wakesKey(), redis.Z{Score: float64(wakeAt.Unix()), Member: chat})
				}
			}
			if len(outbox) > 0 {
				p.SAdd(ctx, s.outboxesKey(), chat)
			}
			if h != nil {
				take = takeOutboxScript.EvalSha(ctx, p, []string{k.sending, k.outbox}, h.Token, h.TTL.Milliseconds())
			}
			return nil
		})
		if errors.Is(err, redis.Nil) || (err != nil && take != nil && err == take.Err()) {
			err = script.Err() // the take's own answer is read below
		}
		return script, err
	}
	script, err := run(func(p redis.Pipeliner) *redis.Cmd { return finishScript.EvalSha(ctx, p, keys, args...) })
	if redis.HasErrorPrefix(script.Err(), "NOSCRIPT") {
		// The server lost its script cache (a restart, SCRIPT FLUSH): send
		// the source once. Nothing of the first try ran except the
		// idempotent set updates.
		script, err = run(func(p redis.Pipeliner) *redis.Cmd { return finishScript.Eval(ctx, p, keys, args...) })
	}
	if err != nil {
		return nil, err
	}
	var done int64
	switch v := script.Val().(type) {
	case int64:
		done = v
	case []any:
		if len(v) > 0 {
			done, _ = v[0].(int64)
		}
		for _, id := range v[1:] {
			if id, ok := id.(string); ok && !slices.Contains(dropped, id) {
				dropped = append(dropped, id)
			}
		}
	default:
		return nil, fmt.Errorf("finish script: unexpected reply %T", v)
	}
	if take != nil && redis.HasErrorPrefix(take.Err(), "NOSCRIPT") {
		// Redis does not know the script yet (its first use since a
		// restart): take the outbox as TakeOutbox does, which loads it.
		take = takeOutboxScript.Run(ctx, s.c, []string{k.sending, k.outbox}, h.Token, h.TTL.Milliseconds())
	}
	taken, tookErr := takenOf(take)
	if done != 1 {
		if tookErr == nil && taken != nil {
			// Taken for nothing: the turn is redone, and commits again.
			_, _ = s.FinishOutbox(context.WithoutCancel(ctx), chat, h.Token)
		}
		return nil, ErrConflict
	}
	if h != nil && tookErr == nil && taken != nil {
		h.Taken, h.Items = true, taken
	}
	return dropped, nil
}

// finishAll reads finishAllScript's answer: the broadcasts whose copies an
// erase dropped, and in h (when set) the outbox taken.
func finishAll(cmd *redis.Cmd, h *Handover) (dropped []string, err error) {
	v, err := cmd.Result()
	if err != nil {
		return nil, err
	}
	reply, ok := v.([]any)
	if !ok {
		if done, _ := v.(int64); done == 0 {
			return nil, ErrConflict
		}
		return nil, fmt.Errorf("finish script: unexpected reply %v", v)
	}
	if len(reply) < 3 {
		return nil, fmt.Errorf("finish script: unexpected reply %v", reply)
	}
	taken, _ := reply[1].(int64)
	items, _ := reply[2].([]any)
	for _, id := range reply[3:] {
		if id, ok := id.(string); ok && !slices.Contains(dropped, id) {
			dropped = append(dropped, id)
		}
	}
	if h != nil && taken == 1 {
		h.Taken, h.Items = true, make([][]byte, len(items))
		for i, it := range items {
			s, _ := it.(string)
			h.Items[i] = []byte(s)
		}
	}
	return dropped, nil
}

// takenOf reads the answer of the take in a commit's pipeline: the items,
// or nil when another process delivers the chat (or the take did not run:
// Redis had lost its scripts; the delivery then takes the outbox itself).
func takenOf(take *redis.Cmd) ([][]byte, error) {
	if take == nil {
		return nil, nil
	}
	res, err := take.StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	items := make([][]byte, len(res))
	for i, m := range res {
		items[i] = []byte(m)
	}
	return items, nil
}
