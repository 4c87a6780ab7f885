package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// The sender against the fake Bot API over HTTP and a real redis-server:
// what a member notices is which messages arrive, in which order, and how
// many times.

const senderToken = "4242:sender-test"

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// senderRig is a Sender wired to a fake Bot API and a real Redis.
type senderRig struct {
	fake   *telegramtest.Server
	rdb    redis.UniversalClient
	store  *storage.Store
	sender *Sender
	logs   *syncBuffer
	nextID int64
}

// newSenderRig starts the fake and Redis. client, if not nil, is the HTTP
// client of the Bot API calls (a short timeout to give up on a hung call).
func newSenderRig(t *testing.T, client tgbot.HttpClient) *senderRig {
	t.Helper()
	fake := telegramtest.New(t, senderToken)
	rdb := redistest.Start(t)
	store := storage.New(rdb, storage.Options{})
	opts := []tgbot.Option{tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe()}
	if client != nil {
		opts = append(opts, tgbot.WithHTTPClient(time.Second, client))
	} else {
		client = http.DefaultClient
	}
	api, err := tgbot.New(senderToken, opts...)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	sender := NewSender(t.Context(), api, store, zerolog.New(logs))
	sender.Direct = NewDirect(fake.URL(), senderToken, client) // as cmd/pecbot wires it
	return &senderRig{fake: fake, rdb: rdb, store: store, logs: logs, nextID: 1, sender: sender}
}

// queue commits items to chat's outbox the way a handled update does.
func (r *senderRig) queue(t *testing.T, chat int64, items ...Outgoing) {
	t.Helper()
	ctx := t.Context()
	raw := make([][]byte, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		raw[i] = b
	}
	state, err := dialogs.Encode(dialogs.State{Lang: "it"})
	if err != nil {
		t.Fatal(err)
	}
	id := r.nextID
	r.nextID++
	turn, err := r.store.Begin(ctx, chat, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.Commit(ctx, chat, id, turn, state, raw, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

// settled fails the test unless chat's outbox is empty, nobody is
// delivering it and the sweep has nothing left to do for it.
func (r *senderRig) settled(t *testing.T, chat int64) {
	t.Helper()
	ctx := t.Context()
	if n, err := r.rdb.LLen(ctx, fmt.Sprintf("pecbot:{%d}:outbox", chat)).Result(); err != nil || n != 0 {
		t.Errorf("chat %d: %d messages left in the outbox (%v), want none", chat, n, err)
	}
	if n, err := r.rdb.Exists(ctx, fmt.Sprintf("pecbot:{%d}:sending", chat)).Result(); err != nil || n != 0 {
		t.Errorf("chat %d: the outbox is still held by a delivery (%v)", chat, err)
	}
	pending, err := r.store.PendingOutboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range pending {
		if c == chat {
			t.Errorf("chat %d is still listed for the sweep", chat)
		}
	}
}

func plains(sent []telegramtest.Sent) []string {
	out := make([]string, len(sent))
	for i, s := range sent {
		out[i] = s.Plain
	}
	return out
}

func statuses(calls []telegramtest.Call) []int {
	out := make([]int, len(calls))
	for i, c := range calls {
		out[i] = c.Status
	}
	return out
}

// A 429 pauses the sender for retry_after; then the message goes, once,
// and so does the next one: nothing lost, nothing twice.
func TestSenderTooManyRequests(t *testing.T) {
	const chat = 101
	r := newSenderRig(t, nil)
	r.queue(t, chat, Outgoing{Text: "uno"}, Outgoing{Text: "due"})
	r.fake.Fail("sendMessage", 1, telegramtest.TooMany(1))

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	calls := r.fake.CallsOf("sendMessage")
	if got := statuses(calls); len(got) != 3 || got[0] != http.StatusTooManyRequests || got[1] != 200 || got[2] != 200 {
		t.Fatalf("sendMessage answers %v, want [429 200 200]", got)
	}
	// retry_after is a lower bound: the retry cannot come before it.
	if gap := calls[1].At.Sub(calls[0].At); gap < time.Second {
		t.Errorf("the retry came %v after the 429, before retry_after (1s)", gap)
	}
	if got := plains(r.fake.Sent(chat)); strings.Join(got, ",") != "uno,due" {
		t.Errorf("the member got %q, want [uno due]", got)
	}
	r.settled(t, chat)
}

// A 429 heard by one process pauses the other processes too: Telegram's
// limit is the bot's.
func TestSenderTooManyRequestsPausesEveryProcess(t *testing.T) {
	const chat, other = 111, 112
	r := newSenderRig(t, nil)
	r.sender.Rate = r.store.SendRate(1000)
	api, err := tgbot.New(senderToken, tgbot.WithServerURL(r.fake.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	second := NewSender(t.Context(), api, storage.New(r.rdb, storage.Options{}), zerolog.Nop()) // another process
	second.Rate = storage.New(r.rdb, storage.Options{}).SendRate(1000)
	r.queue(t, chat, Outgoing{Text: "uno"})
	r.queue(t, other, Outgoing{Text: "altro"})
	r.fake.Fail("sendMessage", 1, telegramtest.TooMany(2))
	first := make(chan error, 1)
	go func() { first <- r.sender.Deliver(t.Context(), chat) }()
	r.fake.WaitCalls(t, "sendMessage", 1) // the 429
	// ...heard by the first process once it has paused the shared pace.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ttl, _ := r.rdb.PTTL(t.Context(), "rate:pecbot:rate:send").Result(); ttl > time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 429 did not pause the shared pace")
		}
		time.Sleep(time.Millisecond) // polling Redis for the pause, not waiting for it to pass
	}
	if err := second.Deliver(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	calls := r.fake.CallsOf("sendMessage")
	if got := statuses(calls); len(got) != 3 || got[0] != http.StatusTooManyRequests {
		t.Fatalf("sendMessage answers %v, want [429 200 200]", got)
	}
	// Neither process sent before retry_after (a lower bound).
	for _, c := range calls[1:] {
		if gap := c.At.Sub(calls[0].At); gap < 1900*time.Millisecond {
			t.Errorf("a message went %v after the 429 (retry_after 2s): not every process paused", gap)
		}
	}
	r.settled(t, chat)
	r.settled(t, other)
}

// A member who blocked the bot (403) is marked blocked in Redis; the rest of
// their outbox is dropped and never retried; other members are not held up.
func TestSenderBlocked(t *testing.T) {
	const chat, other = 102, 103
	ctx := t.Context()
	r := newSenderRig(t, nil)
	r.queue(t, chat, Outgoing{Text: "uno"}, Outgoing{Text: "due"}, Outgoing{Text: "tre"})
	r.queue(t, other, Outgoing{Text: "per l'altro"})
	r.fake.Fail("sendMessage", 1, telegramtest.Blocked())

	if err := r.sender.Deliver(ctx, chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if blocked, err := r.store.Blocked(ctx, chat); err != nil || !blocked {
		t.Errorf("after a 403 the member is blocked=%v (%v), want true", blocked, err)
	}
	if got := statuses(r.fake.CallsOf("sendMessage")); len(got) != 1 || got[0] != http.StatusForbidden {
		t.Errorf("sendMessage answers %v, want one 403 and no retries", got)
	}
	r.settled(t, chat)
	// The sweep finds nothing for them; delivering again sends nothing.
	if err := r.sender.Deliver(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if n := len(r.fake.CallsOf("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls after delivering the blocked chat again, want still 1", n)
	}
	if sent := r.fake.Sent(chat); len(sent) != 0 {
		t.Errorf("the blocked member was sent %q", plains(sent))
	}

	if err := r.sender.Deliver(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got := plains(r.fake.Sent(other)); len(got) != 1 || got[0] != "per l'altro" {
		t.Errorf("another member got %q, want their message", got)
	}
	if blocked, _ := r.store.Blocked(ctx, other); blocked {
		t.Error("another member was marked blocked")
	}
}

// 500 twice, then OK: the message arrives once.
func TestSenderServerErrors(t *testing.T) {
	const chat = 104
	r := newSenderRig(t, nil)
	r.queue(t, chat, Outgoing{Text: "dopo due errori"})
	r.fake.Fail("sendMessage", 2, telegramtest.ServerError())

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := statuses(r.fake.CallsOf("sendMessage")); fmt.Sprint(got) != "[500 500 200]" {
		t.Errorf("sendMessage answers %v, want [500 500 200]", got)
	}
	if got := plains(r.fake.Sent(chat)); len(got) != 1 || got[0] != "dopo due errori" {
		t.Errorf("the member got %q, want the message once", got)
	}
	r.settled(t, chat)
}

// A call that never answers: the client gives up (its timeout) and the
// sender tries again; the message arrives once.
func TestSenderHungCall(t *testing.T) {
	const chat = 105
	r := newSenderRig(t, &http.Client{Timeout: 300 * time.Millisecond})
	r.queue(t, chat, Outgoing{Text: "dopo un'attesa"})
	r.fake.Fail("sendMessage", 1, telegramtest.Hang())

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	calls := r.fake.CallsOf("sendMessage")
	if len(calls) != 2 || calls[0].Fault == nil || !calls[0].Fault.Hang || calls[0].Status != 0 || calls[1].Status != 200 {
		t.Fatalf("sendMessage calls %+v, want one hung (unanswered) then one accepted", calls)
	}
	if got := plains(r.fake.Sent(chat)); len(got) != 1 || got[0] != "dopo un'attesa" {
		t.Errorf("the member got %q, want the message once", got)
	}
	if !strings.Contains(r.logs.String(), "send failed; retrying") {
		t.Errorf("the give-up was not logged:\n%s", r.logs.String())
	}
	r.settled(t, chat)
}

// longText is about n UTF-16 units of Telegram HTML in lines, with
// emoji (two units each) and escaped characters, and the text the member
// reads.
func longText(n int) (html, plain string) {
	var h, p strings.Builder
	for i := 1; utf16Len(h.String()) < n; i++ {
		fmt.Fprintf(&h, "<b>Passo %d</b> — controlla la casella 📬 &amp; la cartella «spam» %s\n", i, strings.Repeat("é", i%7))
		fmt.Fprintf(&p, "Passo %d — controlla la casella 📬 & la cartella «spam» %s\n", i, strings.Repeat("é", i%7))
	}
	return h.String(), p.String()
}

// A text longer than a message (4096 UTF-16 units) arrives as several valid
// messages (the fake refuses a longer one, or broken markup), in order,
// all of it, with the buttons under the last part.
func TestSenderLongText(t *testing.T) {
	const chat = 106
	r := newSenderRig(t, nil)
	html, plain := longText(3*maxMessageLen + 500)
	buttons := [][]ReplyButton{{{Label: "Avanti", Data: "1|menu|go|"}}, {{Label: "🏠 Menu", Data: "1|menu|menu|"}}}
	r.queue(t, chat, Outgoing{Text: html, Buttons: buttons}, Outgoing{Text: "e poi questo"})

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	for _, c := range r.fake.CallsOf("sendMessage") {
		if c.Status != 200 || c.Rejected != "" {
			t.Errorf("a sendMessage call was refused: HTTP %d %s", c.Status, c.Rejected)
		}
	}
	sent := r.fake.Sent(chat)
	if len(sent) < 5 {
		t.Fatalf("%d messages sent, want the long text in at least 4 parts and the next message", len(sent))
	}
	parts, last := sent[:len(sent)-1], sent[len(sent)-1]
	if last.Plain != "e poi questo" || last.Buttons != nil {
		t.Errorf("the message after the long one: %q, buttons %v", last.Plain, last.Buttons)
	}
	var got strings.Builder
	for i, p := range parts {
		got.WriteString(p.Plain)
		if n := utf16Len(p.Plain); n > maxMessageLen {
			t.Errorf("part %d is %d UTF-16 units long", i+1, n)
		}
		if i < len(parts)-1 && p.Buttons != nil {
			t.Errorf("part %d of %d has the buttons", i+1, len(parts))
		}
	}
	if got.String() != plain {
		t.Errorf("the parts do not add up to the text: %d characters sent, %d written", len(got.String()), len(plain))
	}
	if b := parts[len(parts)-1].Buttons; len(b) != 2 || b[0][0].Text != "Avanti" || b[0][0].CallbackData != "1|menu|go|" || b[1][0].Text != "🏠 Menu" {
		t.Errorf("the last part's buttons: %+v, want the message's", b)
	}
	r.settled(t, chat)
}

// Lines longer than a message are cut; what is left at a cut is never a
// message of blanks only (Telegram refuses an empty text, which would drop
// the rest of the text and its buttons).
func TestSenderLongLines(t *testing.T) {
	const chat = 107
	r := newSenderRig(t, nil)
	a, b := strings.Repeat("A", maxMessageLen), strings.Repeat("🅱", maxMessageLen/2) // each exactly one message
	text := a + "\n" + b + "\n\n" + strings.Repeat("c", maxMessageLen+10)
	r.queue(t, chat, Outgoing{Text: text, Buttons: [][]ReplyButton{{{Label: "OK", Data: "1|x|ok|"}}}})

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	for _, c := range r.fake.CallsOf("sendMessage") {
		if c.Status != 200 {
			t.Errorf("a part was refused: HTTP %d %s", c.Status, c.Rejected)
		}
	}
	sent := r.fake.Sent(chat)
	var all strings.Builder
	for _, s := range sent {
		all.WriteString(s.Plain)
	}
	if strings.Join(strings.Fields(all.String()), "") != strings.Join(strings.Fields(text), "") {
		t.Errorf("the parts do not add up to the text (%d parts)", len(sent))
	}
	if len(sent) == 0 || sent[len(sent)-1].Buttons == nil {
		t.Error("the buttons did not arrive")
	}
	r.settled(t, chat)
}

// gatedClient is an HTTP client that holds back the n-th sendMessage until
// released, so that a test can change the fake's behaviour at that point.
type gatedClient struct {
	n       int32
	count   atomic.Int32
	arrived chan struct{}
	release chan struct{}
}

func (g *gatedClient) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/sendMessage") && g.count.Add(1) == g.n {
		close(g.arrived)
		select {
		case <-g.release:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return http.DefaultClient.Do(req)
}

// A long text's second part fails transiently: the retry sends what is
// missing, not the first part again.
func TestSenderLongTextRetryResumes(t *testing.T) {
	const chat = 108
	gate := &gatedClient{n: 2, arrived: make(chan struct{}), release: make(chan struct{})}
	r := newSenderRig(t, gate)
	html, plain := longText(maxMessageLen + 100) // two parts
	r.queue(t, chat, Outgoing{Text: html})

	done := make(chan error, 1)
	go func() { done <- r.sender.Deliver(t.Context(), chat) }()
	select {
	case <-gate.arrived: // the first part was accepted; the second is on its way
	case err := <-done:
		t.Fatalf("Deliver returned %v before the second part", err)
	}
	r.fake.Fail("sendMessage", 1, telegramtest.ServerError())
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := statuses(r.fake.CallsOf("sendMessage")); fmt.Sprint(got) != "[200 500 200]" {
		t.Errorf("sendMessage answers %v, want [200 500 200]", got)
	}
	sent := r.fake.Sent(chat)
	if len(sent) != 2 || sent[0].Plain+sent[1].Plain != plain {
		t.Errorf("the member got %d messages, want the text once, in 2 parts", len(sent))
	}
	r.settled(t, chat)
}

// A Bot API slow to answer one chat holds up that chat only: another
// chat's message goes meanwhile; once the answers come, the slow chat's
// messages follow, in order, each once (a slow answer is waited for, not
// taken for a failure and sent again).
func TestSenderSlowAnswer(t *testing.T) {
	const slow, other = 107, 108
	r := newSenderRig(t, nil)
	release := make(chan struct{})
	r.fake.FailChat(slow, telegramtest.Slow(release))
	r.queue(t, slow, Outgoing{Text: "uno"}, Outgoing{Text: "due"})
	r.queue(t, other, Outgoing{Text: "ciao"})
	r.sender.Kick(slow)
	r.sender.Kick(other)

	calls := r.fake.WaitCalls(t, "sendMessage", 1) // recorded once answered: the other chat's
	if chat, _ := calls[0].Params["chat_id"].(int64); chat != other {
		t.Fatalf("the first message answered went to chat %d, want %d", chat, other)
	}
	if got := plains(r.fake.Sent(other)); len(got) != 1 || got[0] != "ciao" {
		t.Errorf("the other chat got %q while the slow one waited, want ciao", got)
	}
	if got := r.fake.Sent(slow); len(got) != 0 {
		t.Errorf("the slow chat got %d messages before its answer came", len(got))
	}
	close(release)
	r.sender.Close() // waits for the deliveries
	if got := plains(r.fake.Sent(slow)); len(got) != 2 || got[0] != "uno" || got[1] != "due" {
		t.Errorf("the slow chat got %q, want uno, due", got)
	}
	n := 0
	for _, c := range r.fake.CallsOf("sendMessage") {
		if chat, _ := c.Params["chat_id"].(int64); chat == slow {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d calls to the slow chat, want 2 (none sent again)", n)
	}
	r.settled(t, slow)
	r.settled(t, other)
}

// A reminder's turn hands its outbox over to this process's delivery
// (the commit takes it); every bulk slot is busy with a backlog, so the
// delivery lets the commit's hold go and waits; a reply kicked for the
// chat while the turn was committing moves it to the replies' slots: the
// message goes, once, and the outbox is left settled. A second Handover
// of the chat meanwhile gets none (the delivery reserved takes all).
func TestHandoverReplyKickedMeanwhile(t *testing.T) {
	const chat = 109
	r := newSenderRig(t, nil)
	for range maxDeliveries {
		r.sender.bulkSlots <- struct{}{} // a backlog holds every bulk slot
	}
	h := r.sender.Handover(chat, KindReminder)
	if h == nil {
		t.Fatal("no handover for a chat nobody delivers")
	}
	if again := r.sender.Handover(chat, KindReply); again != nil {
		t.Fatal("a second handover of a chat already reserved")
	}
	ctx := t.Context()
	turn, err := r.store.Begin(ctx, chat, 1)
	if err != nil {
		t.Fatal(err)
	}
	item, err := Outgoing{Text: "promemoria", Kind: KindReminder}.encode()
	if err != nil {
		t.Fatal(err)
	}
	turn.Handover = h
	if err := r.store.Commit(ctx, chat, 1, turn, []byte(`{}`), [][]byte{item}, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if !h.Taken {
		t.Fatal("the commit did not take the outbox")
	}
	r.sender.KickAs(chat, KindReply) // while the turn commits
	r.sender.HandedOver(chat, KindReminder, h, Queued{Raw: [][]byte{item}, Items: []Outgoing{{Text: "promemoria", Kind: KindReminder}}})

	r.fake.WaitCalls(t, "sendMessage", 1)
	r.sender.Close()
	if got := plains(r.fake.Sent(chat)); len(got) != 1 || got[0] != "promemoria" {
		t.Errorf("the member got %q, want the reminder once", got)
	}
	r.settled(t, chat)
	if h := r.sender.Handover(chat, KindReply); h != nil {
		t.Error("a handover from a sender closed")
	}
}

// A turn's commit hands over the chat's outbox while an older message
// still waits in it (its delivery failed): the older one is read as
// stored, the turn's own go as the turn made them, and the member gets
// both, in order, each once, with the new one's buttons.
func TestHandoverWithAnOlderMessageWaiting(t *testing.T) {
	const chat = 110
	r := newSenderRig(t, nil)
	r.queue(t, chat, Outgoing{Text: "vecchio"}) // not kicked: it waits
	ctx := t.Context()
	buttons := [][]ReplyButton{{{Label: "Menu", Data: "1|x|menu|"}}}
	queued, err := outboxOf([]Reply{{Text: "<b>nuovo</b>", Buttons: buttons}}, "", KindReply)
	if err != nil {
		t.Fatal(err)
	}
	h := r.sender.Handover(chat, KindReply)
	if h == nil {
		t.Fatal("no handover for a chat nobody delivers")
	}
	turn, err := r.store.Begin(ctx, chat, r.nextID)
	if err != nil {
		t.Fatal(err)
	}
	turn.Handover = h
	if err := r.store.Commit(ctx, chat, r.nextID, turn, []byte(`{}`), queued.Raw, 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if !h.Taken || len(h.Items) != 2 {
		t.Fatalf("the commit took %d items (taken %v), want the older one and the new one", len(h.Items), h.Taken)
	}
	r.sender.HandedOver(chat, KindReply, h, queued)
	r.fake.WaitCalls(t, "sendMessage", 2)
	r.sender.Close()
	if got := plains(r.fake.Sent(chat)); len(got) != 2 || got[0] != "vecchio" || got[1] != "nuovo" {
		t.Errorf("the member got %q, want vecchio, then nuovo", got)
	}
	calls := r.fake.CallsOf("sendMessage")
	if len(calls) != 2 || !strings.Contains(fmt.Sprint(calls[1].Params["reply_markup"]), "1|x|menu|") {
		t.Errorf("the new message's call %v lacks its button", calls)
	}
	r.settled(t, chat)
}

// An outbox found empty, and meanwhile filled and taken by another
// process's commit: this delivery ends quietly (no error, so no warning
// and no back-off), the other process delivers, and nothing is removed.
func TestEmptyOutboxTakenMeanwhile(t *testing.T) {
	const chat = 111
	r := newSenderRig(t, nil)
	ctx := t.Context()
	items, ok, err := r.store.TakeOutbox(ctx, chat, r.sender.token, time.Minute)
	if err != nil || !ok || len(items) != 0 {
		t.Fatalf("TakeOutbox = %q, %v, %v; want an empty outbox", items, ok, err)
	}
	r.queue(t, chat, Outgoing{Text: "per l'altro processo"})
	if _, ok, err := r.store.TakeOutbox(ctx, chat, storage.NewSenderToken(), time.Minute); !ok || err != nil {
		t.Fatalf("the other process could not take the outbox: %v, %v", ok, err)
	}
	left, released, err := r.sender.deliverItems(ctx, chat, r.sender.token, nil, Queued{}, false, nil)
	if err != nil || !released || left != 0 {
		t.Errorf("deliverItems = %d, %v, %v; want a quiet end", left, released, err)
	}
	if box, _ := r.store.Outbox(ctx, chat); len(box) != 1 {
		t.Errorf("outbox %q; want the other process's message kept", box)
	}
}
