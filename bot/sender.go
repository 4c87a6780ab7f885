package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/storage"
)

// Outboxes is what the sender needs of storage: the chats' pending
// messages, delivered by one process at a time and removed once Telegram
// accepted them.
type Outboxes interface {
	TakeOutbox(ctx context.Context, chat int64, token string, ttl time.Duration) (items [][]byte, ok bool, err error)
	SentOutbox(ctx context.Context, chat int64, token string, n int, ttl time.Duration) (left int64, err error)
	// SentLast is SentOutbox for the last item taken, giving the outbox
	// back in the same round trip.
	SentLast(ctx context.Context, chat int64, token string, n int) (left int64, err error)
	FinishOutbox(ctx context.Context, chat int64, token string) (left int64, err error)
	PendingOutboxes(ctx context.Context) ([]int64, error)
	SetBlocked(ctx context.Context, chat int64, blocked bool) error
}

// BroadcastOutcomes is what the sender needs of storage for broadcasts.
type BroadcastOutcomes interface {
	// BroadcastOutcome records once what became of broadcast id's
	// message to chat: "sent", "blocked", "failed" or "skipped".
	BroadcastOutcome(ctx context.Context, id string, chat int64, outcome string) error
	// BroadcastStopped reports whether broadcast id was stopped.
	BroadcastStopped(ctx context.Context, id string) (bool, error)
	// StopBroadcast stops broadcast id for reason.
	StopBroadcast(ctx context.Context, id, reason string) error
}

// maxDeliveries is how many chats one process delivers at once, for
// replies and, apart, for the rest (reminders, broadcasts, the sweep), so
// that a batch waiting for its turn to send never holds up a reply.
const maxDeliveries = 32

// outboxLockTTL is how long a delivery holds its chat's outbox between two
// messages; a crashed holder frees it after this long.
const outboxLockTTL = 90 * time.Second // longer than a request's timeout and the longest backoff

// Sender delivers the outboxes: in order per chat, each message removed
// from Redis only once Telegram accepted it, so that a crash loses none (at
// most the one in flight goes twice). Transient failures (network, 5xx) are
// retried with backoff; 429 pauses every send for retry_after; a member who
// blocked the bot (403) is marked inactive and not retried.
type Sender struct {
	API   *tgbot.Bot
	Store Outboxes
	Log   zerolog.Logger

	mu        sync.Mutex
	running   map[int64]bool          // chats being delivered by this process
	urgent    map[int64]chan struct{} // bulk deliveries: a reply came, stop waiting behind the batch
	again     map[int64]bool          // kicked while running: look once more
	pausedTil time.Time               // a 429 asked everyone to wait
	wg        sync.WaitGroup
	ctx       context.Context
	token     string // names this process's deliveries in Redis
	closed    bool
	slots     chan struct{} // bounds the reply deliveries running at once
	bulkSlots chan struct{} // bounds the other deliveries running at once

	// Broadcasts, when set, records what became of each announcement's
	// message and says whether a broadcast was stopped.
	Broadcasts BroadcastOutcomes

	// Civil, when set, is when a reminder due at t may reach a member (t
	// itself within civil hours on a working day, else the next civil
	// hour), by Clock's time: a reminder whose delivery was held up (a
	// crash, Telegram down) into the night waits in the outbox for the
	// morning, unless the member writes meanwhile.
	Civil func(t time.Time) time.Time
	Clock interface{ Now() time.Time }

	// Rate, when set, is the pace shared by every process (about 30
	// messages a second for a bot); nil: no shared pace. Wait's class is
	// the message's priority: 0 replies, 1 reminders, 2 broadcasts. A Rate
	// that also has Pause(ctx, d) is paused for everyone on a 429.
	Rate interface {
		Wait(ctx context.Context, class int) error
	}
	// Direct, when set, makes the sendMessage and copyMessage calls with a
	// JSON body (see Direct); nil: through API, as every other call.
	Direct *Direct

	chatTAT map[int64]time.Time                  // per chat: when its next message may go (GCRA)
	gates   [storage.PaidClass + 1]chan struct{} // per class: one delivery asks the shared pace at a time
}

// Per chat Telegram asks for about one message a second; a reply of a few
// messages may go at once.
const (
	chatInterval = time.Second
	chatBurst    = 3
)

// pace waits until one more message of class (classOf) may go to chat:
// the chat's own pace (only this process delivers a chat, so it is kept
// here), then the shared one, which serves replies first.
func (s *Sender) pace(ctx context.Context, chat int64, class int) error {
	defer paceWaited(class, time.Now())
	now := time.Now()
	s.mu.Lock()
	tat := s.chatTAT[chat]
	if tat.Before(now) {
		tat = now
	}
	wait := tat.Sub(now) - (chatBurst-1)*chatInterval
	s.chatTAT[chat] = tat.Add(chatInterval)
	if len(s.chatTAT) > 10000 { // forget the paces of chats long quiet
		for c, t := range s.chatTAT {
			if t.Before(now) {
				delete(s.chatTAT, c)
			}
		}
	}
	s.mu.Unlock()
	if wait > 0 && !sleepCtx(ctx, wait) {
		return ctx.Err()
	}
	if s.Rate == nil {
		return nil
	}
	// Of the many deliveries of a batch waiting for the shared pace, one
	// per class asks Redis at a time: the others would each ask, be told
	// to wait, and ask again, for nothing.
	if class > 0 {
		gate := s.gates[min(class, len(s.gates)-1)]
		select {
		case gate <- struct{}{}:
			defer func() { <-gate }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Rate.Wait(ctx, class)
}

// classOf is an item's priority in the shared pace: 0 (replies) comes
// first, then 1 (reminders), then 2 (broadcasts); paid broadcasts have a
// pace of their own (storage.PaidClass).
func classOf(it Outgoing) int {
	switch {
	case it.Kind == KindReply:
		return 0
	case it.Kind == KindReminder:
		return 1
	case it.Copy != nil && it.Copy.Paid:
		return storage.PaidClass
	}
	return 2
}

// NewSender returns a Sender whose deliveries stop when ctx ends.
func NewSender(ctx context.Context, api *tgbot.Bot, store Outboxes, log zerolog.Logger) *Sender {
	s := &Sender{API: api, Store: store, Log: log, running: map[int64]bool{}, again: map[int64]bool{},
		urgent: map[int64]chan struct{}{}, ctx: ctx,
		token: storage.NewSenderToken(), chatTAT: map[int64]time.Time{},
		slots: make(chan struct{}, maxDeliveries), bulkSlots: make(chan struct{}, maxDeliveries)}
	for i := range s.gates {
		s.gates[i] = make(chan struct{}, 1)
	}
	return s
}

// Kick delivers chat's outbox soon, in the background; one delivery per
// chat runs at a time in this process. It is for replies: the delivery
// does not wait behind reminders or broadcasts.
func (s *Sender) Kick(chat int64) { s.KickAs(chat, KindReply) }

// KickAs is Kick for a delivery of messages of kind (the sweep's are
// reminders: it does not know what it finds).
func (s *Sender) KickAs(chat int64, kind Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return // stopping: the outbox stays in Redis for the next start
	}
	if s.running[chat] {
		s.again[chat] = true
		if ch := s.urgent[chat]; ch != nil && kind == KindReply {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
		return
	}
	s.running[chat] = true
	s.wg.Add(1)
	slots, urgent := s.slots, chan struct{}(nil)
	if kind != KindReply {
		slots, urgent = s.bulkSlots, make(chan struct{}, 1)
		s.urgent[chat] = urgent
	}
	go s.run(chat, slots, urgent, nil)
}

// Handover reserves chat's next delivery in this process for the messages
// of kind a turn is about to commit, and asks the commit to take the
// chat's outbox for it in its own round trip. It is nil when a delivery of
// chat runs here already (that one takes the new messages too) or the
// sender is stopping. Every non-nil Handover must be given back to
// HandedOver.
func (s *Sender) Handover(chat int64, kind Kind) *storage.Handover {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.running[chat] {
		return nil
	}
	// Reserved: no other delivery of chat starts here before HandedOver
	// (kicks meanwhile ask it to look again), so what the commit takes
	// is only this one's to send. A reply kicked meanwhile moves a bulk
	// delivery to the replies' slots, as for a running one.
	s.running[chat] = true
	s.wg.Add(1)
	if kind != KindReply {
		s.urgent[chat] = make(chan struct{}, 1)
	}
	return &storage.Handover{Token: s.token, TTL: outboxLockTTL}
}

// HandedOver starts the delivery reserved by Handover (h) for messages of
// kind once the turn's commit ended, well or not: from the outbox the
// commit took, or, when it took none, as KickAs would. A nil h is KickAs.
// queued is what the turn queued, as outboxOf made it: those of the items
// taken that are still as encoded are sent without being read back.
func (s *Sender) HandedOver(chat int64, kind Kind, h *storage.Handover, queued Queued) {
	if h == nil {
		s.KickAs(chat, kind)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.stopped(chat)
		s.mu.Unlock()
		s.letGo(chat, h)
		s.wg.Done()
		return
	}
	slots, urgent := s.slots, s.urgent[chat]
	if urgent != nil {
		slots = s.bulkSlots
	}
	s.mu.Unlock()
	var taken *handed
	if h.Taken {
		taken = &handed{Handover: h, queued: queued}
	}
	go s.run(chat, slots, urgent, taken)
}

// handed is an outbox a commit took for this sender, with what the turn
// queued in it.
type handed struct {
	*storage.Handover
	queued Queued
}

// Queued is what a turn queued in a chat's outbox: the items as stored
// (Raw) and the values they were encoded from (Items), in the same order.
type Queued struct {
	Raw   [][]byte
	Items []Outgoing
}

// decode reads item i of the n taken from the outbox. The turn's own are
// the last ones taken (what was there before comes first): one still as
// the turn encoded it needs no decoding. Anything else, such as an item a
// /forget turned into a tombstone meanwhile, is read as stored.
func (q Queued) decode(raw []byte, i, n int) (Outgoing, error) {
	if j := i - (n - len(q.Raw)); j >= 0 && j < len(q.Items) && bytes.Equal(raw, q.Raw[j]) {
		return q.Items[j], nil
	}
	var it Outgoing
	err := json.Unmarshal(raw, &it)
	return it, err
}

// letGo gives back the outbox a commit took for a delivery that will not
// run (the sender is stopping), so that the next start, or another
// process, need not wait for the hold to expire.
func (s *Sender) letGo(chat int64, h *storage.Handover) {
	if h == nil || !h.Taken {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), time.Second)
	defer cancel()
	_, _ = s.Store.FinishOutbox(ctx, chat, s.token)
}

// run delivers chat's outbox until nothing more was kicked for it. A
// delivery waiting for a bulk slot moves to the replies' slots when a reply
// is kicked for its chat (urgent). taken, when set, is the outbox a commit
// took for this sender: used only if a slot is free at once.
func (s *Sender) run(chat int64, slots, urgent chan struct{}, taken *handed) {
	defer s.wg.Done()
	backoff := time.Duration(0)
	for {
		select {
		case slots <- struct{}{}:
		default:
			// Waiting for a slot: the commit's hold runs meanwhile, and
			// the outbox may change (a /forget); take it afresh, with a
			// whole hold, once a slot is free.
			if taken != nil {
				s.letGo(chat, taken.Handover)
			}
			taken = nil
			// After an outage the sweep may kick thousands of chats: a
			// bounded number deliver at once, the others wait their turn
			// here.
		acquire:
			for {
				select {
				case slots <- struct{}{}:
					break acquire
				case <-urgent:
					slots, urgent = s.slots, nil
				case <-s.ctx.Done():
					s.mu.Lock()
					s.stopped(chat)
					s.mu.Unlock()
					return
				}
			}
		}
		// Delivering among the replies (kicked by one, or a reply came while
		// waiting), everything in the chat's outbox goes at a reply's
		// priority: the member is talking to the bot now.
		sl := &slot{ch: slots, held: true, urgent: urgent, replies: s.slots}
		err := s.deliver(s.ctx, chat, slots == s.slots, taken, sl)
		taken = nil
		sl.release()
		slots, urgent = sl.ch, sl.urgent // moved to the replies' meanwhile?
		if err != nil && s.ctx.Err() == nil {
			// Redis or Telegram unreachable: try again, waiting longer
			// each time (the periodic sweep is there too).
			backoff = nextBackoff(backoff)
			s.Log.Warn().Err(err).Str("chat", chatRef(chat)).Dur("retry_in", backoff).Msg("outbox not delivered yet")
			if sleepCtx(s.ctx, backoff) {
				continue
			}
		}
		s.mu.Lock()
		if !s.again[chat] || s.ctx.Err() != nil {
			s.stopped(chat)
			s.mu.Unlock()
			return
		}
		delete(s.again, chat)
		s.mu.Unlock()
	}
}

// slot is a delivery's place among those that may send at once (a token
// of Sender.slots or bulkSlots). A nil slot is none: Deliver's. A bulk
// delivery waiting to take its place again moves to the replies' slots
// when a reply is kicked for its chat (urgent), as run's first wait does.
type slot struct {
	ch      chan struct{}
	held    bool
	urgent  chan struct{} // nil among the replies
	replies chan struct{} // Sender.slots
}

// release gives the place back, if held.
func (sl *slot) release() {
	if sl != nil && sl.held {
		<-sl.ch
		sl.held = false
	}
}

// acquire takes a place again, if given back, waiting for one.
func (sl *slot) acquire(ctx context.Context) error {
	if sl == nil || sl.held {
		return nil
	}
	for {
		select {
		case sl.ch <- struct{}{}:
			sl.held = true
			return nil
		case <-sl.urgent:
			sl.ch, sl.urgent = sl.replies, nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stopped forgets chat's delivery (s.mu held).
func (s *Sender) stopped(chat int64) {
	delete(s.running, chat)
	delete(s.again, chat)
	delete(s.urgent, chat)
}

// Sweep kicks every chat with messages left undelivered (after a crash, or a
// failure the retries did not overcome).
func (s *Sender) Sweep(ctx context.Context) error {
	chats, err := s.Store.PendingOutboxes(ctx)
	if err != nil {
		return err
	}
	for _, c := range chats {
		s.KickAs(c, KindReminder)
	}
	return nil
}

// Close takes no more deliveries and waits for those in flight (at
// shutdown; what is left stays in Redis for the next start).
func (s *Sender) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.wg.Wait()
}

// Deliver sends chat's outbox now, in order, and returns when it is empty,
// when a message cannot be sent yet (retried later), or when ctx ends. One
// process at a time delivers a chat (the others leave it to that one). Its
// Redis cost is one round trip to take the outbox, one per message sent,
// and one to let go.
func (s *Sender) Deliver(ctx context.Context, chat int64) error {
	return s.deliver(ctx, chat, false, nil, nil)
}

// deliver is Deliver; asReplies paces every message as a reply. taken,
// when set, is the outbox already taken for this sender (by a commit).
func (s *Sender) deliver(ctx context.Context, chat int64, asReplies bool, taken *handed, sl *slot) error {
	for {
		if err := sl.acquire(ctx); err != nil { // given back for the last removal
			return err
		}
		// A reply kicked while the slot was given back moved the delivery
		// to the replies' slots: what follows goes at a reply's priority.
		asReplies = asReplies || (sl != nil && sl.ch == s.slots)
		var items [][]byte
		var queued Queued
		if taken != nil {
			items, queued, taken = taken.Items, taken.queued, nil
		} else {
			var ok bool
			var err error
			items, ok, err = s.Store.TakeOutbox(ctx, chat, s.token, outboxLockTTL)
			if err != nil || !ok {
				return err
			}
		}
		left, released, err := s.deliverItems(ctx, chat, s.token, items, queued, asReplies, sl)
		if released { // the last item's round trip gave the outbox back
			if err != nil || left == 0 {
				return err
			}
			continue // messages committed while delivering
		}
		left, ferr := s.Store.FinishOutbox(context.WithoutCancel(ctx), chat, s.token)
		if errors.Is(err, errHeld) {
			// Kept for the morning: the sweep looks again every 30 s.
			s.Log.Debug().Str("chat", chatRef(chat)).Msg("reminder held until civil hours")
			return ferr
		}
		if err == nil {
			err = ferr
		}
		// Messages committed while delivering: go round again.
		if err != nil || left == 0 {
			return err
		}
	}
}

// sendItem sends one item, or skips a stopped broadcast's, and records a
// broadcast's outcome.
func (s *Sender) sendItem(ctx context.Context, chat int64, it Outgoing) (outcome, error) {
	if it.Broadcast != "" && s.Broadcasts != nil {
		stopped, err := s.Broadcasts.BroadcastStopped(ctx, it.Broadcast)
		if err != nil {
			return "", err
		}
		if stopped {
			s.recordOutcome(ctx, chat, it, outSkipped)
			return outSkipped, nil
		}
	}
	out, err := s.sendWithRetry(ctx, chat, it)
	if err == nil {
		s.recordOutcome(ctx, chat, it, out)
	}
	return out, err
}

// recordOutcome records a broadcast item's outcome. A failure to record is
// logged, not retried: sending the message again would be worse than a
// count off by one.
func (s *Sender) recordOutcome(ctx context.Context, chat int64, it Outgoing, out outcome) {
	if it.Broadcast == "" || s.Broadcasts == nil {
		return
	}
	countCopy(out)
	var err error
	for try := range 3 { // the broadcast ends only when every copy has one
		if err = s.Broadcasts.BroadcastOutcome(ctx, it.Broadcast, chat, string(out)); err == nil {
			return
		}
		if !sleepCtx(ctx, time.Duration(try+1)*200*time.Millisecond) {
			break
		}
	}
	s.Log.Warn().Err(err).Str("broadcast", it.Broadcast).Msg("an announcement's outcome was not recorded")
}

// errSkipped is a broadcast's copy not sent: the broadcast was stopped.
var errSkipped = errors.New("broadcast stopped")

// errHeld stops a delivery at a reminder that may not go at this hour.
var errHeld = errors.New("reminder held until civil hours")

// deliverItems sends the items taken, removing each once accepted. When
// all went, the last removal also gave the outbox back (released), and
// left is how many items came meanwhile. queued, if any, is what the turn
// that took them had just queued.
func (s *Sender) deliverItems(ctx context.Context, chat int64, token string, items [][]byte, queued Queued, asReplies bool, sl *slot) (left int64, released bool, err error) {
	if len(items) == 0 {
		// Listed by the sweep, or kicked, but empty (and so not held):
		// unlist it, and say what came since.
		left, err := s.Store.SentLast(ctx, chat, token, 0)
		if errors.Is(err, storage.ErrOutboxLost) {
			return 0, true, nil // messages came and another process took them: its to deliver
		}
		return left, err == nil, err
	}
	for i, raw := range items {
		it, err := queued.decode(raw, i, len(items))
		if asReplies {
			it.Kind = KindReply
		}
		if err == nil && it.Kind == KindReminder && s.Civil != nil && s.Clock != nil {
			if now := s.Clock.Now(); s.Civil(now).After(now) {
				return 0, false, errHeld // this and what follows it, to keep the order
			}
		}
		if err != nil {
			s.Log.Error().Err(err).Str("chat", chatRef(chat)).Msg("unreadable outbox item dropped")
		} else if it.Kind == KindDropped {
			// An announcement /forget dropped: nothing to send.
		} else if out, err := s.sendItem(ctx, chat, it); err != nil {
			return 0, false, err
		} else if out == outBlocked {
			if err := s.Store.SetBlocked(ctx, chat, true); err != nil {
				return 0, false, err
			}
			// The rest is dropped; a broadcast's counts it as blocked too.
			for _, rest := range items[i+1:] {
				var r Outgoing
				if json.Unmarshal(rest, &r) == nil {
					s.recordOutcome(ctx, chat, r, outBlocked)
				}
			}
			_, err := s.Store.SentOutbox(ctx, chat, token, len(items)-i, outboxLockTTL)
			return 0, false, err
		}
		if i == len(items)-1 {
			// Nothing more to send: the slot is another chat's while the
			// removal waits to share its round trip.
			sl.release()
			left, err := s.Store.SentLast(ctx, chat, token, 1)
			return left, err == nil, err
		}
		if _, err := s.Store.SentOutbox(ctx, chat, token, 1, outboxLockTTL); err != nil {
			return 0, false, err
		}
	}
	return 0, false, nil
}

// outcome is how an outgoing item ended.
type outcome string

// The outcomes of an item (recorded as such for a broadcast's).
const (
	outDelivered outcome = "sent"    // Telegram accepted it
	outRefused   outcome = "failed"  // refused for good (400, 404...), or still failing after a broadcast's tries: dropped
	outBlocked   outcome = "blocked" // 403: the member blocked the bot
	outSkipped   outcome = "skipped" // a broadcast stopped before it went
)

// broadcastTries is how many times a broadcast's message is sent while the
// network or Telegram fails (5xx) before it is counted as failed; a
// member's own messages are tried until they go.
const broadcastTries = 4

// sendWithRetry sends one item until Telegram accepts or refuses it for
// good.
func (s *Sender) sendWithRetry(ctx context.Context, chat int64, it Outgoing) (outcome, error) {
	ctx = resultUnread(ctx) // accepted is all the sender needs to know
	backoff := 200 * time.Millisecond
	done := 0 // parts of a long text accepted so far: a retry sends the rest
	for try := 1; ; try++ {
		if err := s.waitPause(ctx); err != nil {
			return "", err
		}
		err := s.send(ctx, chat, it, &done)
		countSend(ctx, it, err)
		var tooMany *tgbot.TooManyRequestsError
		switch {
		case err == nil:
			return outDelivered, nil
		case errors.Is(err, errSkipped):
			return outSkipped, nil
		case errors.As(err, &tooMany):
			d := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
			s.pause(d)
			// The limit is the bot's: every process waits, not only this one.
			if p, ok := s.Rate.(interface {
				Pause(context.Context, time.Duration) error
			}); ok {
				if err := p.Pause(ctx, d); err != nil {
					s.Log.Warn().Err(err).Msg("429 heard, but other processes could not be told to pause")
				}
			}
			try--
			continue
		case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorBadRequest) && chatGone(err):
			s.Log.Info().Str("chat", chatRef(chat)).Msg("member blocked the bot or is gone: marked inactive")
			return outBlocked, nil
		case isDecodeOfAcceptedCall(err):
			// Telegram answered ok; only the library could not read the
			// answer: the message is delivered, sending it again would
			// duplicate it.
			return outDelivered, nil
		case errors.Is(err, tgbot.ErrorNotFound), errors.Is(err, tgbot.ErrorConflict), tgbot.IsMigrateError(err):
			s.Log.Error().Err(err).Str("chat", chatRef(chat)).Msg("Telegram cannot take this message; dropped")
			return outRefused, nil
		case errors.Is(err, tgbot.ErrorBadRequest) && it.Broadcast != "" && sourceGone(err):
			// The staff deleted the announcement: no copy can be made any
			// more. The broadcast stops (its report says why) rather than
			// fail once per member.
			s.Log.Warn().Str("broadcast", it.Broadcast).Msg("the announcement was deleted: broadcast stopped")
			if s.Broadcasts != nil {
				if err := s.Broadcasts.StopBroadcast(ctx, it.Broadcast, "deleted"); err != nil {
					return "", err
				}
			}
			return outRefused, nil
		case errors.Is(err, tgbot.ErrorBadRequest):
			// Retrying cannot help (an answer to a button pressed too long
			// ago, or a message Telegram refuses): log it and go on.
			s.Log.Error().Err(err).Str("chat", chatRef(chat)).Msg("Telegram refused a message; dropped")
			return outRefused, nil
		case errors.Is(err, tgbot.ErrorUnauthorized), ctx.Err() != nil:
			return "", err
		}
		if it.Broadcast != "" && try >= broadcastTries {
			s.Log.Warn().Err(err).Str("chat", chatRef(chat)).Int("tries", try).Msg("announcement not delivered; counted as failed")
			return outRefused, nil
		}
		s.Log.Warn().Err(err).Str("chat", chatRef(chat)).Dur("retry_in", backoff).Msg("send failed; retrying")
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", ctx.Err()
		case <-timer.C:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// send makes the Bot API calls an item needs: its document, if any, then
// its text, in one message or one per part of a long text, from call *done
// on; *done counts the calls accepted. The buttons go under the last one.
func (s *Sender) send(ctx context.Context, chat int64, it Outgoing, done *int) error {
	if it.CallbackID != "" {
		_, err := s.API.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: it.CallbackID})
		return err
	}
	if it.Copy != nil {
		if err := s.pace(ctx, chat, classOf(it)); err != nil {
			return err
		}
		// Stopped while this copy waited for its turn: it does not go.
		if it.Broadcast != "" && s.Broadcasts != nil {
			if stopped, err := s.Broadcasts.BroadcastStopped(ctx, it.Broadcast); err != nil {
				return err
			} else if stopped {
				return errSkipped
			}
		}
		return s.copyMessage(ctx, chat, it.Copy)
	}
	var parts []string
	if it.Doc == nil || strings.TrimSpace(it.Text) != "" { // a document needs no text (Telegram refuses an empty one)
		parts = splitText(it.Text, maxMessageLen)
	}
	first := 0 // the index of the first text part among the calls
	if it.Doc != nil {
		first = 1
	}
	calls := first + len(parts)
	for i := *done; i < calls; i++ {
		if err := s.pace(ctx, chat, classOf(it)); err != nil {
			return err
		}
		var buttons [][]ReplyButton
		if i == calls-1 {
			buttons = it.Buttons
		}
		if i < first {
			if err := s.sendDocument(ctx, chat, it.Doc, buttons); err != nil {
				return err
			}
			*done = i + 1
			continue
		}
		p := &tgbot.SendMessageParams{
			ChatID:             chat,
			Text:               parts[i-first],
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		}
		if len(buttons) > 0 {
			p.ReplyMarkup = keyboardOf(buttons)
		}
		if err := s.sendMessage(ctx, p); err != nil {
			return err
		}
		*done = i + 1
	}
	return nil
}

// sendMessage makes one sendMessage call, by Direct when set.
func (s *Sender) sendMessage(ctx context.Context, p *tgbot.SendMessageParams) error {
	if s.Direct != nil {
		return s.Direct.call(ctx, "sendMessage", p)
	}
	_, err := s.API.SendMessage(ctx, p)
	return err
}

// chatGone recognises Telegram's 400 for a chat that no longer exists (a
// deleted account): like a block, the member is inactive.
func chatGone(err error) bool {
	return strings.Contains(err.Error(), "chat not found") || strings.Contains(err.Error(), "user is deactivated")
}

// sourceGone recognises Telegram's 400 for a copy whose original message
// was deleted.
func sourceGone(err error) bool {
	return strings.Contains(err.Error(), "message to copy not found")
}

// isDecodeOfAcceptedCall recognises the library's error for an ok answer
// whose result it could not decode.
func isDecodeOfAcceptedCall(err error) bool {
	return strings.Contains(err.Error(), "error decode response result")
}

// pause makes every send wait d (Telegram's retry_after applies to the bot).
func (s *Sender) pause(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := time.Now().Add(d); until.After(s.pausedTil) {
		s.pausedTil = until
	}
}

func (s *Sender) waitPause(ctx context.Context) error {
	s.mu.Lock()
	d := time.Until(s.pausedTil)
	s.mu.Unlock()
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// inlineKeyboard is an inline keyboard as the Bot API specifies it: each
// button has its text and exactly one action. (The library's
// models.InlineKeyboardButton always sends an empty copy_text, which
// Telegram refuses.)
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

func keyboardOf(rows [][]ReplyButton) inlineKeyboard {
	kb := inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, row := range rows {
		out := make([]inlineButton, 0, len(row))
		for _, b := range row {
			out = append(out, inlineButton{Text: b.Label, CallbackData: b.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	return kb
}

// maxMessageLen is Telegram's limit on a message's text, in UTF-16 units.
const maxMessageLen = 4096

// splitText cuts a text longer than limit UTF-16 units at line ends (our
// markup never spans lines), so that each part is a valid message.
func splitText(text string, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	var cur []rune
	curLen := 0
	flush := func() {
		// Blanks alone are no message (Telegram refuses an empty text).
		if strings.TrimSpace(string(cur)) != "" {
			parts = append(parts, string(cur))
		}
		cur, curLen = nil, 0
	}
	for _, line := range splitLines(text) {
		n := utf16Len(line)
		if curLen+n > limit {
			flush()
		}
		for n > limit { // a single line longer than a message: cut it
			r := []rune(line)
			cut := 0
			for l := 0; cut < len(r) && l+utf16.RuneLen(r[cut]) <= limit; cut++ {
				l += utf16.RuneLen(r[cut])
			}
			parts = append(parts, string(r[:cut]))
			line = string(r[cut:])
			n = utf16Len(line)
		}
		cur = append(cur, []rune(line)...)
		curLen += n
	}
	flush()
	return parts
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			lines = append(lines, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
