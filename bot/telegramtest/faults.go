package telegramtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an error answer injected by Server.Fail instead of the normal one.
type Fault struct {
	// Status is the HTTP status and error_code; 500 if zero.
	Status int
	// RetryAfter, if positive, is sent as parameters.retry_after.
	RetryAfter int
	// Description is the error description; http.StatusText(Status) if empty.
	Description string
	// Hang makes the call never answer: it blocks until the client gives up
	// (the request's context ends) or the server shuts down, which drops
	// the connection. The other fields are then ignored.
	Hang bool
	// Slow makes the call wait until Slow is closed, then answer as it
	// would have (a Bot API slow to answer, as fast as the test wants):
	// the other fields are then ignored. The call still blocks when the
	// client gives up or the server shuts down, as Hang.
	Slow <-chan struct{}
}

// Slow is a call answered normally once release is closed; see Fault.Slow.
func Slow(release <-chan struct{}) Fault { return Fault{Slow: release} }

// TooMany is Telegram's flood-control answer: 429 with retry_after.
func TooMany(retryAfter int) Fault {
	return Fault{
		Status:      http.StatusTooManyRequests,
		RetryAfter:  retryAfter,
		Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
	}
}

// Blocked is the answer to a call about a user who blocked the bot: 403.
func Blocked() Fault {
	return Fault{Status: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
}

// ServerError is a 500 Internal Server Error.
func ServerError() Fault {
	return Fault{Status: http.StatusInternalServerError, Description: "Internal Server Error"}
}

// Hang is a call that is never answered; see Fault.Hang.
func Hang() Fault { return Fault{Hang: true} }

// Fail makes the next n calls of method (any spelling) answer with f instead
// of their normal answer, and have no effect: a failed sendMessage sends
// nothing, a failed getUpdates confirms nothing. Faults of successive Fail
// calls for one method queue up in order; after them the method answers
// normally again. Faults apply to calls with the right token and a known
// method, before their parameters are validated.
func (s *Server) Fail(method string, n int, f Fault) {
	if n <= 0 {
		return
	}
	method, _ = canonical(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], &faultSlot{f: f, left: n})
}

// FailChat makes every call about chat (its chat_id) answer f from now on,
// as Telegram answers every message to a member who blocked the bot.
func (s *Server) FailChat(chat int64, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFault[chat] = f
}

// FailRandomly makes each later call of method answer f with probability
// p, drawn from a generator seeded with seed: the same calls fail in each
// run that makes the same calls. p 0 stops it.
func (s *Server) FailRandomly(method string, p float64, f Fault, seed uint64) {
	method, _ = canonical(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p <= 0 {
		delete(s.randFault, method)
		return
	}
	s.randFault[method] = &randomFault{f: f, p: p, rnd: rand.New(rand.NewPCG(seed, seed))}
}

// randomFault is a FailRandomly.
type randomFault struct {
	f   Fault
	p   float64
	rnd *rand.Rand
}

// takeFaultLocked returns the fault a call answers, if any: first those
// queued by Fail, then the chat's (FailChat), then a random one.
func (s *Server) takeFaultLocked(method string, params map[string]any) *Fault {
	q := s.faults[method]
	if len(q) == 0 {
		if chat, ok := chatParam(params); ok {
			if f, ok := s.chatFault[chat]; ok {
				return &f
			}
		}
		if r := s.randFault[method]; r != nil && r.rnd.Float64() < r.p {
			f := r.f
			return &f
		}
		return nil
	}
	f := q[0].f
	if q[0].left--; q[0].left == 0 {
		s.faults[method] = q[1:]
	}
	return &f
}

func faultError(f Fault) *apiError {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	desc := f.Description
	if desc == "" {
		desc = http.StatusText(status)
	}
	return &apiError{status: status, description: desc, retryAfter: f.RetryAfter}
}

// Limit makes the fake enforce Telegram's overall pace: beyond perSecond
// messages sent (any send method, copyMessage, forwardMessage) within one
// second, a call is answered 429 with retry_after 1 and has no effect, as
// Telegram answers a bot that floods it. 0 removes the limit. Throttled
// counts those answers.
func (s *Server) Limit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = perSecond
	s.recent = nil
}

// Throttled returns how many calls Limit answered with 429.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// isSendMethod reports whether method sends a message, for Limit.
func isSendMethod(method string) bool {
	return strings.HasPrefix(method, "send") && method != "sendChatAction" && method != "sendMessageDraft" ||
		method == "copyMessage" || method == "forwardMessage"
}

// overLimitLocked reports whether a send at t goes beyond the limit, and
// counts it as sent otherwise.
func (s *Server) overLimitLocked(method string, t time.Time) bool {
	if s.limit <= 0 || !isSendMethod(method) {
		return false
	}
	cut := t.Add(-time.Second)
	i := 0
	for i < len(s.recent) && !s.recent[i].After(cut) {
		i++
	}
	s.recent = s.recent[i:]
	if len(s.recent) >= s.limit {
		s.throttled++
		return true
	}
	s.recent = append(s.recent, t)
	return false
}

// chatParam is a call's chat_id as a number, if it has one.
func chatParam(params map[string]any) (int64, bool) {
	switch v := params["chat_id"].(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}
