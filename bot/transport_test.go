package bot

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// WholeBodies sends a streamed body whole, with its length (not chunked),
// unchanged; a call through the library with it still works.
func TestWholeBodies(t *testing.T) {
	var got struct {
		length   int64
		chunked  bool
		body     string
		requests int
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.length, got.body, got.requests = r.ContentLength, string(b), got.requests+1
		got.chunked = len(r.TransferEncoding) > 0
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: WholeBodies(http.DefaultTransport)}
	pr, pw := io.Pipe()
	go func() {
		for _, part := range []string{"a=1&", "b=2&", "c=3"} {
			_, _ = io.WriteString(pw, part)
		}
		_ = pw.Close()
	}()
	resp, err := client.Post(srv.URL, "application/x-www-form-urlencoded", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.chunked || got.length != int64(len("a=1&b=2&c=3")) || got.body != "a=1&b=2&c=3" {
		t.Errorf("server saw length %d, chunked %v, body %q; want the whole body with its length", got.length, got.chunked, got.body)
	}
	if resp, err := client.Get(srv.URL); err != nil || got.requests != 2 {
		t.Errorf("a request without a body: %v (%d requests)", err, got.requests)
	} else {
		resp.Body.Close()
	}

	fake := telegramtest.New(t, senderToken)
	api, err := tgbot.New(senderToken, tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(0, &http.Client{Transport: WholeBodies(http.DefaultTransport)}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SendMessage(t.Context(), &tgbot.SendMessageParams{ChatID: 5, Text: "<b>ciao</b>", ParseMode: "HTML"}); err != nil {
		t.Fatal(err)
	}
	if sent := fake.Sent(5); len(sent) != 1 || !strings.Contains(sent[0].Plain, "ciao") {
		t.Errorf("sent %+v; want the message", sent)
	}
}

// An accepted call whose result is marked unread comes back without it
// (nothing to decode), the message sent all the same; an answer that is
// not ok passes whole (the retry_after of a 429), as does the result of a
// call not marked.
func TestWholeBodiesResultUnread(t *testing.T) {
	fake := telegramtest.New(t, senderToken)
	api, err := tgbot.New(senderToken, tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(0, &http.Client{Transport: WholeBodies(http.DefaultTransport)}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := resultUnread(t.Context())
	m, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 5, Text: "primo"})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 0 || m.Text != "" {
		t.Errorf("result decoded although unread: %+v", m)
	}
	if _, err := api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		t.Errorf("a call answering true, its result unread: %v", err)
	}
	fake.Fail("sendMessage", 1, telegramtest.TooMany(7))
	var tooMany *tgbot.TooManyRequestsError
	if _, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: 5, Text: "secondo"}); !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
		t.Errorf("a 429 with its result unread: %v; want retry_after 7", err)
	}
	m, err = api.SendMessage(t.Context(), &tgbot.SendMessageParams{ChatID: 5, Text: "terzo"})
	if err != nil || m.ID == 0 || m.Text != "terzo" {
		t.Errorf("a call not marked: %+v, %v; want its result", m, err)
	}
	if sent := fake.Sent(5); len(sent) != 2 || sent[0].Plain != "primo" || sent[1].Plain != "terzo" {
		t.Errorf("sent %+v; want primo and terzo", sent)
	}
}
