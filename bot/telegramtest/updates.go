package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queued is an update waiting for getUpdates.
type queued struct {
	id  int64
	typ string // the update's type (its optional field), "" if none known
	raw json.RawMessage
}

// webhookState is what setWebhook set.
type webhookState struct {
	url, secret string
	maxConn     int
	ip          string
	hasCert     bool
	errDate     int64
	errMsg      string
}

// pollHandle lets a newer getUpdates or setWebhook end a pending long poll.
type pollHandle struct {
	stop   chan struct{}
	reason string // set before stop is closed
}

// Push queues an update for getUpdates and returns its update_id. The server
// assigns update_id (increasing) if u has none. u is copied; it can be any
// Update, e.g. {"message": {...}} or {"callback_query": {...}}. The ids of
// pushed callback queries become valid for answerCallbackQuery.
func (s *Server) Push(u map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.prepareLocked(u)
	if err != nil {
		s.t.Errorf("telegramtest: Push: %v", err)
		return q.id
	}
	i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].id > q.id })
	s.queue = append(s.queue, queued{})
	copy(s.queue[i+1:], s.queue[i:])
	s.queue[i] = q
	s.changedLocked()
	return q.id
}

// prepareLocked gives u its update_id and encodes it.
func (s *Server) prepareLocked(u map[string]any) (queued, error) {
	q, c, err := s.numberLocked(u)
	if err != nil {
		return q, err
	}
	var query string
	if q.raw, query, err = encodeUpdate(c); err != nil {
		return q, err
	}
	if query != "" {
		s.queries[query] = true
	}
	return q, nil
}

// numberLocked copies u, giving the copy its update_id, and tells its type.
func (s *Server) numberLocked(u map[string]any) (queued, map[string]any, error) {
	c := make(map[string]any, len(u)+1)
	for k, v := range u {
		c[k] = v
	}
	var q queued
	if v, ok := c["update_id"]; ok {
		id, err := toInt64(v)
		if err != nil {
			return q, nil, fmt.Errorf("update_id: %v", err)
		}
		q.id = id
		if id >= s.updateID {
			s.updateID = id + 1
		}
	} else {
		q.id = s.updateID
		s.updateID++
		c["update_id"] = q.id
	}
	for _, t := range updateTypes {
		if _, ok := c[t]; ok {
			q.typ = t
			break
		}
	}
	return q, c, nil
}

// encodeUpdate encodes an update, and finds its callback query's id (for
// answerCallbackQuery), whatever Go types it was built with.
func encodeUpdate(c map[string]any) (raw []byte, query string, err error) {
	if raw, err = json.Marshal(c); err != nil {
		return nil, "", err
	}
	if cq, ok := c["callback_query"].(map[string]any); ok {
		if id, ok := cq["id"].(string); ok {
			return raw, id, nil
		}
	}
	if _, ok := c["callback_query"]; !ok {
		return raw, "", nil
	}
	var cq struct {
		CallbackQuery struct {
			ID string `json:"id"`
		} `json:"callback_query"`
	}
	if json.Unmarshal(raw, &cq) == nil {
		query = cq.CallbackQuery.ID
	}
	return raw, query, nil
}

func toInt64(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint32:
		return int64(v), nil
	case float64:
		if v == math.Trunc(v) {
			return int64(v), nil
		}
	case json.Number:
		return v.Int64()
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("not an integer: %#v", v)
}

var commandRE = regexp.MustCompile(`(?:^|[\s])(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)`)

// user is the member of a private chat with id chat, as PushMessage and
// PushCallback send it.
func user(chat int64) map[string]any {
	return map[string]any{"id": chat, "is_bot": false, "first_name": "Test"}
}

// PushMessage queues a text message from the user chat in the private chat
// chat (user id == chat id), with bot_command entities for the commands in
// it, and returns its update_id.
func (s *Server) PushMessage(chat int64, text string) int64 {
	s.mu.Lock()
	s.msgID++
	id := s.msgID
	s.mu.Unlock()
	msg := map[string]any{
		"message_id": id, "from": user(chat), "chat": chatObject(chat, nil),
		"date": time.Now().Unix(), "text": text,
	}
	var ents []any
	for _, m := range commandRE.FindAllStringSubmatchIndex(text, -1) {
		ents = append(ents, map[string]any{
			"type": "bot_command", "offset": utf16Len(text[:m[2]]), "length": utf16Len(text[m[2]:m[3]]),
		})
	}
	if ents != nil {
		msg["entities"] = ents
	}
	return s.Push(map[string]any{"message": msg})
}

// PushCallback queues a callback_query with a fresh id from the user chat
// pressing a button with callback data data under message messageID of the
// private chat chat, and returns its update_id. The query's message is the
// one the bot sent (its text and keyboard as last sent or edited) if the
// server knows it, otherwise a message with that id and no text.
func (s *Server) PushCallback(chat int64, data string, messageID int) int64 {
	s.mu.Lock()
	s.queryID++
	qid := strconv.FormatInt(s.queryID, 10)
	m := s.messages[chat][messageID]
	if m == nil {
		m = &message{date: time.Now().Unix()}
	}
	msg := s.messageObject(chat, nil, messageID, m)
	s.mu.Unlock()
	return s.Push(map[string]any{"callback_query": map[string]any{
		"id": qid, "from": user(chat), "message": msg,
		"chat_instance": strconv.FormatInt(chat*31+7, 10), "data": data,
	}})
}

// Confirmed returns the highest update_id confirmed so far: getUpdates with
// offset N confirms every update_id below N.
func (s *Server) Confirmed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Pending returns the number of queued updates not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *Server) confirmLocked(offset int64) {
	n := len(s.queue)
	switch {
	case offset > 0:
		i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].id >= offset })
		s.queue = s.queue[i:]
		s.confirmed = max(s.confirmed, offset-1)
	case offset < 0:
		// The last -offset updates are kept, all previous ones forgotten.
		if keep := int(min(-offset, int64(len(s.queue)))); keep < len(s.queue) {
			s.confirmed = max(s.confirmed, s.queue[len(s.queue)-keep-1].id)
			s.queue = s.queue[len(s.queue)-keep:]
		}
	}
	if len(s.queue) != n {
		s.changedLocked()
	}
}

func (s *Server) allowedLocked(typ string) bool {
	if typ == "" {
		return true
	}
	if s.allowed == nil {
		return !notByDefault[typ]
	}
	for _, a := range s.allowed {
		if a == typ {
			return true
		}
	}
	return false
}

// readyLocked returns up to limit updates for getUpdates. Updates of types
// not allowed are dropped, as Telegram does not keep them.
func (s *Server) readyLocked(limit int) []json.RawMessage {
	kept := s.queue[:0]
	for _, q := range s.queue {
		if s.allowedLocked(q.typ) {
			kept = append(kept, q)
		}
	}
	clear(s.queue[len(kept):])
	s.queue = kept
	out := []json.RawMessage{}
	for _, q := range s.queue {
		if len(out) == limit {
			break
		}
		out = append(out, q.raw)
	}
	return out
}

// setAllowedLocked applies an allowed_updates parameter: a list of update
// types, an empty one for the default; absent keeps the previous setting.
func (s *Server) setAllowedLocked(p map[string]any) *apiError {
	v, ok := p["allowed_updates"]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return badRequest("can't parse allowed updates: an Array of String expected")
	}
	var allowed []string
	for _, e := range list {
		t, ok := e.(string)
		if !ok {
			return badRequest("can't parse allowed updates: an Array of String expected")
		}
		allowed = append(allowed, t)
	}
	s.allowed = allowed // nil (the default) if empty
	return nil
}

func (s *Server) stopPollLocked(reason string) {
	if s.poll != nil {
		s.poll.reason = reason
		close(s.poll.stop)
		s.poll = nil
	}
}

// getUpdates answers getUpdates: it confirms the updates below offset, then
// answers the pending updates at once, or, with a timeout, as soon as one is
// pushed, or [] when the timeout elapses. A newer getUpdates or a setWebhook
// ends a pending one with 409, as Telegram does.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, call Call) {
	p := call.Params
	reject := func(e *apiError) {
		call.Status, call.Rejected = e.status, e.description
		s.recordLocked(call)
		s.mu.Unlock()
		writeError(w, e)
	}
	s.mu.Lock()
	if s.webhook.url != "" {
		reject(&apiError{status: http.StatusConflict, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
		return
	}
	if e := s.setAllowedLocked(p); e != nil {
		reject(e)
		return
	}
	offset, _ := integer(p, "offset")
	limit := 100
	if l, ok := integer(p, "limit"); ok && l >= 1 && l < 100 {
		limit = int(l)
	}
	timeout, _ := integer(p, "timeout")
	s.confirmLocked(offset)
	s.stopPollLocked("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	poll := &pollHandle{stop: make(chan struct{})}
	s.poll = poll
	i := s.recordLocked(call)

	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		expired = t.C
	}
	timedOut := timeout <= 0
	for {
		ups := s.readyLocked(limit)
		if len(ups) > 0 || timedOut {
			if s.poll == poll {
				s.poll = nil
			}
			s.calls[i].Status = http.StatusOK
			s.changedLocked()
			s.mu.Unlock()
			writeResult(w, ups)
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
			timedOut = true
		case <-poll.stop:
			e := &apiError{status: http.StatusConflict, description: poll.reason}
			s.finish(i, e.status, e.description)
			writeError(w, e)
			return
		case <-r.Context().Done():
			s.releasePoll(poll)
			return
		case <-s.done:
			s.releasePoll(poll)
			panic(http.ErrAbortHandler)
		}
		s.mu.Lock()
	}
}

func (s *Server) releasePoll(poll *pollHandle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.poll == poll {
		s.poll = nil
	}
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (s *Server) setWebhookLocked(p map[string]any) (any, *apiError) {
	raw, ok := str(p, "url")
	if !ok {
		return nil, badRequest("parameter \"url\" is required")
	}
	if raw == "" {
		s.webhook = webhookState{}
	} else {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil, badRequest("bad webhook: Failed to resolve host: Name or service not known")
		}
		// Telegram requires HTTPS; the fake accepts HTTP too, for httptest.
		if u.Scheme != "https" && u.Scheme != "http" {
			return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
		}
		secret, _ := str(p, "secret_token")
		if secret != "" && !secretRE.MatchString(secret) {
			return nil, badRequest("secret token contains unallowed characters")
		}
		maxConn := 40
		if n, ok := integer(p, "max_connections"); ok {
			if n < 1 || n > 100 {
				return nil, badRequest("bad webhook: max_connections must be between 1 and 100")
			}
			maxConn = int(n)
		}
		if e := s.setAllowedLocked(p); e != nil {
			return nil, e
		}
		ip, _ := str(p, "ip_address")
		_, cert := p["certificate"]
		s.webhook = webhookState{url: raw, secret: secret, maxConn: maxConn, ip: ip, hasCert: cert}
		s.stopPollLocked("Conflict: terminated by setWebhook request")
	}
	if boolean(p, "drop_pending_updates") {
		s.queue = nil
	}
	return true, nil
}

func (s *Server) webhookInfoLocked() map[string]any {
	info := map[string]any{
		"url":                    s.webhook.url,
		"has_custom_certificate": s.webhook.hasCert,
		"pending_update_count":   len(s.queue),
	}
	if s.webhook.url != "" {
		info["max_connections"] = s.webhook.maxConn
		if s.webhook.ip != "" {
			info["ip_address"] = s.webhook.ip
		}
	}
	if s.allowed != nil {
		info["allowed_updates"] = s.allowed
	}
	if s.webhook.errDate != 0 {
		info["last_error_date"] = s.webhook.errDate
		info["last_error_message"] = s.webhook.errMsg
	}
	return info
}

// Webhook returns the webhook URL and secret token set by setWebhook; both
// are empty when no webhook is set.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.url, s.webhook.secret
}

// Deliver posts the update u to the webhook, as Telegram does: a JSON body,
// the header X-Telegram-Bot-Api-Secret-Token when a secret is set. It assigns
// update_id if u has none. It returns the HTTP status and the Retry-After
// header of the answer; a status other than 2xx is also reported by
// getWebhookInfo as the last error. A 2xx answer may carry a Bot API call
// (JSON with "method"), which is performed (webhookReply). It fails without
// posting if no webhook is set or if the update's type is not among the
// allowed updates.
func (s *Server) Deliver(ctx context.Context, u map[string]any) (status int, retryAfter string, err error) {
	s.mu.Lock()
	hook := s.webhook
	if hook.url == "" {
		s.mu.Unlock()
		return 0, "", errors.New("telegramtest: Deliver: no webhook is set")
	}
	q, c, err := s.numberLocked(u)
	if err == nil && !s.allowedLocked(q.typ) {
		err = fmt.Errorf("update type %q is not among the allowed updates %q", q.typ, s.allowed)
	}
	s.mu.Unlock()
	if err != nil {
		return 0, "", fmt.Errorf("telegramtest: Deliver: %w", err)
	}
	// Encoded outside the lock: the fake serves calls meanwhile.
	var query string
	if q.raw, query, err = encodeUpdate(c); err != nil {
		return 0, "", fmt.Errorf("telegramtest: Deliver: %w", err)
	}
	if query != "" {
		s.mu.Lock()
		s.queries[query] = true
		s.mu.Unlock()
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.url, bytes.NewReader(q.raw))
	if err != nil {
		return 0, "", fmt.Errorf("telegramtest: Deliver: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
	}
	resp, err := webhookClient.Do(req)
	if err != nil {
		s.webhookError(hook.url, "Connection refused")
		return 0, "", fmt.Errorf("telegramtest: Deliver: %w", err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.webhookError(hook.url, fmt.Sprintf("Wrong response from the webhook: %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	} else {
		s.webhookReply(ctx, resp.Header.Get("Content-Type"), answer)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

// webhookReply performs the Bot API call a webhook's answer may carry (a
// JSON object with "method" and its parameters), as Telegram does: like
// any call, recorded and checked (Calls, CallsOf), its result unknown to
// the bot. A body that is no such object is ignored, as Telegram ignores
// it.
func (s *Server) webhookReply(ctx context.Context, contentType string, body []byte) {
	if !strings.HasPrefix(contentType, "application/json") || len(bytes.TrimSpace(body)) == 0 {
		return
	}
	var call map[string]any
	if json.Unmarshal(body, &call) != nil {
		return
	}
	method, _ := call["method"].(string)
	if method == "" {
		return
	}
	delete(call, "method")
	params, err := json.Marshal(call)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+s.token+"/"+method, bytes.NewReader(params))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// webhookClient does not follow redirects: Telegram takes a redirect as a
// wrong response.
var webhookClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (s *Server) webhookError(hookURL, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.url == hookURL {
		s.webhook.errDate = time.Now().Unix()
		s.webhook.errMsg = strings.TrimSpace(msg)
	}
}
