package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotUsername is the username getMe answers.
const BotUsername = "pecbot_test"

// waitLimit bounds WaitCalls.
const waitLimit = 10 * time.Second

// Server is a fake Telegram Bot API server over real HTTP. It records every
// call, validates the calls that bots get wrong most often as Telegram would,
// serves updates to getUpdates or delivers them to a webhook, and injects
// faults. All its methods are safe for concurrent use.
type Server struct {
	t     testing.TB
	token string
	botID int64
	srv   *httptest.Server
	done  chan struct{} // closed when the server shuts down
	once  sync.Once

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change of the state below
	calls     []Call
	faults    map[string][]*faultSlot
	chatFault map[int64]Fault         // FailChat: every call about the chat
	randFault map[string]*randomFault // FailRandomly
	limit     int                     // sends per second allowed (Limit), 0: none
	recent    []time.Time             // the sends of the last second, for limit
	throttled int                     // calls answered 429 by limit
	msgID     int
	updateID  int64
	queryID   int64
	queue     []queued // updates not yet confirmed, by update_id
	confirmed int64
	allowed   []string    // allowed_updates; nil means the default
	poll      *pollHandle // the pending getUpdates, if any
	webhook   webhookState
	messages  map[int64]map[int]*message // by chat, by message_id
	sent      map[int64][]Sent
	queries   map[string]bool                 // callback_query ids pushed or delivered
	commands  map[string]any                  // setMyCommands, by scope and language
	lean      bool                            // Lean: keep little
	accepted  func(method string, chat int64) // OnAccepted
}

// Call is one request the server received.
type Call struct {
	// Method is the method's canonical name (method names are
	// case-insensitive), or the name as requested if there is no such method.
	Method string
	// Params are the request's parameters from its query string and body,
	// whatever the encoding (JSON, multipart or URL-encoded form), decoded
	// by the types the Bot API gives them: Integer → int64 (chat_id: int64,
	// or string for @username), Float → float64, Boolean → bool, String →
	// string, JSON-serialized objects and arrays (reply_markup, entities,
	// allowed_updates, …) → map[string]any and []any with int64/float64
	// numbers, uploaded files → Upload. A value that does not decode as its
	// type stays a string.
	Params map[string]any
	// At is when the request arrived.
	At time.Time
	// Status is the HTTP status answered; 0 while the call is pending (a
	// long poll, a hang) or if it was never answered (the client gave up or
	// the server shut down).
	Status int
	// Rejected is the error description when the call was refused as
	// invalid, as Telegram would refuse it: a wrong token, an unknown method,
	// invalid parameters. Empty for accepted calls and injected faults.
	Rejected string
	// Fault is the fault injected by Fail that answered this call, or nil.
	Fault *Fault
}

// Sent is a text message as the bot sent (sendMessage) or edited
// (editMessageText) it, as recorded by Server.Sent.
type Sent struct {
	// Text is the text parameter as sent, markup included.
	Text string
	// Plain is the text as the user sees it, after entity parsing.
	Plain string
	// ParseMode is the parse_mode parameter.
	ParseMode string
	// Buttons is the inline keyboard, nil if none.
	Buttons [][]Button
	// MessageID is the message's id: a fresh one for sendMessage, the edited
	// message's for editMessageText.
	MessageID int
	// Edited is true for editMessageText.
	Edited bool
}

// Button is an inline keyboard button of a Sent message.
type Button struct {
	Text         string
	CallbackData string
	URL          string
}

// message is what the server knows of a message in a chat.
type message struct {
	date     int64
	text     string
	entities any
	markup   any // the inline keyboard markup, nil if none
}

type faultSlot struct {
	f    Fault
	left int
}

// New starts a fake Bot API server for the bot token token. It shuts down on
// t.Cleanup, releasing pending long polls and hung calls.
func New(t testing.TB, token string) *Server {
	t.Helper()
	if token == "" {
		t.Fatal("telegramtest.New: empty token")
	}
	s := newServer(t, token)
	t.Cleanup(s.close)
	return s
}

// newServer starts a server reporting to t.
func newServer(t testing.TB, token string) *Server {
	s := &Server{
		t:         t,
		token:     token,
		botID:     botID(token),
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		faults:    map[string][]*faultSlot{},
		chatFault: map[int64]Fault{},
		randFault: map[string]*randomFault{},
		msgID:     100,
		updateID:  1000,
		queryID:   4200000000000000000,
		messages:  map[int64]map[int]*message{},
		sent:      map[int64][]Sent{},
		queries:   map[string]bool{},
		commands:  map[string]any{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

func botID(token string) int64 {
	id, err := strconv.ParseInt(strings.SplitN(token, ":", 2)[0], 10, 64)
	if err != nil || id <= 0 {
		return 1
	}
	return id
}

func (s *Server) close() {
	s.once.Do(func() { close(s.done) })
	s.srv.Close()
}

// URL returns the server's base URL, to give the client (for go-telegram/bot:
// bot.WithServerURL). Requests go to <URL>/bot<token>/<method>, by POST or GET.
func (s *Server) URL() string { return s.srv.URL }

// Calls returns every call so far, in the order they were recorded: when
// answered, or, for calls that block (getUpdates, hung calls), on arrival.
// The calls returned are copies.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked("")
}

// CallsOf returns the calls of method so far (any spelling), in order.
func (s *Server) CallsOf(method string) []Call {
	method, _ = canonical(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params, _ = deepCopy(c.Params).(map[string]any)
			if c.Fault != nil {
				f := *c.Fault
				c.Fault = &f
			}
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls blocks until at least n calls of method were made and returns
// the calls of method. A call is recorded once it is answered, except for
// calls that block (getUpdates, hung calls), which are recorded when they
// arrive. It fails the test if that takes 10 seconds, or if the test's
// context ends first.
func (s *Server) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	method, _ = canonical(method)
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	for {
		s.mu.Lock()
		calls := s.callsLocked(method)
		ch := s.changed
		s.mu.Unlock()
		if len(calls) >= n {
			return calls
		}
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("telegramtest: %d calls of %s after %v, want %d", len(calls), method, waitLimit, n)
		case <-t.Context().Done():
			t.Fatalf("telegramtest: %d calls of %s when the test ended, want %d", len(calls), method, n)
		case <-s.done:
			t.Fatalf("telegramtest: %d calls of %s when the server shut down, want %d", len(calls), method, n)
		}
	}
}

// Sent returns the text messages sent to chat (accepted sendMessage and
// editMessageText calls), in order.
func (s *Server) Sent(chat int64) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Sent, len(s.sent[chat]))
	copy(out, s.sent[chat])
	return out
}

// changedLocked wakes everyone waiting for a change of state.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) recordLocked(c Call) int {
	if s.lean {
		c.Params = leanParams(c.Params)
	}
	s.calls = append(s.calls, c)
	s.changedLocked()
	return len(s.calls) - 1
}

func (s *Server) finish(i, status int, rejected string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[i].Status = status
	s.calls[i].Rejected = rejected
	s.changedLocked()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || name == "" || strings.Contains(name, "/") {
		writeError(w, &apiError{status: http.StatusNotFound, description: "Not Found"})
		return
	}
	method, known := canonical(name)
	params, perr := decodeParams(r, method)
	call := Call{Method: method, Params: params, At: at}

	var e *apiError
	switch {
	case token != s.token:
		e = &apiError{status: http.StatusUnauthorized, description: "Unauthorized"}
	case !known:
		e = &apiError{status: http.StatusNotFound, description: "Not Found"}
	case perr != nil:
		e = badRequest("%v", perr)
	}
	if e != nil {
		call.Status, call.Rejected = e.status, e.description
		s.mu.Lock()
		s.recordLocked(call)
		s.mu.Unlock()
		writeError(w, e)
		return
	}

	s.mu.Lock()
	f := s.takeFaultLocked(method, params)
	if f != nil && f.Slow != nil {
		s.mu.Unlock()
		select {
		case <-f.Slow:
		case <-r.Context().Done():
			return
		case <-s.done:
			panic(http.ErrAbortHandler)
		}
		s.mu.Lock()
		f = nil // answered as it would have been
	}
	if f != nil {
		call.Fault = f
		if f.Hang {
			s.recordLocked(call)
			s.mu.Unlock()
			select {
			case <-r.Context().Done():
				return
			case <-s.done:
				// Drop the connection, as a server going away would.
				panic(http.ErrAbortHandler)
			}
		}
		e := faultError(*f)
		call.Status = e.status
		s.recordLocked(call)
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	if s.overLimitLocked(method, at) {
		f := TooMany(1)
		e := faultError(f)
		call.Fault = &f
		call.Status = e.status
		s.recordLocked(call)
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	if method == "getUpdates" {
		s.mu.Unlock()
		s.getUpdates(w, r, call)
		return
	}
	result, e := s.dispatchLocked(method, params, call.At)
	if e != nil {
		call.Status, call.Rejected = e.status, e.description
	} else {
		call.Status = http.StatusOK
	}
	s.recordLocked(call)
	accepted := s.accepted
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeResult(w, result)
	if accepted != nil {
		chat, _ := params["chat_id"].(int64)
		accepted(method, chat)
	}
}

// okAnswer and errAnswer are Telegram's answers, fields in Telegram's order.
type okAnswer struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type errAnswer struct {
	OK          bool             `json:"ok"`
	ErrorCode   int              `json:"error_code"`
	Description string           `json:"description"`
	Parameters  *errorParameters `json:"parameters,omitempty"`
}

type errorParameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, okAnswer{OK: true, Result: result})
}

func writeError(w http.ResponseWriter, e *apiError) {
	a := errAnswer{ErrorCode: e.status, Description: e.description}
	if e.retryAfter > 0 {
		a.Parameters = &errorParameters{RetryAfter: e.retryAfter}
	}
	writeJSON(w, e.status, a)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: telegramtest: ` + strconv.Quote(err.Error())[1:])
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}

func compactJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(data)
}

// sameJSON reports whether a and b encode to the same JSON (map keys are
// sorted, so this compares decoded values).
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// dispatchLocked answers a call that passed the token, method and fault
// checks.
func (s *Server) dispatchLocked(method string, p map[string]any, at time.Time) (any, *apiError) {
	if rm, ok := p["reply_markup"]; ok && rm != nil {
		if e := checkReplyMarkup(rm, strings.HasPrefix(method, "editMessage")); e != nil {
			return nil, e
		}
	}
	if _, ok := p["caption"]; ok {
		if _, e := checkText(p, "caption", "caption_entities", 0, 1024); e != nil {
			return nil, e
		}
	}
	if method == "sendDocument" {
		if e := checkDocument(p); e != nil {
			return nil, e
		}
	}
	switch method {
	case "getMe":
		return s.me(), nil
	case "sendMessage":
		return s.sendMessageLocked(p, at)
	case "editMessageText":
		return s.editMessageLocked(p, at, true)
	case "editMessageReplyMarkup":
		return s.editMessageLocked(p, at, false)
	case "copyMessage":
		return s.copyMessageLocked(p)
	case "answerCallbackQuery":
		id, _ := str(p, "callback_query_id")
		if id == "" || !s.queries[id] {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		if text, _ := str(p, "text"); utf16Len(text) > 200 {
			return nil, badRequest("MESSAGE_TOO_LONG")
		}
		return true, nil
	case "setMyCommands":
		if e := checkCommands(p["commands"]); e != nil {
			return nil, e
		}
		s.commands[commandsKey(p)] = p["commands"]
		return true, nil
	case "getMyCommands":
		if c, ok := s.commands[commandsKey(p)]; ok {
			return c, nil
		}
		return []any{}, nil
	case "deleteMyCommands":
		delete(s.commands, commandsKey(p))
		return true, nil
	case "setWebhook":
		return s.setWebhookLocked(p)
	case "deleteWebhook":
		s.webhook = webhookState{}
		if boolean(p, "drop_pending_updates") {
			s.queue = nil
		}
		return true, nil
	case "getWebhookInfo":
		return s.webhookInfoLocked(), nil
	case "logOut", "close":
		return true, nil
	}
	switch methods[method] {
	case resultTrue:
		return true, nil
	case resultMessage, resultMessageOrTrue:
		if _, ok := p["chat_id"]; !ok && methods[method] == resultMessageOrTrue {
			return true, nil
		}
		chat, e := checkChatID(p, "chat_id")
		if e != nil {
			return nil, e
		}
		s.msgID++
		return map[string]any{
			"message_id": s.msgID, "from": s.me(), "chat": chatObject(chat, p["chat_id"]),
			"date": at.Unix(),
		}, nil
	case resultMessageID:
		s.msgID++
		return map[string]any{"message_id": s.msgID}, nil
	}
	return nil, &apiError{status: http.StatusNotImplemented,
		description: "Not Implemented: telegramtest has no answer for " + method}
}

func commandsKey(p map[string]any) string {
	lang, _ := str(p, "language_code")
	scope := "default"
	if sc, ok := p["scope"]; ok && sc != nil {
		scope = compactJSON(sc)
	}
	return scope + "/" + lang
}

// me is the bot's User, as getMe answers it.
func (s *Server) me() map[string]any {
	return map[string]any{
		"id": s.botID, "is_bot": true, "first_name": "PecBot Test",
		"username": BotUsername, "can_join_groups": true,
		"can_read_all_group_messages": false, "supports_inline_queries": false,
		"can_connect_to_business": false, "has_main_web_app": false,
	}
}

// chatObject returns the Chat of a chat_id: a private chat for a positive id,
// a group or supergroup for a negative one, a channel for a @username.
func chatObject(id int64, param any) map[string]any {
	switch {
	case id > 0:
		return map[string]any{"id": id, "type": "private", "first_name": "Test"}
	case id < -1000000000000:
		return map[string]any{"id": id, "type": "supergroup", "title": "Test supergroup"}
	case id < 0:
		return map[string]any{"id": id, "type": "group", "title": "Test group"}
	}
	name, _ := param.(string)
	return map[string]any{"id": int64(-1001000000001), "type": "channel", "title": "Test channel",
		"username": strings.TrimPrefix(name, "@")}
}

func (s *Server) messageObject(chat int64, chatParam any, id int, m *message) map[string]any {
	msg := map[string]any{
		"message_id": id, "from": s.me(), "chat": chatObject(chat, chatParam),
		"date": m.date,
	}
	if m.text != "" {
		msg["text"] = m.text
	}
	if m.entities != nil {
		msg["entities"] = m.entities
	}
	if m.markup != nil {
		msg["reply_markup"] = m.markup
	}
	return msg
}

// inlineMarkup returns reply_markup if it is a non-empty inline keyboard.
func inlineMarkup(p map[string]any) any {
	m, _ := p["reply_markup"].(map[string]any)
	if rows, _ := m["inline_keyboard"].([]any); len(rows) > 0 {
		return map[string]any{"inline_keyboard": rows}
	}
	return nil
}

func buttons(markup any) [][]Button {
	m, _ := markup.(map[string]any)
	rows, _ := m["inline_keyboard"].([]any)
	if len(rows) == 0 {
		return nil
	}
	out := make([][]Button, 0, len(rows))
	for _, row := range rows {
		bs, _ := row.([]any)
		r := make([]Button, 0, len(bs))
		for _, b := range bs {
			bm, _ := b.(map[string]any)
			text, _ := bm["text"].(string)
			data, _ := bm["callback_data"].(string)
			u, _ := bm["url"].(string)
			r = append(r, Button{Text: text, CallbackData: data, URL: u})
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) sendMessageLocked(p map[string]any, at time.Time) (any, *apiError) {
	chat, e := checkChatID(p, "chat_id")
	if e != nil {
		return nil, e
	}
	f, e := checkText(p, "text", "entities", 1, 4096)
	if e != nil {
		return nil, e
	}
	s.msgID++
	m := &message{date: at.Unix(), text: f.plain, entities: f.entitiesJSON(), markup: inlineMarkup(p)}
	s.storeLocked(chat, s.msgID, m)
	if chat != 0 {
		s.sent[chat] = append(s.sent[chat], Sent{
			Text: f.raw, Plain: f.plain, ParseMode: f.parseMode,
			Buttons: buttons(m.markup), MessageID: s.msgID,
		})
	}
	return s.messageObject(chat, p["chat_id"], s.msgID, m), nil
}

func (s *Server) storeLocked(chat int64, id int, m *message) {
	if s.lean {
		return
	}
	if s.messages[chat] == nil {
		s.messages[chat] = map[int]*message{}
	}
	s.messages[chat][id] = m
}

// editMessageLocked answers editMessageText (text) and editMessageReplyMarkup.
// Telegram refuses an edit that changes nothing; the fake does so for the
// messages it knows (those sent through it). It accepts edits of messages it
// does not know.
func (s *Server) editMessageLocked(p map[string]any, at time.Time, text bool) (any, *apiError) {
	inline, _ := str(p, "inline_message_id")
	var chat int64
	var id int64
	if inline == "" {
		var e *apiError
		if chat, e = checkChatID(p, "chat_id"); e != nil {
			return nil, e
		}
		var ok bool
		if id, ok = integer(p, "message_id"); !ok || id <= 0 {
			return nil, badRequest("message identifier is not specified")
		}
	}
	var f formatted
	if text {
		_, hasRich := p["rich_message"]
		if _, hasText := p["text"]; hasText || !hasRich {
			var e *apiError
			if f, e = checkText(p, "text", "entities", 1, 4096); e != nil {
				return nil, e
			}
		}
	}
	if inline != "" {
		return true, nil
	}
	old := s.messages[chat][int(id)]
	m := &message{date: at.Unix(), markup: inlineMarkup(p)}
	if old != nil {
		m.date = old.date
	}
	if text {
		m.text, m.entities = f.plain, f.entitiesJSON()
	} else if old != nil {
		m.text, m.entities = old.text, old.entities
	}
	if old != nil && old.text == m.text && sameJSON(old.entities, m.entities) && sameJSON(old.markup, m.markup) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	s.storeLocked(chat, int(id), m)
	if text && chat != 0 {
		s.sent[chat] = append(s.sent[chat], Sent{
			Text: f.raw, Plain: f.plain, ParseMode: f.parseMode,
			Buttons: buttons(m.markup), MessageID: int(id), Edited: true,
		})
	}
	msg := s.messageObject(chat, p["chat_id"], int(id), m)
	msg["edit_date"] = at.Unix()
	return msg, nil
}

// copyMessageLocked answers copyMessage with a MessageId, as the spec says.
func (s *Server) copyMessageLocked(p map[string]any) (any, *apiError) {
	if _, e := checkChatID(p, "chat_id"); e != nil {
		return nil, e
	}
	if _, e := checkChatID(p, "from_chat_id"); e != nil {
		return nil, e
	}
	if id, ok := integer(p, "message_id"); !ok || id <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	s.msgID++
	return map[string]any{"message_id": s.msgID}, nil
}
