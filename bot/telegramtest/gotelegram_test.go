package telegramtest_test

// These tests drive the fake with github.com/go-telegram/bot v1.19.0, the
// client the bot uses, and pin down how that library talks to the Bot API.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// newBot returns a go-telegram/bot client of s.
func newBot(t *testing.T, s *telegramtest.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	opts = append([]bot.Option{
		bot.WithServerURL(s.URL()),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(err error) { t.Logf("go-telegram/bot: %v", err) }),
	}, opts...)
	b, err := bot.New(token, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bodyRecorder is an HTTP client that keeps the request bodies it sends.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies map[string][]byte // by method
	ctypes map[string]string
}

func (r *bodyRecorder) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	method := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	r.mu.Lock()
	r.bodies[method] = body
	r.ctypes[method] = req.Header.Get("Content-Type")
	r.mu.Unlock()
	return http.DefaultClient.Do(req)
}

// fields decodes the multipart body last sent for method.
func (r *bodyRecorder) fields(t *testing.T, method string) map[string]string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	_, params, err := mime.ParseMediaType(r.ctypes[method])
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(bytes.NewReader(r.bodies[method]), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatalf("%s body %q: %v", method, r.bodies[method], err)
	}
	out := map[string]string{}
	for k, v := range form.Value {
		out[k] = v[0]
	}
	return out
}

func TestGoTelegramGetMe(t *testing.T) {
	s := telegramtest.New(t, token)
	// Without WithSkipGetMe, bot.New calls getMe, with an empty body.
	rec := &bodyRecorder{bodies: map[string][]byte{}, ctypes: map[string]string{}}
	b, err := bot.New(token, bot.WithServerURL(s.URL()), bot.WithHTTPClient(time.Minute, rec))
	if err != nil {
		t.Fatal(err)
	}
	me, err := b.GetMe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !me.IsBot || me.Username != "pecbot_test" || me.ID != 123456 {
		t.Errorf("GetMe = %+v", me)
	}
	if n := len(s.CallsOf("getMe")); n != 2 {
		t.Errorf("%d getMe calls", n)
	}
	if len(rec.bodies["getMe"]) != 0 || !strings.HasPrefix(rec.ctypes["getMe"], "multipart/form-data; boundary=") {
		t.Errorf("getMe sent %q as %q", rec.bodies["getMe"], rec.ctypes["getMe"])
	}
	// A wrong token comes back as bot.ErrorUnauthorized.
	other, err := bot.New("1:wrong", bot.WithServerURL(s.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.GetMe(t.Context()); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
}

// validButton is an InlineKeyboardButton as the spec allows it: unlike
// models.InlineKeyboardButton, it omits the action fields it does not use.
type validButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

type validKeyboard struct {
	InlineKeyboard [][]validButton `json:"inline_keyboard"`
}

// TestGoTelegramKeyboards proves the point of the issue: go-telegram/bot's own
// models.InlineKeyboardButton is sent with "copy_text":{"text":""} (its
// CopyText field is a struct, which omitempty never omits), which the spec
// does not allow, so the fake refuses it; a keyboard valid per the spec is
// accepted.
func TestGoTelegramKeyboards(t *testing.T) {
	s := telegramtest.New(t, token)
	rec := &bodyRecorder{bodies: map[string][]byte{}, ctypes: map[string]string{}}
	b := newBot(t, s, bot.WithHTTPClient(time.Minute, rec))

	_, err := b.SendMessage(t.Context(), &bot.SendMessageParams{
		ChatID: int64(42), Text: "<b>Pick</b>", ParseMode: models.ParseModeHTML,
		ReplyMarkup: models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
			{Text: "Yes", CallbackData: "yes"},
		}}},
	})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), `"copy_text"`) {
		t.Fatalf("models.InlineKeyboardButton: err = %v, want a bad request about copy_text", err)
	}
	f := rec.fields(t, "sendMessage")
	if f["reply_markup"] != `{"inline_keyboard":[[{"text":"Yes","callback_data":"yes","copy_text":{"text":""}}]]}` {
		t.Errorf("reply_markup sent as %s", f["reply_markup"])
	}
	calls := s.CallsOf("sendMessage")
	if len(calls) != 1 || calls[0].Status != 400 || !strings.Contains(calls[0].Rejected, "copy_text") {
		t.Fatalf("calls %+v", calls)
	}
	btn := calls[0].Params["reply_markup"].(map[string]any)["inline_keyboard"].([]any)[0].([]any)[0]
	if ct := btn.(map[string]any)["copy_text"]; !reflect.DeepEqual(ct, map[string]any{"text": ""}) {
		t.Errorf("recorded copy_text %#v", ct)
	}

	msg, err := b.SendMessage(t.Context(), &bot.SendMessageParams{
		ChatID: int64(42), Text: "<b>Pick</b> &lt;one&gt;", ParseMode: models.ParseModeHTML,
		ReplyMarkup: validKeyboard{InlineKeyboard: [][]validButton{{
			{Text: "Yes", CallbackData: "yes"}, {Text: "Help", URL: "https://example.org/help"},
		}}},
	})
	if err != nil {
		t.Fatalf("valid keyboard: %v", err)
	}
	if msg.ID == 0 || msg.Chat.ID != 42 || msg.Text != "Pick <one>" || len(msg.Entities) != 1 ||
		msg.Entities[0].Type != models.MessageEntityTypeBold || msg.ReplyMarkup == nil ||
		msg.ReplyMarkup.InlineKeyboard[0][1].URL != "https://example.org/help" {
		t.Errorf("message %+v", msg)
	}
	// How the library encodes a multipart form: strings as they are,
	// numbers and named string types via JSON (quotes trimmed), objects as
	// JSON; zero values of omitempty fields are left out.
	f = rec.fields(t, "sendMessage")
	want := map[string]string{
		"chat_id": "42", "text": "<b>Pick</b> &lt;one&gt;", "parse_mode": "HTML",
		"reply_markup": `{"inline_keyboard":[[{"text":"Yes","callback_data":"yes"},{"text":"Help","url":"https://example.org/help"}]]}`,
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("fields %q", f)
	}
	sent := s.Sent(42)
	if len(sent) != 1 || sent[0].ParseMode != "HTML" || sent[0].Plain != "Pick <one>" || sent[0].MessageID != int(msg.ID) ||
		!reflect.DeepEqual(sent[0].Buttons, [][]telegramtest.Button{{{Text: "Yes", CallbackData: "yes"}, {Text: "Help", URL: "https://example.org/help"}}}) {
		t.Errorf("sent %+v", sent)
	}
	if p := s.CallsOf("sendMessage")[1].Params; p["chat_id"] != int64(42) || p["parse_mode"] != "HTML" {
		t.Errorf("params %#v", p)
	}

	// A nil ChatID is sent as the string "null".
	_, err = b.SendMessage(t.Context(), &bot.SendMessageParams{Text: "x"})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("no chat: %v", err)
	}
	if f := rec.fields(t, "sendMessage"); f["chat_id"] != "null" {
		t.Errorf("nil chat_id sent as %q", f["chat_id"])
	}
}

func TestGoTelegramPolling(t *testing.T) {
	s := telegramtest.New(t, token)
	got := make(chan *models.Update, 1)
	ctx, cancel := context.WithCancel(t.Context())
	b := newBot(t, s,
		// The library asks for timeout = pollTimeout - 1s.
		bot.WithHTTPClient(3*time.Second, &http.Client{Timeout: 10 * time.Second}),
		bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) { got <- u }),
	)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		b.Start(ctx)
	}()
	defer func() {
		cancel()
		<-stopped
	}()
	first := s.WaitCalls(t, "getUpdates", 1)[0]
	if first.Params["timeout"] != int64(2) || first.Params["offset"] != int64(1) {
		t.Errorf("first getUpdates %#v", first.Params)
	}
	id := s.PushMessage(77, "/start")
	var u *models.Update
	select {
	case u = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no update handled")
	}
	if u.ID != id || u.Message == nil || u.Message.Text != "/start" || u.Message.Chat.ID != 77 ||
		len(u.Message.Entities) != 1 || u.Message.Entities[0].Type != models.MessageEntityTypeBotCommand {
		t.Fatalf("update %+v", u)
	}
	// The next poll confirms it.
	calls := s.WaitCalls(t, "getUpdates", 2)
	if calls[1].Params["offset"] != id+1 || s.Confirmed() != id || s.Pending() != 0 {
		t.Errorf("offset %v, confirmed %d, pending %d", calls[1].Params["offset"], s.Confirmed(), s.Pending())
	}
}

func TestGoTelegramErrors(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newBot(t, s)
	p := &bot.SendMessageParams{ChatID: 1, Text: "x"}

	s.Fail("sendMessage", 1, telegramtest.TooMany(5))
	_, err := b.SendMessage(t.Context(), p)
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 5 {
		t.Errorf("429: %v", err)
	}
	// 429 is a distinct type, not wrapped around bot.ErrorTooManyRequests.
	if errors.Is(err, bot.ErrorTooManyRequests) {
		t.Errorf("429 unexpectedly wraps ErrorTooManyRequests: %v", err)
	}

	s.Fail("sendMessage", 1, telegramtest.Blocked())
	if _, err := b.SendMessage(t.Context(), p); !errors.Is(err, bot.ErrorForbidden) ||
		err.Error() != "forbidden, Forbidden: bot was blocked by the user" {
		t.Errorf("403: %v", err)
	}

	// Other statuses come back as a plain error with the code in its text.
	s.Fail("sendMessage", 1, telegramtest.ServerError())
	if _, err := b.SendMessage(t.Context(), p); err == nil ||
		err.Error() != "error response from telegram for method sendMessage, 500 Internal Server Error" {
		t.Errorf("500: %v", err)
	}

	s.Fail("sendMessage", 1, telegramtest.Hang())
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := b.SendMessage(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}

	if _, err := b.SendMessage(t.Context(), p); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	calls := s.CallsOf("sendMessage")
	if len(calls) != 5 || calls[0].Fault == nil || calls[4].Fault != nil || len(s.Sent(1)) != 1 {
		t.Errorf("calls %+v", calls)
	}
}

func TestGoTelegramWebhook(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newBot(t, s)
	rcv := newReceiver(t, "hook-secret")
	ok, err := b.SetWebhook(t.Context(), &bot.SetWebhookParams{
		URL: rcv.URL, SecretToken: "hook-secret", AllowedUpdates: []string{"message", "callback_query"},
	})
	if err != nil || !ok {
		t.Fatalf("SetWebhook: %v %v", ok, err)
	}
	p := s.CallsOf("setWebhook")[0].Params
	if !reflect.DeepEqual(p["allowed_updates"], []any{"message", "callback_query"}) {
		t.Errorf("setWebhook params %#v", p)
	}
	info, err := b.GetWebhookInfo(t.Context())
	if err != nil || info.URL != rcv.URL || !reflect.DeepEqual(info.AllowedUpdates, []string{"message", "callback_query"}) {
		t.Errorf("GetWebhookInfo: %+v %v", info, err)
	}
	status, retry, err := s.Deliver(t.Context(), map[string]any{"callback_query": map[string]any{"id": "9", "data": "x"}})
	if err != nil || status != 200 || retry != "" {
		t.Errorf("delivery: %d %q %v", status, retry, err)
	}
	status, retry, err = s.Deliver(t.Context(), map[string]any{"message": map[string]any{"text": "x"}})
	if err != nil || status != 503 || retry != "3" {
		t.Errorf("delivery: %d %q %v", status, retry, err)
	}
	// A delivered callback query can be answered.
	if ok, err := b.AnswerCallbackQuery(t.Context(), &bot.AnswerCallbackQueryParams{CallbackQueryID: "9"}); err != nil || !ok {
		t.Errorf("AnswerCallbackQuery: %v %v", ok, err)
	}
	if ok, err := b.DeleteWebhook(t.Context(), &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil || !ok {
		t.Errorf("DeleteWebhook: %v %v", ok, err)
	}
	if u, _ := s.Webhook(); u != "" {
		t.Errorf("webhook %q", u)
	}
}
