package bot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// WholeBodies wraps a Bot API client's transport so that each request's
// body is read whole before it is sent, with its length: go-telegram/bot
// streams its multipart form through a pipe, which net/http sends chunked,
// a write (a system call) per piece; a message's form is a few hundred
// bytes, sent in one write this way.
//
// It also spares the client decoding results nobody reads: for a call
// whose context is marked so (the sender's: it only needs to know that
// Telegram accepted the message), an answer {"ok":true,...} reaches the
// library as {"ok":true,"result":null}. go-telegram/bot decodes each
// result whole (a sent message comes back with its text, entities and
// keyboard), the largest part of a call's CPU. Other answers (errors, with
// their retry_after) pass unchanged.
func WholeBodies(next http.RoundTripper) http.RoundTripper {
	return wholeBodies{next}
}

type wholeBodies struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (w wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return w.send(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the request's body: %w", err)
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return w.send(r)
}

// send makes the call; an accepted call's result nobody reads is cut.
func (w wholeBodies) send(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK || r.Context().Value(resultUnreadKey{}) == nil {
		return resp, err
	}
	buf := answers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // an unusually long answer is not kept
			answers.Put(buf)
		}
	}()
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the answer's body: %w", err)
	}
	got := acceptedUnread
	if !bytes.HasPrefix(bytes.TrimLeft(buf.Bytes(), " \t\r\n"), acceptedPrefix) {
		got = bytes.Clone(buf.Bytes())
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	resp.ContentLength = int64(len(got))
	resp.Header.Set("Content-Length", strconv.Itoa(len(got)))
	resp.Header.Del("Content-Encoding")
	return resp, nil
}

// answers holds the buffers the answers of calls whose results are not
// read are drained into: only their start is looked at.
var answers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var (
	acceptedPrefix = []byte(`{"ok":true`)
	acceptedUnread = []byte(`{"ok":true,"result":null}`)
)

type resultUnreadKey struct{}

// resultUnread marks ctx: the results of the Bot API calls made with it
// are not read (see WholeBodies).
func resultUnread(ctx context.Context) context.Context {
	return context.WithValue(ctx, resultUnreadKey{}, true)
}
