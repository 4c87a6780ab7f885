package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// sentUpdate is one update a member sent, as the load saw it.
type sentUpdate struct {
	chat    int64
	step    int       // its place in the journey
	calls   int       // the messages its reply is made of
	want    time.Time // when the member meant to send it (open loop: its due time)
	posted  time.Time // its webhook POST began (one of the connections was free)
	acked   time.Time // the webhook answered
	status  int       // the webhook's last answer (0: none)
	retries int       // deliveries again after an answer other than 200
	replied bool      // every message of its reply came before the member gave up
}

// member is one simulated doctor: it goes through its journey, one update
// at a time, each only after the whole reply to the one before came, then
// starts again as a new member (a new chat).
type member struct {
	index   int
	journey journey
	trigger chan time.Time // open loop: the due time of its next update

	mu      sync.Mutex
	chat    int64         // the chat of the journey under way
	waiting int           // messages of the reply still to come; 0: no update in flight
	done    chan struct{} // the reply is complete
	strays  int           // messages to its chat while none was expected

	sent []sentUpdate // only the member's goroutine touches it until the load ends
}

// load drives the members against one webhook, through the fake Bot API's
// Deliver (as Telegram posts: the JSON update, the secret header), at most
// conns updates at once, and hears of the replies through replied.
type load struct {
	cfg     updatesConfig
	fake    *telegramtest.Server
	floor   bool // the floor answers every update with one message and no buttons
	members []*member
	conns   chan struct{} // a free webhook connection
	ready   chan *member  // open loop: members ready for their next update

	nextUpdate atomic.Int64
	acked      atomic.Int64 // webhook answers 200
	shortfall  atomic.Int64 // open loop: updates due when no member was ready
	timeouts   atomic.Int64 // replies not complete within -timeout
	failed     atomic.Int64 // updates the webhook did not take after retries
	mismatches atomic.Int64 // presses of a button the bot had not shown
	lost       atomic.Int64 // messages to chats of no member

	stopping chan struct{} // closed: no more updates begin
	wg       sync.WaitGroup
}

// maxDeliveries bounds how many times one update is posted: Telegram keeps
// trying for longer, but a benchmark that sees this many 503s has its
// answer.
const maxDeliveries = 3

func newLoad(cfg updatesConfig, fake *telegramtest.Server, journeys []journey, floor bool) *load {
	l := &load{cfg: cfg, fake: fake, floor: floor, conns: make(chan struct{}, cfg.conns),
		stopping: make(chan struct{})}
	l.members = make([]*member, cfg.members)
	for i := range l.members {
		l.members[i] = &member{index: i, journey: journeys[i%len(journeys)],
			trigger: make(chan time.Time, 1), done: make(chan struct{}, 1)}
	}
	if cfg.rate > 0 {
		l.ready = make(chan *member, cfg.members)
	}
	return l
}

// chatOf is the chat of member i's journey n: every journey is a new
// member for the bot.
func (l *load) chatOf(i, n int) int64 { return firstChat + int64(n)*int64(len(l.members)) + int64(i) }

// replied hears that the Bot API accepted a message to chat (called from
// the bot's own HTTP client, so it must be quick).
func (l *load) replied(chat int64) {
	if chat < firstChat {
		l.lost.Add(1)
		return
	}
	m := l.members[(chat-firstChat)%int64(len(l.members))]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.chat != chat || m.waiting == 0 {
		m.strays++
		return
	}
	if m.waiting--; m.waiting == 0 {
		select {
		case m.done <- struct{}{}:
		default:
		}
	}
}

// start sets the members going, and in open loop the dispatcher that
// offers -rate updates a second from start on.
func (l *load) start(ctx context.Context, start time.Time) {
	for _, m := range l.members {
		l.wg.Go(func() { l.run(ctx, m) })
	}
	if l.ready != nil {
		l.wg.Go(func() { l.dispatch(start) })
	}
}

// stop lets no more updates begin, waits for those in flight (their
// replies, or -timeout), and closes the webhook connections.
func (l *load) stop() {
	close(l.stopping)
	l.wg.Wait()
	// As Telegram hangs up: the webhook's Shutdown waits for connections
	// dialled but never used.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// run is one member's life: journeys one after the other until the load
// stops. A journey whose update went wrong is left for a new one.
func (l *load) run(ctx context.Context, m *member) {
	first := true
	for n := 0; ; n++ {
		m.mu.Lock()
		if n > 0 {
			l.fake.ForgetChat(m.chat) // the member is done with it
		}
		m.chat = l.chatOf(m.index, n)
		m.mu.Unlock()
		for i := range m.journey {
			want, ok := l.next(m, first)
			first = false
			if !ok {
				return
			}
			if !l.send(ctx, m, i, want) {
				break
			}
		}
	}
}

// next waits until the member's next update may go and returns when it
// was meant to: in closed loop after thinking -think (the first time a
// random part of it, so that the members do not all start at once); in
// open loop when the dispatcher gives it a due time, having thought
// -think since the last reply. It returns false once the load stops.
func (l *load) next(m *member, first bool) (time.Time, bool) {
	think := l.cfg.think
	if first {
		think = rand.N(l.cfg.think + 1)
		if l.ready != nil {
			think = 0
		}
	}
	if think > 0 {
		t := time.NewTimer(think)
		select {
		case <-l.stopping:
			t.Stop()
			return time.Time{}, false
		case <-t.C:
		}
	}
	if l.ready == nil {
		select {
		case <-l.stopping:
			return time.Time{}, false
		default:
			return time.Now(), true
		}
	}
	l.ready <- m // never blocks: it holds every member
	select {
	case <-l.stopping:
		return time.Time{}, false
	case due := <-m.trigger:
		return due, true
	}
}

// dispatch offers -rate updates a second from start until the load stops,
// each to a member ready for its next one; when none is, the update is
// not offered and counted as a shortfall.
func (l *load) dispatch(start time.Time) {
	for k := int64(0); ; k++ {
		due := start.Add(time.Duration(k * int64(time.Second) / int64(l.cfg.rate)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case <-l.stopping:
			return
		default:
		}
		select {
		case m := <-l.ready:
			m.trigger <- due
		default:
			l.shortfall.Add(1)
		}
	}
}

// send posts step as member m's next update and waits for its reply; it
// returns false if the journey cannot go on (the button was not shown,
// the webhook refused the update, the reply did not come).
func (l *load) send(ctx context.Context, m *member, i int, want time.Time) bool {
	chat, step := m.chat, m.journey[i]
	// As a member reads the chat before pressing: the bot's last
	// messages there, and the button among them.
	msgID, shown := 0, false
	for _, s := range l.fake.Sent(chat) {
		msgID = s.MessageID
		for _, row := range s.Buttons {
			for _, b := range row {
				shown = shown || b.CallbackData == step.data
			}
		}
	}
	if step.data != "" && !shown && !l.floor {
		l.mismatches.Add(1)
		return false
	}
	calls := step.calls
	if l.floor {
		calls = 1
	}
	id := l.nextUpdate.Add(1)
	u := updateOf(id, chat, step, msgID)

	m.mu.Lock()
	m.waiting = calls // before the POST: the reply may come before its answer
	select {
	case <-m.done:
	default:
	}
	m.mu.Unlock()
	rec := sentUpdate{chat: chat, step: i, calls: calls, want: want}
	select {
	case l.conns <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	rec.posted = time.Now()
	for {
		status, retryAfter, err := l.fake.Deliver(ctx, u)
		rec.status = status
		if err != nil || status == http.StatusOK || rec.retries+1 >= maxDeliveries {
			break
		}
		// As Telegram does: the same update again, after Retry-After.
		rec.retries++
		wait, _ := strconv.Atoi(retryAfter)
		time.Sleep(time.Duration(max(wait, 1)) * time.Second)
	}
	<-l.conns
	rec.acked = time.Now()
	ok := rec.status == http.StatusOK
	if ok {
		l.acked.Add(1)
		t := time.NewTimer(l.cfg.timeout)
		select {
		case <-m.done:
			rec.replied = true
		case <-t.C:
			l.timeouts.Add(1)
		case <-ctx.Done():
		}
		t.Stop()
		ok = rec.replied
	} else {
		l.failed.Add(1)
	}
	m.mu.Lock()
	m.waiting = 0
	m.mu.Unlock()
	m.sent = append(m.sent, rec)
	return ok
}

// updateOf is the Telegram update of step in chat: a message typed (with
// its bot_command entity), or a button of message msgID pressed.
func updateOf(id, chat int64, step journeyStep, msgID int) map[string]any {
	from := map[string]any{"id": chat, "is_bot": false, "first_name": "Dottoressa", "language_code": "it"}
	inChat := map[string]any{"id": chat, "type": "private", "first_name": "Dottoressa"}
	date := time.Now().Unix()
	if step.data != "" {
		return map[string]any{"update_id": id, "callback_query": map[string]any{
			"id": strconv.FormatInt(id, 10), "from": from, "chat_instance": strconv.FormatInt(chat*31+7, 10),
			"data":    step.data,
			"message": map[string]any{"message_id": msgID, "chat": inChat, "date": date},
		}}
	}
	msg := map[string]any{"message_id": id, "from": from, "chat": inChat, "date": date, "text": step.text}
	if len(step.text) > 1 && step.text[0] == '/' {
		msg["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": len(step.text)}}
	}
	return map[string]any{"update_id": id, "message": msg}
}

// updates is every update sent, member by member, each member's in order.
func (l *load) updates() []sentUpdate {
	var all []sentUpdate
	for _, m := range l.members {
		all = append(all, m.sent...)
	}
	return all
}

// strays is the messages to members' chats while none was expected.
func (l *load) strays() int {
	n := 0
	for _, m := range l.members {
		m.mu.Lock()
		n += m.strays
		m.mu.Unlock()
	}
	return n
}
