package bot

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// WholeBodies wraps a Bot API client's transport so that each request's
// body is read whole before it is sent, with its length: go-telegram/bot
// streams its multipart form through a pipe, which net/http sends chunked,
// a write (a system call) per piece; a message's form is a few hundred
// bytes, sent in one write this way.
func WholeBodies(next http.RoundTripper) http.RoundTripper {
	return wholeBodies{next}
}

type wholeBodies struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (w wholeBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return w.next.RoundTrip(req)
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
	return w.next.RoundTrip(r)
}
