package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	tgbot "github.com/go-telegram/bot"
)

// Direct makes the sender's most frequent Bot API calls (sendMessage,
// copyMessage) with a JSON body, which the Bot API accepts as well as a
// form: go-telegram/bot writes every call as a multipart form, field by
// field through reflection, in a goroutine of its own, and Telegram reads
// it back part by part, several times the work of the JSON for a message
// of a few hundred bytes. The result is not decoded (the sender only needs
// to know the call was accepted). Errors are the library's, so that the
// sender tells them apart as it does for every other call:
// tgbot.ErrorForbidden, ErrorBadRequest (or a *tgbot.MigrateError),
// ErrorUnauthorized, ErrorNotFound, ErrorConflict, *tgbot.TooManyRequestsError
// with retry_after; anything else (network, 5xx) is an error to retry.
type Direct struct {
	base   string // server URL + "/bot" + token + "/"
	token  string
	client tgbot.HttpClient
}

// NewDirect returns the calls to the Bot API at server (Telegram's:
// https://api.telegram.org) for token, through client.
func NewDirect(server, token string, client tgbot.HttpClient) *Direct {
	return &Direct{base: strings.TrimSuffix(server, "/") + "/bot" + token + "/", token: token, client: client}
}

// call makes method with params, encoded as JSON.
func (d *Direct) call(ctx context.Context, method string, params any) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // a formatted text's < and > as they are
	if err := enc.Encode(params); err != nil {
		return fmt.Errorf("encode %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+method, &body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, d.redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("error do request for method %s, %w", method, d.redact(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("error read response body for method %s, %w", method, err)
	}
	if bytes.HasPrefix(bytes.TrimLeft(answer, " \t\r\n"), acceptedPrefix) {
		return nil // accepted: the result (the message) is not needed
	}
	return answerError(method, answer)
}

// answerError reads an answer that is not {"ok":true,...} as the error the
// library would return for it.
func answerError(method string, answer []byte) error {
	var r struct {
		OK          bool   `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter      int `json:"retry_after"`
			MigrateToChatID int `json:"migrate_to_chat_id"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(answer, &r); err != nil {
		return fmt.Errorf("error decode response body for method %s: %w", method, err)
	}
	if r.OK { // ok, written otherwise than Telegram does
		return nil
	}
	switch r.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, r.Description)
	case http.StatusBadRequest:
		if r.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{Message: fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, r.Description),
				MigrateToChatID: r.Parameters.MigrateToChatID}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, r.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, r.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, r.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, r.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, r.Description),
			RetryAfter: r.Parameters.RetryAfter}
	}
	return fmt.Errorf("error response from telegram for method %s, %d %s", method, r.ErrorCode, r.Description)
}

// redact keeps the token out of an error that quotes the URL.
func (d *Direct) redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = strings.ReplaceAll(ue.URL, d.token, "***")
	}
	return err
}
