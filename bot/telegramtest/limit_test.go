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

// FailChat answers every call about one chat with its fault (a member who
// blocked the bot), other chats as usual; FailRandomly fails about the
// fraction asked, the same calls for the same seed.
func TestFailChatAndRandomly(t *testing.T) {
	s := New(t, "1:faults")
	post := func(body string) int {
		resp, err := http.Post(s.URL()+"/bot1:faults/sendMessage", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	s.FailChat(7, Blocked())
	for range 3 {
		if code := post(`{"chat_id":7,"text":"x"}`); code != http.StatusForbidden {
			t.Fatalf("blocked chat: %d; want 403 every time", code)
		}
	}
	if code := post(`{"chat_id":"8","text":"x"}`); code != http.StatusOK {
		t.Fatalf("another chat: %d", code)
	}
	run := func(seed uint64) []int {
		s.FailRandomly("sendMessage", 0.2, ServerError(), seed)
		defer s.FailRandomly("sendMessage", 0, Fault{}, 0)
		var failed []int
		for i := range 500 {
			if post(`{"chat_id":9,"text":"x"}`) == http.StatusInternalServerError {
				failed = append(failed, i)
			}
		}
		return failed
	}
	a, b := run(3), run(3)
	if len(a) < 60 || len(a) > 140 {
		t.Errorf("%d of 500 calls failed; want about 100", len(a))
	}
	if len(a) != len(b) || (len(a) > 0 && a[0] != b[0]) {
		t.Errorf("the same seed failed other calls: %d vs %d", len(a), len(b))
	}
	if code := post(`{"chat_id":9,"text":"x"}`); code != http.StatusOK {
		t.Errorf("after FailRandomly(0): %d", code)
	}
}
