package bot

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// Direct's calls arrive as the library's would (a formatted text with its
// keyboard; a copy), and each refusal is the library's error, which the
// sender tells apart: blocked, 429 with retry_after, a bad request, a
// server error (retried), a wrong token (the token named in no error).
func TestDirect(t *testing.T) {
	fake := telegramtest.New(t, senderToken)
	d := NewDirect(fake.URL(), senderToken, http.DefaultClient)
	ctx := t.Context()
	msg := func(text string) *tgbot.SendMessageParams {
		return &tgbot.SendMessageParams{ChatID: int64(5), Text: text, ParseMode: models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
			ReplyMarkup:        keyboardOf([][]ReplyButton{{{Label: "Sì <ok>", Data: "a|yes"}}})}
	}
	if err := d.call(ctx, "sendMessage", msg("<b>Buongiorno</b> &amp; benvenuta")); err != nil {
		t.Fatal(err)
	}
	sent := fake.Sent(5)
	if len(sent) != 1 || sent[0].Plain != "Buongiorno & benvenuta" || len(sent[0].Buttons) != 1 ||
		sent[0].Buttons[0][0].Text != "Sì <ok>" || sent[0].Buttons[0][0].CallbackData != "a|yes" {
		t.Fatalf("sent %+v; want the formatted text and its button", sent)
	}
	if err := d.call(ctx, "copyMessage", &tgbot.CopyMessageParams{ChatID: int64(6), FromChatID: int64(5), MessageID: 1}); err != nil {
		t.Errorf("copyMessage: %v", err)
	}

	fake.Fail("sendMessage", 1, telegramtest.Blocked())
	if err := d.call(ctx, "sendMessage", msg("x")); !errors.Is(err, tgbot.ErrorForbidden) {
		t.Errorf("blocked: %v; want ErrorForbidden", err)
	}
	fake.Fail("sendMessage", 1, telegramtest.TooMany(9))
	var tooMany *tgbot.TooManyRequestsError
	if err := d.call(ctx, "sendMessage", msg("x")); !errors.As(err, &tooMany) || tooMany.RetryAfter != 9 {
		t.Errorf("429: %v; want TooManyRequestsError, retry_after 9", err)
	}
	if err := d.call(ctx, "sendMessage", msg("")); !errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "text is empty") {
		t.Errorf("empty text: %v; want ErrorBadRequest, message text is empty", err)
	}
	fake.Fail("sendMessage", 1, telegramtest.ServerError())
	err := d.call(ctx, "sendMessage", msg("x"))
	if err == nil || errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorBadRequest) || !strings.Contains(err.Error(), "500") {
		t.Errorf("500: %v; want an error to retry", err)
	}

	wrong := NewDirect(fake.URL(), "4242:not-the-token", http.DefaultClient)
	if err := wrong.call(ctx, "sendMessage", msg("x")); !errors.Is(err, tgbot.ErrorUnauthorized) || strings.Contains(err.Error(), "not-the-token") {
		t.Errorf("wrong token: %v; want ErrorUnauthorized, without the token", err)
	}
	gone := NewDirect("http://127.0.0.1:1", senderToken, http.DefaultClient)
	if err := gone.call(ctx, "sendMessage", msg("x")); err == nil || strings.Contains(err.Error(), "sender-test") {
		t.Errorf("Bot API unreachable: %v; want an error without the token", err)
	}
	if got := len(fake.Sent(5)); got != 1 {
		t.Errorf("%d messages in chat 5; want only the first (the refused ones not sent)", got)
	}
}
