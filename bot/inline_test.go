package bot

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// A button pressed through the webhook is answered in the webhook's
// response (no Bot API call of its own), and the reply follows through
// the outbox; a text message's response carries nothing.
func TestWebhookAnswersPressInResponse(t *testing.T) {
	const chat = 61
	r := newHookRig(t, dialogs.New(calendar.New(), rome(t), 10))
	post := func(u map[string]any) (int, map[string]string) {
		t.Helper()
		body, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		status, raw := r.post(t, body)
		var call map[string]string
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &call); err != nil {
				t.Fatalf("response %q: %v", raw, err)
			}
		}
		return status, call
	}

	if status, call := post(textUpdate(1, chat, "/start")); status != http.StatusOK || call != nil {
		t.Fatalf("/start: HTTP %d, %v; want 200 and no call", status, call)
	}
	r.fake.WaitCalls(t, "sendMessage", 2)
	press := pressUpdate(2, chat, buttonData(t, r.fake, chat, "🆕 Attivare"))
	status, call := post(press)
	want := map[string]string{"method": "answerCallbackQuery", "callback_query_id": "9002"}
	if status != http.StatusOK || call["method"] != want["method"] || call["callback_query_id"] != want["callback_query_id"] {
		t.Fatalf("press: HTTP %d, %v; want 200 with %v", status, call, want)
	}
	r.fake.WaitCalls(t, "sendMessage", 3)
	r.quiet(t, chat)
	if got := lastPlain(r.fake, chat); !bytes.Contains([]byte(got), []byte("OMCEO-LT")) {
		t.Errorf("after the press: %q; want the nine steps", got)
	}
	if n := len(r.fake.CallsOf("answerCallbackQuery")); n != 0 {
		t.Errorf("%d answerCallbackQuery calls from the bot; want none (the answer was in the response)", n)
	}
	// The same press delivered again (the first response was lost):
	// answered again, handled once.
	if status, call := post(press); status != http.StatusOK || call["callback_query_id"] != "9002" {
		t.Errorf("press again: HTTP %d, %v; want the answer again", status, call)
	}
	r.quiet(t, chat)
	if n := len(r.fake.Sent(chat)); n != 3 {
		t.Errorf("%d messages after the press came twice; want 3", n)
	}
}
