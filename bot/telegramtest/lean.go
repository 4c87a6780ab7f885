package telegramtest

// Lean makes the server keep little, for load tests that send it
// thousands of messages a second: of each call only its method, time,
// status and chat_id (Call.Params holds chat_id alone, when it has one),
// and no copy of the messages for edits (an edit of a message it does not
// know is accepted, as always). Sent keeps each chat's messages until
// ForgetChat. A fake that kept everything would hold hundreds of
// megabytes after a minute, and the garbage collector's work on them
// would weigh on the process measured.
func (s *Server) Lean() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lean = true
}

// OnAccepted has fn called with the method and chat_id (0 if none) of
// each call the server answers 200, once answered: a load test that runs
// the bot in another process learns there that a reply arrived. fn runs
// on the call's own goroutine, so it must be quick.
func (s *Server) OnAccepted(fn func(method string, chat int64)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = fn
}

// ForgetChat drops what the server keeps of chat's messages (Sent, and
// the messages known for edits): a load test's member done with it.
func (s *Server) ForgetChat(chat int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sent, chat)
	delete(s.messages, chat)
}

// leanParams is what a lean server keeps of a call's parameters.
func leanParams(p map[string]any) map[string]any {
	if chat, ok := p["chat_id"]; ok {
		return map[string]any{"chat_id": chat}
	}
	return nil
}
