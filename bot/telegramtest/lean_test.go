package telegramtest

import (
	"testing"

	tgbot "github.com/go-telegram/bot"
)

// A lean server keeps of each call its chat only, still shows each chat's
// messages (with their buttons) until the chat is forgotten, and accepts
// edits of messages it did not keep.
func TestLean(t *testing.T) {
	s := New(t, "1:lean")
	s.Lean()
	api, err := tgbot.New("1:lean", tgbot.WithServerURL(s.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	m, err := api.SendMessage(t.Context(), &tgbot.SendMessageParams{ChatID: 5, Text: "<b>ciao</b>", ParseMode: "HTML",
		ReplyMarkup: map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "Sì", "callback_data": "yes"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	calls := s.CallsOf("sendMessage")
	if len(calls) != 1 || len(calls[0].Params) != 1 || calls[0].Params["chat_id"] != int64(5) {
		t.Errorf("lean calls = %+v; want one, its chat_id alone", calls)
	}
	sent := s.Sent(5)
	if len(sent) != 1 || sent[0].Plain != "ciao" || len(sent[0].Buttons) != 1 || sent[0].Buttons[0][0].CallbackData != "yes" {
		t.Errorf("Sent(5) = %+v; want the message and its button", sent)
	}
	if _, err := api.EditMessageText(t.Context(), &tgbot.EditMessageTextParams{ChatID: 5, MessageID: m.ID, Text: "ciao!"}); err != nil {
		t.Errorf("an edit of a message not kept: %v", err)
	}
	s.ForgetChat(5)
	if sent := s.Sent(5); len(sent) != 0 {
		t.Errorf("after ForgetChat, Sent(5) = %+v", sent)
	}
}

// OnAccepted hears each call answered 200, with its chat, and none that
// was refused.
func TestOnAccepted(t *testing.T) {
	s := New(t, "1:hear")
	type heard struct {
		method string
		chat   int64
	}
	got := make(chan heard, 4)
	s.OnAccepted(func(method string, chat int64) { got <- heard{method, chat} })
	api, err := tgbot.New("1:hear", tgbot.WithServerURL(s.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.SendMessage(t.Context(), &tgbot.SendMessageParams{ChatID: 7, Text: "ciao"}); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != (heard{"sendMessage", 7}) {
		t.Errorf("heard %+v; want sendMessage to chat 7", h)
	}
	if _, err := api.SendMessage(t.Context(), &tgbot.SendMessageParams{ChatID: 7, Text: ""}); err == nil {
		t.Fatal("an empty text was accepted")
	}
	if _, err := api.GetMe(t.Context()); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != (heard{"getMe", 0}) {
		t.Errorf("heard %+v after a refused call and getMe; want getMe alone (the refused call unheard)", h)
	}
}
