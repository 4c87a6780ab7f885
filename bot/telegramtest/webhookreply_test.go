package telegramtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

// A webhook may answer an update with a Bot API call in its response body
// (JSON with "method"): the fake performs it as Telegram does, recorded
// and checked like any call; a body without a method is ignored.
func TestWebhookReplyCall(t *testing.T) {
	s := telegramtest.New(t, token)
	answers := []string{`{"method":"sendMessage","chat_id":5,"text":"from the response"}`, `{"ok":true}`, `{"method":"sendMessage","chat_id":5}`}
	i := 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answers[i]))
		i++
	}))
	t.Cleanup(hook.Close)
	mustOK(t, s, "setWebhook", map[string]any{"url": hook.URL}, nil)
	for range answers {
		if status, _, err := s.Deliver(t.Context(), map[string]any{"message": map[string]any{"text": "x"}}); err != nil || status != 200 {
			t.Fatalf("Deliver: %d %v", status, err)
		}
	}
	sent := s.Sent(5)
	if len(sent) != 1 || sent[0].Plain != "from the response" {
		t.Errorf("sent to chat 5: %+v; want the call in the first response", sent)
	}
	calls := s.CallsOf("sendMessage")
	if len(calls) != 2 || calls[1].Rejected == "" {
		t.Errorf("calls %+v; want two, the second (no text) refused", calls)
	}
}
