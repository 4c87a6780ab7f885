package telegramtest

import (
	"net/http"
	"strings"
	"testing"
)

// Limit answers 429 (retry_after 1) to sends beyond the pace, and only to
// sends; those have no effect.
func TestLimit(t *testing.T) {
	s := New(t, "1:limit")
	s.Limit(3)
	post := func(method, body string) int {
		resp, err := http.Post(s.URL()+"/bot1:limit/"+method, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	var got []int
	for range 5 {
		got = append(got, post("sendMessage", `{"chat_id":5,"text":"x"}`))
	}
	if got[0] != 200 || got[2] != 200 || got[3] != 429 || got[4] != 429 {
		t.Fatalf("statuses %v; want 3 accepted, then 429", got)
	}
	if code := post("getMe", `{}`); code != 200 {
		t.Errorf("getMe under the limit: %d; want 200 (not a send)", code)
	}
	if s.Throttled() != 2 || len(s.Sent(5)) != 3 {
		t.Errorf("throttled %d, sent %d; want 2 and 3", s.Throttled(), len(s.Sent(5)))
	}
	s.Limit(0)
	if code := post("copyMessage", `{"chat_id":5,"from_chat_id":6,"message_id":1}`); code != 200 {
		t.Errorf("after Limit(0): %d", code)
	}
}
