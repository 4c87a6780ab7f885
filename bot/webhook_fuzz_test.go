package bot

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// FuzzWebhook posts arbitrary bodies to the webhook, with the right
// secret, through the whole bot (decode, turn, dialog, Redis, sender) to
// the fake Bot API, which checks every call against the Bot API's
// specification. Whatever the body: the answer is 200, 400 or 413 (never
// a 5xx: nothing here makes Redis or Telegram fail), nothing panics (a
// panic is recovered and logged: the log must not have one), and no call
// the bot makes is refused as invalid. The seeds are real-looking updates
// of every kind the bot is sent, and some it is not.
func FuzzWebhook(f *testing.F) {
	seeds := []map[string]any{
		textUpdate(1, 501, "/start"),
		textUpdate(2, 501, "12/03/2027"),
		textUpdate(3, 501, "è scaduta il 12 marzo"),
		textUpdate(4, 501, "/forget"),
		textUpdate(5, -100123, "/start"), // a group
		textUpdate(6, 501, strings.Repeat("🙂", 2000)),
		textUpdate(7, 501, "<b>not markup</b> & co"),
		pressUpdate(8, 501, "a|menu"),
		pressUpdate(9, 501, "s|send|1:all"), // a forged staff button
		pressUpdate(10, 501, strings.Repeat("x", 64)),
		pressUpdate(11, 501, ""),
		{"update_id": 12, "edited_message": textUpdate(12, 501, "ciao")["message"]},
		{"update_id": 13, "my_chat_member": map[string]any{
			"chat": map[string]any{"id": 501, "type": "private"}, "date": 1,
			"from":            map[string]any{"id": 501, "is_bot": false, "first_name": "Anna"},
			"old_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 1, "is_bot": true, "first_name": "bot"}},
			"new_chat_member": map[string]any{"status": "kicked", "until_date": 0, "user": map[string]any{"id": 1, "is_bot": true, "first_name": "bot"}},
		}},
		{"update_id": 14, "message": map[string]any{
			"message_id": 14, "date": 1, "chat": map[string]any{"id": 501, "type": "private"},
			"document": map[string]any{"file_id": "BQ", "file_unique_id": "AQ", "file_name": "a.pdf"},
		}},
		{"update_id": 15, "channel_post": textUpdate(15, -100999, "hello")["message"]},
		{"update_id": 16, "some_future_update": map[string]any{"x": 1}},
		{"update_id": 0, "message": textUpdate(17, 501, "no id")["message"]},
		{"update_id": 18, "message": map[string]any{"message_id": 18, "date": 1, "chat": map[string]any{"id": 501}, "text": 42}},
	}
	for _, s := range seeds {
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "null", "[]", "{}", `{"update_id":"1"}`, `{"update_id":1e30}`, "{", "\xff\xfe"} {
		f.Add([]byte(s))
	}

	r := newHookRig(f, dialogs.New(calendar.New(), rome(f), 10))
	f.Fuzz(func(t *testing.T, body []byte) {
		switch status, _ := r.post(t, body); status {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("HTTP %d for %q", status, body)
		}
		var u struct {
			Message *struct {
				Chat struct{ ID int64 } `json:"chat"`
			} `json:"message"`
			Callback *struct {
				From struct{ ID int64 } `json:"from"`
			} `json:"callback_query"`
		}
		if json.Unmarshal(body, &u) == nil {
			if u.Message != nil {
				r.quiet(t, u.Message.Chat.ID)
			}
			if u.Callback != nil {
				r.quiet(t, u.Callback.From.ID)
			}
		}
		if logs := r.logs.String(); strings.Contains(logs, "panic") {
			t.Fatalf("a panic for %q:\n%s", body, logs)
		}
		for _, c := range r.fake.Calls() {
			// A callback query Telegram did not send (a forged or mutated
			// ID), or a chat that does not exist (a mutated chat ID), is
			// refused by Telegram too: the bot cannot know before asking.
			unknowable := strings.Contains(c.Rejected, "query ID is invalid") || strings.Contains(c.Rejected, "chat not found")
			if c.Rejected != "" && c.Fault == nil && !unknowable {
				t.Fatalf("for %q the bot made an invalid call: %s %v: %s", body, c.Method, c.Params, c.Rejected)
			}
		}
	})
}
