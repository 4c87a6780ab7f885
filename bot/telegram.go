package bot

import (
	"bytes"
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
	Commit(ctx context.Context, chat, updateID int64, t storage.Turn, state []byte, outbox [][]byte, ttl time.Duration, wakeAt time.Time) error
	Forget(ctx context.Context, chat, updateID int64, t storage.Turn, outbox [][]byte) error
	Reply(ctx context.Context, chat, updateID int64, t storage.Turn, outbox [][]byte) error
	Release(ctx context.Context, chat int64, t storage.Turn) error
}

// Scheduler is what the transport needs of the job engine: a member's
// wake-up scheduled (idempotently) before the state that asks for it is
// committed, and cancelled once no state asks for it any more.
type Scheduler interface {
	Schedule(ctx context.Context, chat int64, w dialogs.Wake) error
	Cancel(ctx context.Context, chat int64, w dialogs.Wake) error
}

// Telegram handles members' updates and wake-ups: each update exactly once
// (Telegram delivers at least once), one at a time per chat across every
// process, its effects committed with its replies before it is
// acknowledged.
type Telegram struct {
	Conv      *Conversation
	Turns     Turns
	Clock     *Clock
	Log       zerolog.Logger
	Sender    *Sender
	Wakes     Scheduler     // nil: reminders are not scheduled
	Staff     *Staff        // nil: no staff
	MemberTTL time.Duration // how long an inactive member without a pending reminder is kept
}

// maxTurnWait bounds how long an update waits for its chat's lock before
// giving up (Telegram will deliver it again).
const maxTurnWait = 15 * time.Second

// Handle handles one update. It returns nil once the update's effects are
// committed (or it was handled before, or there is nothing to do); an error
// means nothing was committed and the update must be delivered again.
func (t *Telegram) Handle(ctx context.Context, u *models.Update) (err error) {
	ctx, watch := watchUpdate(ctx, u) // counted and timed on /metrics
	defer watch.end(&err)
	in, ok := understandUpdate(u)
	if !ok {
		watch.ignored = true
		return nil
	}
	return t.forUpdate(u.ID).handle(ctx, in, u.ID)
}

// forUpdate is t logging with the update's ID (Telegram's update_id, no
// personal data), so that one update's story can be followed in the log.
func (t *Telegram) forUpdate(id int64) *Telegram {
	c := *t
	c.Log = t.Log.With().Int64("update", id).Logger()
	return &c
}

// Wake runs chat's wake-up w (the job engine calls it when w is due): the
// dialog decides under the chat's lock whether it still applies and what to
// say. A member who blocked the bot is not written to: the wake-up is
// dropped. It returns nil once done (or found stale); an error means
// nothing was committed and the wake-up must run again.
func (t *Telegram) Wake(ctx context.Context, chat int64, w dialogs.Wake) error {
	return t.handle(ctx, incoming{chat: chat, event: dialogs.Event{Kind: dialogs.Woken, Reason: w.Reason, At: w.At}}, 0)
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
		answerInline(ctx, in.callbackID) // the first answer may have been lost with the response
		seenBefore(ctx)                  // for /metrics
		t.Log.Debug().Msg("update seen before: not handled again")
		if t.Sender != nil {
			t.Sender.Kick(in.chat) // its replies may still wait (a commit whose answer was lost)
		}
		return nil
	}
	if err != nil {
		return err
	}
	woken := in.event.Kind == dialogs.Woken
	if woken && turn.State == nil {
		// The member is gone (/forget): a wake-up left behind finds nobody.
		return t.Turns.Release(ctx, in.chat, turn)
	}
	if woken && turn.Blocked {
		return t.dropWake(ctx, in.chat, turn)
	}
	now := t.Clock.Now()
	if t.Staff != nil && t.Staff.IDs[in.chat] {
		staffTurn, err := t.isStaffTurn(ctx, in)
		if err != nil {
			_ = t.Turns.Release(ctx, in.chat, turn)
			return err
		}
		if staffTurn {
			return t.staffTurn(ctx, in, updateID, turn, now)
		}
	} else if isStaffCommand(in.event) {
		// Answered as any unknown command; logged without who it was.
		t.Log.Warn().Str("command", in.event.Name).Msg("a staff command from someone who is not staff")
	}
	out, err := t.step(turn.State, in, now)
	if err != nil {
		_ = t.Turns.Release(ctx, in.chat, turn)
		return err
	}
	if woken && len(out.Replies) == 0 && !out.Forget && bytes.Equal(out.Encoded, turn.State) {
		// A wake-up that no longer applies: nothing to write.
		t.Log.Debug().Str("chat", chatRef(in.chat)).Str("reason", string(in.event.Reason)).Msg("wake-up no longer applies")
		return t.Turns.Release(ctx, in.chat, turn)
	}
	if woken {
		t.Log.Debug().Str("chat", chatRef(in.chat)).Str("reason", string(in.event.Reason)).
			Int("messages", len(out.Replies)).Msg("wake-up handled")
	}
	kind := KindReply
	if woken {
		kind = KindReminder
	}
	queued, err := outboxOf(out.Replies, answerInline(ctx, in.callbackID), kind)
	items := queued.Raw
	if err != nil {
		_ = t.Turns.Release(ctx, in.chat, turn)
		return err
	}
	before, _ := dialogs.Decode(turn.State)
	was, will := pendingWake(before), pendingWake(out.State)
	if !out.Save && !out.Forget {
		will = was
	}
	if out.Forget {
		will = dialogs.Wake{}
	}
	if t.Wakes != nil && !will.IsZero() && !sameWake(was, will) {
		// Before the commit: a crash in between leaves a wake-up that
		// finds nothing to do, never a state whose reminder never comes.
		if err := t.Wakes.Schedule(ctx, in.chat, will); err != nil {
			_ = t.Turns.Release(ctx, in.chat, turn)
			return err
		}
	}
	if len(items) > 0 && t.Sender != nil {
		// The commit takes the outbox for this process's delivery.
		turn.Handover = t.Sender.Handover(in.chat, kind)
		defer t.Sender.HandedOver(in.chat, kind, turn.Handover, queued)
	}
	switch {
	case out.Forget:
		err = t.Turns.Forget(ctx, in.chat, updateID, turn, items)
	case out.Save:
		err = t.Turns.Commit(ctx, in.chat, updateID, turn, out.Encoded, items, t.ttl(out.State, now), will.At)
	default:
		err = t.Turns.Release(ctx, in.chat, turn)
	}
	if err != nil {
		return err
	}
	// The wake-up left behind, unless it is the one running now (it ends
	// by itself). Cancelling is a saving only: left there, it would find
	// nothing to do.
	if t.Wakes != nil && !was.IsZero() && !sameWake(was, will) &&
		!(woken && sameWake(was, dialogs.Wake{Reason: in.event.Reason, At: in.event.At})) {
		if err := t.Wakes.Cancel(ctx, in.chat, was); err != nil {
			t.Log.Warn().Err(err).Msg("an old wake-up could not be cancelled; it will find nothing to do")
		}
	}
	return nil
}

// dropWake handles a wake-up of a member who blocked the bot: nothing is
// sent, and their state keeps no reminder (they are inactive; what they do
// when they come back sets new ones).
func (t *Telegram) dropWake(ctx context.Context, chat int64, turn storage.Turn) error {
	s, _ := dialogs.Decode(turn.State)
	s.Wake = dialogs.Wake{}
	enc, err := dialogs.Encode(s)
	if err != nil {
		_ = t.Turns.Release(ctx, chat, turn)
		return err
	}
	t.Log.Info().Str("chat", chatRef(chat)).Msg("member blocked the bot: reminder dropped")
	return t.Turns.Commit(ctx, chat, 0, turn, enc, nil, t.ttl(s, t.Clock.Now()), time.Time{})
}

// pendingWake is the wake-up a state waits for: none while reminders are
// muted (the state keeps it, to be scheduled again when they are back on).
func pendingWake(s dialogs.State) dialogs.Wake {
	if s.RemindersOff {
		return dialogs.Wake{}
	}
	return s.Wake
}

// sameWake compares wake-ups as the job engine knows them: to the second.
func sameWake(a, b dialogs.Wake) bool { return a.Reason == b.Reason && a.At.Unix() == b.At.Unix() }

// step runs the dialog. A panic is recovered and logged, like an error of
// the turn; see failed for what the member gets.
func (t *Telegram) step(raw []byte, in incoming, now time.Time) (out Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.Log.Error().Str("panic", fmt.Sprint(r)).Str("stack", string(debug.Stack())).
				Str("kind", kindOf(in.event)).Msg("panic while handling an event")
			out, err = t.failed(raw, in, fmt.Errorf("panic: %v", r))
		}
	}()
	out, err = t.Conv.Turn(raw, in.event, now)
	if err != nil {
		t.Log.Error().Err(err).Str("kind", kindOf(in.event)).Msg("an event could not be handled")
		return t.failed(raw, in, err)
	}
	return out, nil
}

// failed is what a turn that could not be handled comes to. An update gets
// a short apology with the member's state unchanged, committed as seen: one
// bad update never kills the bot, nor comes back to kill it again. A
// wake-up is an error, to be tried again later: the member asked for
// nothing, so an apology out of the blue would only puzzle them, and the
// reminder must not be lost.
func (t *Telegram) failed(raw []byte, in incoming, err error) (Outcome, error) {
	if in.event.Kind == dialogs.Woken {
		return Outcome{}, fmt.Errorf("wake-up %s: %w", in.event.Reason, err)
	}
	return t.apology(raw), nil
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
