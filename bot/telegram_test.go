package bot

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
	"github.com/omceo-latina/pecbot/storage"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// hookRig is the Telegram transport behind its webhook handler, fed by the
// fake Bot API (which posts updates as Telegram does), with a real Redis.
type hookRig struct {
	fake  *telegramtest.Server
	tg    *Telegram
	store *storage.Store
	logs  *syncBuffer
	rds   *redistest.Server
	hook  string // the webhook's URL
	rdb   redis.UniversalClient
}

func newHookRig(t testing.TB, dialog *dialogs.Dialog) *hookRig {
	t.Helper()
	const secret = "hook-secret"
	fake := telegramtest.New(t, senderToken)
	rds := redistest.StartServer(t)
	store := storage.New(rds.Client(), storage.Options{})
	api, err := tgbot.New(senderToken, tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	texts, err := locales.New(locales.Latina(), rome(t))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := zerolog.New(logs)
	tg := &Telegram{
		Conv:   &Conversation{Dialog: dialog, Texts: texts, Lang: "it"},
		Turns:  store,
		Clock:  FixedClock(time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))),
		Log:    log,
		Sender: NewSender(t.Context(), api, store, log),
	}
	hook := httptest.NewServer(WebhookHandler(secret, func(r *http.Request, u *models.Update) error {
		return tg.Handle(r.Context(), u)
	}, log))
	t.Cleanup(hook.Close)
	t.Cleanup(tg.Sender.Close) // after the fake and Redis are gone nothing is left running
	if _, err := api.SetWebhook(t.Context(), &tgbot.SetWebhookParams{URL: hook.URL, SecretToken: secret, AllowedUpdates: AllowedUpdates}); err != nil {
		t.Fatal(err)
	}
	return &hookRig{fake: fake, tg: tg, store: store, logs: logs, rds: rds, hook: hook.URL, rdb: rds.Client()}
}

// deliver posts u to the webhook and wants it acknowledged.
func (r *hookRig) deliver(t *testing.T, u map[string]any) {
	t.Helper()
	status, _, err := r.fake.Deliver(t.Context(), u)
	if err != nil || status != http.StatusOK {
		t.Fatalf("webhook delivery: HTTP %d, %v; want 200", status, err)
	}
}

// post posts body to the webhook as Telegram does (with the secret) and
// returns the answer's status and body.
func (r *hookRig) post(t *testing.T, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, r.hook, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "hook-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, answer
}

func textUpdate(id, chat int64, text string) map[string]any {
	return map[string]any{"update_id": id, "message": map[string]any{
		"message_id": id, "date": 1, "text": text,
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Anna"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}}
}

func pressUpdate(id, chat int64, data string) map[string]any {
	return map[string]any{"update_id": id, "callback_query": map[string]any{
		"id": fmt.Sprint(9000 + id), "chat_instance": "1", "data": data,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}}
}

// buttonData is the callback data of the button labelled label (a prefix)
// under the last message sent to chat.
func buttonData(t *testing.T, fake *telegramtest.Server, chat int64, label string) string {
	t.Helper()
	sent := fake.Sent(chat)
	if len(sent) == 0 {
		t.Fatal("nothing sent to the member")
	}
	for _, row := range sent[len(sent)-1].Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q under %q", label, sent[len(sent)-1].Plain)
	return ""
}

// quiet waits until chat's outbox is delivered and let go, so that what the
// fake recorded is all the member will get for what was handled so far.
func (r *hookRig) quiet(t testing.TB, chat int64) {
	t.Helper()
	rdb := r.rdb
	outbox, sending := fmt.Sprintf("pecbot:{%d}:outbox", chat), fmt.Sprintf("pecbot:{%d}:sending", chat)
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		n, err := rdb.Exists(t.Context(), outbox, sending).Result()
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat %d: outbox not delivered within 10s (%v)", chat, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-t.Context().Done():
			timer.Stop()
			t.Fatal("test ended while waiting for the outbox")
		}
	}
}

// A dialog that panics (here: a Dialog built without its calendar, which
// the fax day needs) costs the member one apology, not the bot: the update
// is committed as seen, so that a redelivery neither panics again nor
// replies twice, and the next updates are handled as usual.
func TestTelegramPanicRecovered(t *testing.T) {
	const chat = 55
	broken := &dialogs.Dialog{Loc: rome(t), RemindHour: 10} // Cal nil
	r := newHookRig(t, broken)
	ctx := t.Context()
	rdb := r.rds.Client()
	member := fmt.Sprintf("pecbot:{%d}:member", chat)

	r.deliver(t, textUpdate(1, chat, "/start"))
	r.fake.WaitCalls(t, "sendMessage", 2)
	steps := []string{"🆕 Attivare", "Ho confermato", "Bollettino"}
	for i, label := range steps {
		r.deliver(t, pressUpdate(int64(2+i), chat, buttonData(t, r.fake, chat, label)))
		r.fake.WaitCalls(t, "sendMessage", 3+i)
	}
	if got := lastPlain(r.fake, chat); !strings.Contains(got, "Hai già inviato il fax?") {
		t.Fatalf("not at the fax question: %q", got)
	}
	before, err := rdb.HGet(ctx, member, "state").Result()
	if err != nil {
		t.Fatal(err)
	}

	// "Sent today" needs the calendar: the dialog panics.
	fax := pressUpdate(10, chat, buttonData(t, r.fake, chat, "Sì, oggi"))
	r.deliver(t, fax)
	r.fake.WaitCalls(t, "sendMessage", 6)
	r.quiet(t, chat)
	if got := lastPlain(r.fake, chat); got != "Mi dispiace, qualcosa è andato storto. Riprova tra poco, oppure scrivi /menu." {
		t.Errorf("after the panic the member got %q, want the apology", got)
	}
	if n := len(r.fake.CallsOf("answerCallbackQuery")); n != 4 {
		t.Errorf("%d button presses answered, want 4 (the one that panicked too)", n)
	}
	if n := strings.Count(r.logs.String(), "panic while handling an event"); n != 1 {
		t.Errorf("%d panics logged, want 1:\n%s", n, r.logs.String())
	}
	v, _ := rdb.HGet(ctx, member, "v").Result()
	if after, _ := rdb.HGet(ctx, member, "state").Result(); after != before {
		t.Errorf("the panic changed the member's state:\n%s\nwas\n%s", after, before)
	}

	// Telegram delivers the same update again: acknowledged, not handled.
	r.deliver(t, fax)
	r.quiet(t, chat)
	if n := len(r.fake.Sent(chat)); n != 6 {
		t.Errorf("the redelivered update was answered again: %d messages, want 6", n)
	}
	if v2, _ := rdb.HGet(ctx, member, "v").Result(); v2 != v {
		t.Errorf("the redelivered update was handled again: version %s, then %s", v, v2)
	}
	if n := strings.Count(r.logs.String(), "panic while handling an event"); n != 1 {
		t.Errorf("%d panics logged after the redelivery, want still 1", n)
	}

	// The bot goes on: the member asks for help, and is still at the fax.
	r.deliver(t, textUpdate(11, chat, "/help"))
	r.fake.WaitCalls(t, "sendMessage", 7)
	if got := lastPlain(r.fake, chat); !strings.Contains(got, "Come funziono") {
		t.Errorf("after the panic, /help answered %q", got)
	}
	r.deliver(t, pressUpdate(12, chat, buttonData(t, r.fake, chat, "⬅️ Indietro")))
	r.fake.WaitCalls(t, "sendMessage", 8)
	if got := lastPlain(r.fake, chat); !strings.Contains(got, "Hai già inviato il fax?") {
		t.Errorf("after the panic the member is not where they were: %q", got)
	}
}

// A wake-up whose turn fails (here the dialog panics: no calendar to put
// off a late reminder with) sends the member nothing, no apology out of
// the blue, and leaves their state waiting for it: the engine tries again.
func TestTelegramWakeUpFailureIsRetriedNotApologised(t *testing.T) {
	const chat = 57
	broken := &dialogs.Dialog{Loc: rome(t), RemindHour: 10} // Cal nil
	r := newHookRig(t, broken)
	ctx := t.Context()
	due := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	state, err := dialogs.Encode(dialogs.State{Step: dialogs.StepActWaiting, Lang: "it",
		Wake: dialogs.Wake{At: due, Reason: dialogs.WakeActCheck}})
	if err != nil {
		t.Fatal(err)
	}
	turn, err := r.store.Begin(ctx, chat, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.store.Commit(ctx, chat, 0, turn, state, nil, 0, due); err != nil {
		t.Fatal(err)
	}
	if err := r.tg.Wake(ctx, chat, dialogs.Wake{At: due, Reason: dialogs.WakeActCheck}); err == nil {
		t.Fatal("a wake-up whose turn panicked reported success: it would not be tried again")
	}
	r.quiet(t, chat)
	if sent := r.fake.Sent(chat); len(sent) != 0 {
		t.Errorf("the member got %q from a failed wake-up; want nothing", sent[0].Plain)
	}
	if after, _ := r.rds.Client().HGet(ctx, fmt.Sprintf("pecbot:{%d}:member", chat), "state").Bytes(); string(after) != string(state) {
		t.Errorf("the failed wake-up changed the state:\n%s\nwas\n%s", after, state)
	}
	if n := strings.Count(r.logs.String(), "panic while handling an event"); n != 1 {
		t.Errorf("%d panics logged, want 1", n)
	}
}

// Updates the bot has nothing to do with are acknowledged without a word;
// commands are recognised however Telegram clients write them.
func TestUnderstandUpdate(t *testing.T) {
	private := models.Chat{ID: 9, Type: models.ChatTypePrivate}
	for _, tc := range []struct {
		name string
		u    models.Update
		ok   bool
		want dialogs.Event
	}{
		{"command", models.Update{Message: &models.Message{Chat: private, Text: "/start"}}, true, dialogs.Event{Kind: dialogs.Command, Name: "start"}},
		{"addressed", models.Update{Message: &models.Message{Chat: private, Text: "/start@pecbot_test"}}, true, dialogs.Event{Kind: dialogs.Command, Name: "start"}},
		{"capital", models.Update{Message: &models.Message{Chat: private, Text: "/Start"}}, true, dialogs.Event{Kind: dialogs.Command, Name: "start"}},
		{"deep link", models.Update{Message: &models.Message{Chat: private, Text: "/start deeplink"}}, true, dialogs.Event{Kind: dialogs.Command, Name: "start"}},
		{"addressed with argument", models.Update{Message: &models.Message{Chat: private, Text: "/Help@pecbot_test now"}}, true, dialogs.Event{Kind: dialogs.Command, Name: "help"}},
		{"slash alone", models.Update{Message: &models.Message{Chat: private, Text: "/"}}, true, dialogs.Event{Kind: dialogs.Text, Text: "/"}},
		{"text", models.Update{Message: &models.Message{Chat: private, Text: "ciao"}}, true, dialogs.Event{Kind: dialogs.Text, Text: "ciao"}},
		{"group", models.Update{Message: &models.Message{Chat: models.Chat{ID: -5, Type: models.ChatTypeGroup}, Text: "/start"}}, false, dialogs.Event{}},
		{"supergroup", models.Update{Message: &models.Message{Chat: models.Chat{ID: -1005, Type: models.ChatTypeSupergroup}, Text: "ciao"}}, false, dialogs.Event{}},
		{"channel", models.Update{ChannelPost: &models.Message{Chat: models.Chat{ID: -1006, Type: models.ChatTypeChannel}, Text: "ciao"}}, false, dialogs.Event{}},
		{"edited", models.Update{EditedMessage: &models.Message{Chat: private, Text: "ciao"}}, false, dialogs.Event{}},
		{"forged button", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: models.User{ID: 9}, Data: "garbage"}}, true,
			dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActHere, From: "?"}},
		{"no data", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: models.User{ID: 9}}}, true,
			dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActHere, From: "?"}},
	} {
		in, ok := understandUpdate(&tc.u)
		if ok != tc.ok || (ok && fmt.Sprint(in.event) != fmt.Sprint(tc.want)) {
			t.Errorf("%s: %+v, %v; want %+v, %v", tc.name, in.event, ok, tc.want, tc.ok)
		}
		if ok && tc.u.CallbackQuery != nil && (in.callbackID != "q" || in.chat != 9) {
			t.Errorf("%s: the press is not answered in the member's chat: %+v", tc.name, in)
		}
	}
}

func lastPlain(fake *telegramtest.Server, chat int64) string {
	sent := fake.Sent(chat)
	if len(sent) == 0 {
		return ""
	}
	return sent[len(sent)-1].Plain
}

// A member who blocked the bot is marked blocked when a reply is refused
// (403); when they come back (unblock and write), they are active again.
func TestTelegramBlockedMemberComesBack(t *testing.T) {
	const chat = 56
	r := newHookRig(t, dialogs.New(nil, rome(t), 10))
	ctx := t.Context()

	r.fake.Fail("sendMessage", 1, telegramtest.Blocked())
	r.deliver(t, textUpdate(1, chat, "/start"))
	r.quiet(t, chat)
	if blocked, err := r.store.Blocked(ctx, chat); err != nil || !blocked {
		t.Fatalf("after a 403 the member is blocked=%v (%v), want true", blocked, err)
	}
	if sent := r.fake.Sent(chat); len(sent) != 0 {
		t.Errorf("the member who blocked the bot was sent %q", plains(sent))
	}

	r.deliver(t, textUpdate(2, chat, "/start"))
	r.fake.WaitCalls(t, "sendMessage", 3)
	r.quiet(t, chat)
	if blocked, err := r.store.Blocked(ctx, chat); err != nil || blocked {
		t.Errorf("a member who wrote again is blocked=%v (%v), want false", blocked, err)
	}
	if got := lastPlain(r.fake, chat); !strings.Contains(got, "cosa devi fare?") {
		t.Errorf("the member who came back got %q, want the menu", got)
	}
}
