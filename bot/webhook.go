package bot

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"
)

// maxUpdateBytes bounds a webhook body; Telegram's updates are far smaller.
const maxUpdateBytes = 1 << 20

// WebhookHandler receives updates pushed by Telegram. Unlike the library's
// handler (always 200, queued in memory, whatever the secret), it checks the
// secret token in constant time (401 otherwise, nothing processed), answers
// 400 to a body that is not an update, and 200 only after the update's
// effects are committed; when they cannot be (Redis down), 503 with
// Retry-After, so that Telegram delivers the update again. The 200 to a
// button press carries the answer to its callback query (inline.go).
func WebhookHandler(secret string, handle func(*http.Request, *models.Update) error, log zerolog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			log.Warn().Str("remote", r.RemoteAddr).Msg("webhook call with a wrong or missing secret refused")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpdateBytes))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil || !json.Valid(body) {
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		u, err := decodeUpdate(body)
		if u.ID == 0 {
			http.Error(w, "not an update", http.StatusBadRequest)
			return
		}
		if err != nil {
			// An update the library cannot read (a type newer than it):
			// taken, so that Telegram does not send it again and again.
			log.Warn().Err(err).Int64("update", u.ID).Msg("update not understood; skipped")
			w.WriteHeader(http.StatusOK)
			return
		}
		answer := &inlineAnswer{}
		if err := safeHandle(handle, r.WithContext(withInlineAnswer(r.Context(), answer)), u); err != nil {
			log.Error().Err(err).Int64("update", u.ID).Msg("update not committed; Telegram will deliver it again")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		// A button pressed: its answer rides on this response.
		if b := answer.body(); b != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(b)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// safeHandle runs handle; a panic there is an error, answered 503.
func safeHandle(handle func(*http.Request, *models.Update) error, r *http.Request, u *models.Update) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic handling update %d: %v", u.ID, p)
		}
	}()
	return handle(r, u)
}
