package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage"
)

// Turns is what the Telegram transport needs of storage: a member's turn
// taken under the chat's lock (and refused for an update seen before), then
// committed together with the replies to send.
type Turns interface {
	Begin(ctx context.Context, chat, updateID int64) (storage.Turn, error)
	Commit(ctx context.Context, chat, updateID int64, t storage.Turn, state []byte, outbox [][]byte, ttl time.Duration) error
	Forget(ctx context.Context, chat, updateID int64, t storage.Turn, outbox [][]byte) error
	Release(ctx context.Context, chat int64, t storage.Turn) error
}

// Telegram handles members' updates: each one exactly once (Telegram
// delivers at least once), one at a time per chat across every process,
// its effects committed with its replies before it is acknowledged.
type Telegram struct {
	Conv      *Conversation
	Turns     Turns
	Clock     *Clock
	Log       zerolog.Logger
	Sender    *Sender
	MemberTTL time.Duration // how long an inactive member without a pending reminder is kept
}

// maxTurnWait bounds how long an update waits for its chat's lock before
// giving up (Telegram will deliver it again).
const maxTurnWait = 15 * time.Second

// Handle handles one update. It returns nil once the update's effects are
// committed (or it was handled before, or there is nothing to do); an error
// means nothing was committed and the update must be delivered again.
func (t *Telegram) Handle(ctx context.Context, u *models.Update) error {
	in, ok := understandUpdate(u)
	if !ok {
		return nil
	}
	return t.handle(ctx, in, u.ID)
}

// handle runs one member event through a turn: begin, step, commit; a busy
// chat or a concurrent writer means waiting a little and trying again.
func (t *Telegram) handle(ctx context.Context, in incoming, updateID int64) error {
	wait := 10 * time.Millisecond
	deadline := time.Now().Add(maxTurnWait)
	for {
		err := t.attempt(ctx, in, updateID)
		if !errors.Is(err, storage.ErrBusy) && !errors.Is(err, storage.ErrConflict) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("update %d of chat %d: %w", updateID, in.chat, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// attempt is one try at a turn.
func (t *Telegram) attempt(ctx context.Context, in incoming, updateID int64) error {
	turn, err := t.Turns.Begin(ctx, in.chat, updateID)
	if errors.Is(err, storage.ErrSeen) {
		t.Log.Debug().Int64("update", updateID).Msg("update seen before: not handled again")
		if t.Sender != nil {
			t.Sender.Kick(in.chat) // its replies may still wait (a commit whose answer was lost)
		}
		return nil
	}
	if err != nil {
		return err
	}
	now := t.Clock.Now()
	out := t.step(turn.State, in, now)
	items, err := outboxOf(out.Replies, in.callbackID)
	if err != nil {
		_ = t.Turns.Release(ctx, in.chat, turn)
		return err
	}
	switch {
	case out.Forget:
		err = t.Turns.Forget(ctx, in.chat, updateID, turn, items)
	case out.Save:
		err = t.Turns.Commit(ctx, in.chat, updateID, turn, out.Encoded, items, t.ttl(out.State, now))
	default:
		err = t.Turns.Release(ctx, in.chat, turn)
	}
	if err != nil {
		return err
	}
	if len(items) > 0 && t.Sender != nil {
		t.Sender.Kick(in.chat)
	}
	return nil
}

// step runs the dialog. A panic is recovered and logged, and the member gets
// a short apology with their state unchanged: one bad update never kills
// the bot, nor comes back to kill it again (it is committed as seen).
func (t *Telegram) step(raw []byte, in incoming, now time.Time) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			t.Log.Error().Str("panic", fmt.Sprint(r)).Str("stack", string(debug.Stack())).
				Str("kind", kindOf(in.event)).Msg("panic while handling an update; the member gets an apology")
			out = t.apology(raw)
		}
	}()
	out, err := t.Conv.Turn(raw, in.event, now)
	if err != nil {
		t.Log.Error().Err(err).Str("kind", kindOf(in.event)).Msg("update could not be handled; the member gets an apology")
		return t.apology(raw)
	}
	return out
}

// apology keeps the stored state and says sorry.
func (t *Telegram) apology(raw []byte) Outcome {
	s, _ := dialogs.Decode(raw)
	if s.Lang == "" {
		s.Lang = t.Conv.Lang
	}
	text, err := t.Conv.Texts.Render(s.Lang, "error.apology", nil)
	if err != nil {
		text = "Sorry, something went wrong. Please try again: /menu"
	}
	enc, _ := dialogs.Encode(s)
	return Outcome{Replies: []Reply{{Text: text}}, State: s, Encoded: enc, Save: true}
}

// ttl is how long the member's record lives: MemberTTL after their last
// update, or after their pending reminder if that comes later.
func (t *Telegram) ttl(s dialogs.State, now time.Time) time.Duration {
	if t.MemberTTL <= 0 {
		return 0
	}
	ttl := t.MemberTTL
	if !s.Wake.IsZero() && s.Wake.At.After(now) {
		ttl += s.Wake.At.Sub(now)
	}
	return ttl
}

// kindOf names an event for logs, without what the member wrote.
func kindOf(ev dialogs.Event) string {
	switch ev.Kind {
	case dialogs.Command:
		return "command /" + ev.Name
	case dialogs.Press:
		return "button " + string(ev.Action)
	case dialogs.Text:
		return "text"
	case dialogs.Woken:
		return "wake-up " + string(ev.Reason)
	}
	return "unknown"
}
