package telegramtest

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// NewStandalone starts a fake Bot API server for the bot token token
// outside a test (a benchmark, a trial run), and returns it with the
// function that shuts it down (releasing pending long polls and hung calls).
// It behaves as a server from New, except that what New reports to its
// test (Push given an update it cannot encode) is a panic here; WaitCalls,
// which needs a test, is not for it.
func NewStandalone(token string) (srv *Server, stop func(), err error) {
	if token == "" {
		return nil, nil, errors.New("telegramtest.NewStandalone: empty token")
	}
	s := newServer(noTest{}, token)
	return s, s.close, nil
}

// Accepted returns how many calls of method (any spelling) were answered
// 200 so far. Unlike CallsOf it copies nothing, so that a caller waiting
// for many calls can ask often.
func (s *Server) Accepted(method string) int {
	method, _ = canonical(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.calls {
		if s.calls[i].Method == method && s.calls[i].Status == http.StatusOK {
			n++
		}
	}
	return n
}

// noTest stands in for the test of a standalone Server. The server only
// ever calls its Errorf, which panics: outside a test there is nobody to
// report to, and a bad update is the caller's bug. Its other methods are
// never called (the embedded nil TB would panic).
type noTest struct{ testing.TB }

func (noTest) Helper() {}

func (noTest) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
