package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"
)

// AllowedUpdates are the kinds of update the bot asks Telegram for.
var AllowedUpdates = []string{"message", "callback_query"}

// Poller receives updates by long polling. Unlike the library's own loop,
// which confirms updates before they are handled, it confirms an update
// (advances the offset) only once Handle committed it: after a crash,
// Telegram delivers again what was not handled. Updates are handled in
// the order Telegram gives them, so a chat's messages keep their order.
type Poller struct {
	Server  string // the Bot API server, e.g. https://api.telegram.org
	Token   string
	Client  *http.Client
	Handle  func(context.Context, *models.Update) error
	Log     zerolog.Logger
	Timeout time.Duration // long-poll timeout, default 50s
}

// Run polls until ctx ends. A failing Handle is retried with backoff
// without confirming the update, so that nothing is skipped.
func (p *Poller) Run(ctx context.Context) error {
	var offset int64
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		if backoff > 0 && !sleepCtx(ctx, backoff) {
			break
		}
		updates, err := p.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = nextBackoff(backoff)
			p.Log.Warn().Err(err).Dur("retry_in", backoff).Msg("getUpdates failed")
			continue
		}
		backoff = 0
		for i, u := range updates {
			if i > 0 && ctx.Err() != nil {
				break // stopping: the one in hand is finished, the rest stay with Telegram
			}
			// An update under way finishes even when asked to stop, so that
			// what was started is committed (handling is bounded).
			if err := p.handle(context.WithoutCancel(ctx), u); err != nil {
				if ctx.Err() == nil {
					backoff = nextBackoff(backoff)
					p.Log.Warn().Err(err).Int64("update", u.ID).Dur("retry_in", backoff).Msg("update not handled; it will come again")
				}
				break
			}
			offset = u.ID + 1
		}
	}
	// Confirm what was handled, so that the next start does not receive it
	// again (it would be recognised as seen, but need not come back).
	if offset > 0 {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := p.getUpdatesWait(cctx, offset, 0); err != nil {
			p.Log.Debug().Err(err).Msg("last updates not confirmed; they will be recognised as seen")
		}
	}
	return nil
}

// handle runs Handle; a panic there is an error (logged), not a dead bot.
func (p *Poller) handle(ctx context.Context, u *models.Update) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic handling update %d: %v", u.ID, r)
		}
	}()
	if u.ID == 0 {
		return nil
	}
	return p.Handle(ctx, u)
}

// getUpdates asks for the updates from offset on, waiting up to Timeout.
func (p *Poller) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 50 * time.Second
	}
	return p.getUpdatesWait(ctx, offset, timeout)
}

// getUpdatesWait asks for the updates from offset on, long-polling for
// timeout (0: answer at once).
func (p *Poller) getUpdatesWait(ctx context.Context, offset int64, timeout time.Duration) ([]*models.Update, error) {
	body, err := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(timeout.Seconds()), "allowed_updates": AllowedUpdates,
	})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, p.Server+"/bot"+p.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", errors.Unwrap(err)) // the URL, with its token, stays out of logs
	}
	defer resp.Body.Close()
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		Description string            `json:"description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("getUpdates: decode answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, fmt.Errorf("getUpdates: HTTP %d: %s", resp.StatusCode, r.Description)
	}
	updates := make([]*models.Update, 0, len(r.Result))
	for _, raw := range r.Result {
		u, err := decodeUpdate(raw)
		if err != nil {
			// One update the library cannot read (a type newer than it)
			// must not stop every chat: it is skipped, and confirmed.
			p.Log.Warn().Err(err).Int64("update", u.ID).Msg("update not understood; skipped")
		}
		updates = append(updates, u)
	}
	return updates, nil
}

// decodeUpdate reads one update. When the library's models cannot read it,
// the update comes back with its ID only (nothing to do for it) and the error.
func decodeUpdate(raw []byte) (*models.Update, error) {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		var id struct {
			ID int64 `json:"update_id"`
		}
		if json.Unmarshal(raw, &id) != nil || id.ID == 0 {
			return &models.Update{}, fmt.Errorf("decode update: %w", err)
		}
		return &models.Update{ID: id.ID}, fmt.Errorf("decode update %d: %w", id.ID, err)
	}
	return &u, nil
}

// nextBackoff doubles a wait, from 100 ms up to 10 s.
func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	return min(2*d, 10*time.Second)
}

// sleepCtx waits d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
