package bot

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/omceo-latina/pecbot/dialogs"
)

// incoming is one Telegram update understood: whose it is and what the
// member did. Updates the bot has nothing to do with (group messages,
// edits, reactions) are not incoming (ok false).
type incoming struct {
	chat       int64
	event      dialogs.Event
	callbackID string // set for a button press: Telegram waits for an answer
	messageID  int    // the message's own ID (a staff announcement is copied by it)
	staffData  string // a staff button's data ("s|..."); event is then a stale press
}

// understandUpdate reads an update. Commands may be addressed to the bot by
// name ("/start@PecBot") and carry arguments ("/start xyz"); a button's
// data that is not ours (an old format, a forged value) still gets an
// answer and the member's current step, as a stale press.
func understandUpdate(u *models.Update) (incoming, bool) {
	switch {
	case u.Message != nil:
		m := u.Message
		if m.Chat.Type != models.ChatTypePrivate {
			return incoming{}, false
		}
		in := incoming{chat: m.Chat.ID, event: dialogs.Event{Kind: dialogs.Text, Text: m.Text}, messageID: m.ID}
		if name, ok := commandName(m.Text); ok {
			in.event = dialogs.Event{Kind: dialogs.Command, Name: name}
		}
		return in, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if q.From.ID == 0 {
			return incoming{}, false
		}
		ev, err := dialogs.DecodeButton(q.Data)
		if err != nil {
			ev = dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActHere, From: "?"}
		}
		in := incoming{chat: q.From.ID, event: ev, callbackID: q.ID} // in a private chat the chat is the user
		if strings.HasPrefix(q.Data, staffPrefix) {
			in.staffData = q.Data // for anyone but staff, a stale press
		}
		return in, true
	}
	return incoming{}, false
}

// commandName returns the command of a text like "/start", "/Start@PecBot
// arg", or false for any other text.
func commandName(text string) (string, bool) {
	if !strings.HasPrefix(text, "/") {
		return "", false
	}
	word, _, _ := strings.Cut(text[1:], " ")
	word, _, _ = strings.Cut(word, "@")
	if word == "" {
		return "", false
	}
	return strings.ToLower(word), true
}
