package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
)

// Store keeps each member's serialised dialog state.
type Store interface {
	// Load returns the stored state of chat, or nil if there is none.
	Load(ctx context.Context, chat int64) ([]byte, error)
	// Save replaces the stored state of chat.
	Save(ctx context.Context, chat int64, state []byte) error
	// Forget erases everything held about chat.
	Forget(ctx context.Context, chat int64) error
}

// Reply is one message for the member, rendered: Telegram HTML text and rows
// of buttons. With a Document, the text is usually its caption and Text is
// empty; a text too long for a caption follows the document instead.
type Reply struct {
	Text     string
	Buttons  [][]ReplyButton
	Document *Document
	// Copy, when set, is a message copied as it is instead (the staff's
	// announcement, previewed).
	Copy *Copy
}

// ReplyButton is a rendered button: its label and the callback data that
// comes back when it is pressed.
type ReplyButton struct {
	Label string
	Data  string
}

// Conversation runs one member's event through the dialog: load the state,
// step, save, render. Every transport uses it, so the console and Telegram
// follow the same code path.
type Conversation struct {
	Dialog *dialogs.Dialog
	Texts  *locales.Renderer
	Store  Store
	// Lang is the language of a member the bot has not met yet.
	Lang string
}

// Handle processes one event of chat at time now and returns the replies and
// the member's new state.
func (c *Conversation) Handle(ctx context.Context, chat int64, ev dialogs.Event, now time.Time) ([]Reply, dialogs.State, error) {
	raw, err := c.Store.Load(ctx, chat)
	if err != nil {
		return nil, dialogs.State{}, fmt.Errorf("load state of chat %d: %w", chat, err)
	}
	out, err := c.Turn(raw, ev, now)
	if err != nil {
		return nil, out.State, err
	}
	switch {
	case out.Forget:
		if err := c.Store.Forget(ctx, chat); err != nil {
			return nil, out.State, fmt.Errorf("forget chat %d: %w", chat, err)
		}
	case out.Save:
		if err := c.Store.Save(ctx, chat, out.Encoded); err != nil {
			return nil, out.State, fmt.Errorf("save state of chat %d: %w", chat, err)
		}
	}
	return out.Replies, out.State, nil
}

// Outcome is what one event does to a member: the replies to send, the new
// state (and its encoding), and whether to save it or erase the member.
type Outcome struct {
	Replies []Reply
	State   dialogs.State
	Encoded []byte
	Save    bool // false: keep what is stored (nothing happened)
	Forget  bool // erase the member; Replies are the goodbye
}

// Turn runs one event through the dialog from a stored state (nil for a
// member the bot has not met) and renders the replies. It does no I/O, so
// that every transport stores its outcome its own way.
func (c *Conversation) Turn(raw []byte, ev dialogs.Event, now time.Time) (Outcome, error) {
	s, reset := dialogs.Decode(raw)
	if raw == nil || s.Lang == "" {
		s.Lang = c.Lang
	}
	if reset && ev.Kind == dialogs.Woken {
		// A wake-up of a journey this version cannot read: keep the state
		// as it is, so that the member's next message says what happened.
		return Outcome{State: s}, nil
	}
	if ev.Kind == dialogs.Text {
		ev = c.understand(s, ev.Text, c.Dialog.Buttons(s, now))
	}
	next, fx := c.Dialog.Step(s, ev, now)
	if reset {
		fx.Messages = append([]dialogs.Message{{Key: "state.reset"}}, fx.Messages...)
	}
	if fx.Forget {
		next.Lang = s.Lang // the goodbye is said in the member's language
	}
	// Render before saving: a reply that cannot be written must not leave
	// the member moved on without a word.
	replies, err := c.render(next, fx.Messages, now)
	if err != nil {
		return Outcome{State: s}, err
	}
	if fx.Forget {
		return Outcome{Replies: replies, State: next, Forget: true}, nil
	}
	b, err := dialogs.Encode(next)
	if err != nil {
		return Outcome{State: s}, err
	}
	return Outcome{Replies: replies, State: next, Encoded: b, Save: true}, nil
}

// render turns messages into text and buttons in the member's language.
// Buttons carry the step that showed them, so that an old one is recognised.
// A calendar file is written as of now, the time of the event handled.
func (c *Conversation) render(s dialogs.State, msgs []dialogs.Message, now time.Time) ([]Reply, error) {
	replies := make([]Reply, 0, len(msgs))
	for _, m := range msgs {
		text, err := c.Texts.Render(s.Lang, m.Key, m.Args)
		if err != nil {
			return nil, err
		}
		r := Reply{Text: text}
		if m.Calendar != nil {
			var links string
			if r.Document, links, err = c.calendarDocument(s.Lang, m.Calendar, now); err != nil {
				return nil, err
			}
			// The links to Google Calendar end the text. Telegram limits a
			// caption as the member sees it: their addresses do not count.
			r.Text = text + "\n" + links
			if captionLen(r.Text) <= maxCaptionLen {
				r.Document.Caption, r.Text = r.Text, ""
			}
		}
		for _, row := range m.Buttons {
			var out []ReplyButton
			for _, b := range row {
				label, err := c.Texts.Render(s.Lang, b.Label, b.LabelArgs)
				if err != nil {
					return nil, err
				}
				out = append(out, ReplyButton{Label: label, Data: dialogs.EncodeButton(s.Step, b.Action, b.Arg)})
			}
			r.Buttons = append(r.Buttons, out)
		}
		replies = append(replies, r)
	}
	return replies, nil
}
