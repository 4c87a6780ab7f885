package telegramtest_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// A file uploaded with sendDocument (multipart, as go-telegram/bot sends
// it) is accepted and recorded whole: name, bytes, caption and keyboard.
func TestGoTelegramSendDocument(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newBot(t, s)
	data := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	keyboard := map[string]any{"inline_keyboard": [][]map[string]any{{{"text": "OK", "callback_data": "ok"}}}}
	msg, err := b.SendDocument(t.Context(), &bot.SendDocumentParams{
		ChatID:      42,
		Document:    &models.InputFileUpload{Filename: "pec-rinnovo.ics", Data: bytes.NewReader(data)},
		Caption:     "<b>Apri</b> il file &amp; conferma",
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: keyboard,
	})
	if err != nil {
		t.Fatalf("sendDocument: %v", err)
	}
	if msg.Chat.ID != 42 || msg.ID == 0 {
		t.Errorf("answer %+v, want a message in chat 42", msg)
	}
	up, ok := s.CallsOf("sendDocument")[0].Params["document"].(telegramtest.Upload)
	if !ok || up.Filename != "pec-rinnovo.ics" || !bytes.Equal(up.Data, data) {
		t.Errorf("call params: document %#v", s.CallsOf("sendDocument")[0].Params["document"])
	}
	docs := s.Documents(42)
	want := telegramtest.Document{
		Upload:  telegramtest.Upload{Filename: "pec-rinnovo.ics", Data: data},
		Caption: "<b>Apri</b> il file &amp; conferma", Plain: "Apri il file & conferma", ParseMode: "HTML",
		Buttons: [][]telegramtest.Button{{{Text: "OK", CallbackData: "ok"}}},
	}
	if len(docs) != 1 || !reflect.DeepEqual(docs[0], want) {
		t.Errorf("Documents(42) = %+v, want [%+v]", docs, want)
	}
	if len(s.Documents(43)) != 0 || len(s.Sent(42)) != 0 {
		t.Error("the document was recorded for another chat, or as a text message")
	}
}

// Telegram refuses a sendDocument without its file, an empty file, or a
// caption it cannot parse; none is recorded as sent.
func TestSendDocumentRefused(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newBot(t, s)
	for name, p := range map[string]*bot.SendDocumentParams{
		"no document": {ChatID: 42},
		"empty file":  {ChatID: 42, Document: &models.InputFileUpload{Filename: "x.ics", Data: bytes.NewReader(nil)}},
		"bad caption": {ChatID: 42, Document: &models.InputFileUpload{Filename: "x.ics", Data: bytes.NewReader([]byte("x"))},
			Caption: "<b>unclosed", ParseMode: models.ParseModeHTML},
	} {
		if _, err := b.SendDocument(t.Context(), p); !errors.Is(err, bot.ErrorBadRequest) {
			t.Errorf("%s: %v, want 400 Bad Request", name, err)
		}
	}
	if docs := s.Documents(42); len(docs) != 0 {
		t.Errorf("refused documents recorded: %+v", docs)
	}
}
