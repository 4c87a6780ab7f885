package main

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/dialogs"
)

// payments are the answers members give to "how did you pay?", one per
// member in turn.
var payments = []string{"card", "postal", "bank"}

// plannedAct is one thing a member means to do: type a text (commands
// included) or press a button.
type plannedAct struct {
	text  string
	press press
}

// activationJourney is what a doctor asking for a new PEC box does: /start,
// "activate", "bought", the payment, "the fax went another day", the day
// typed, the calendar file of the expected activation, and /status.
func activationJourney(payment, faxDay string) []plannedAct {
	return []plannedAct{
		{text: "/start"},
		{press: press{dialogs.ActGoActivate, ""}},
		{press: press{dialogs.ActBought, ""}},
		{press: press{dialogs.ActPay, payment}},
		{press: press{dialogs.ActFaxOther, ""}},
		{text: faxDay},
		{press: press{dialogs.ActCalendar, ""}},
		{text: "/status"},
	}
}

// journeyStep is one update of a journey and what the bot's reply to it
// is made of.
type journeyStep struct {
	name  string // for the output: "/start", "go_act", "«28/09/2027»"
	text  string // the message typed, or
	data  string // the callback data of the button pressed
	calls int    // the Bot API calls of the reply that put a message in the chat (sendMessage, sendDocument)
}

// journey is the updates one member sends, in order.
type journey []journeyStep

// learnJourney runs plan through the conversation as a new member at now,
// pressing the buttons the bot shows, and returns the updates it takes
// with what each brings back. The members replay it against the bot:
// this tells them when a reply is complete.
func learnJourney(conv *bot.Conversation, plan []plannedAct, now time.Time) (journey, error) {
	var j journey
	var state []byte
	var shown []bot.Reply // the replies to the previous update
	for _, a := range plan {
		st := journeyStep{name: a.text, text: a.text}
		ev := dialogs.Event{Kind: dialogs.Text, Text: a.text}
		if a.text == "" {
			var err error
			if st.data, err = buttonData(shown, a.press); err != nil {
				return nil, fmt.Errorf("journey: %w", err)
			}
			if ev, err = dialogs.DecodeButton(st.data); err != nil {
				return nil, fmt.Errorf("journey: button %q: %w", st.data, err)
			}
			st.name = string(a.press.action)
			if a.press.arg != "" {
				st.name += ":" + a.press.arg
			}
		} else if !strings.HasPrefix(a.text, "/") {
			st.name = "«" + a.text + "»"
		}
		// A typed text reaches the dialog as the webhook gives it: the
		// conversation reads commands and labels out of it (the transport
		// turns "/start" into a command first).
		if strings.HasPrefix(a.text, "/") {
			ev = dialogs.Event{Kind: dialogs.Command, Name: strings.TrimPrefix(a.text, "/")}
		}
		out, err := conv.Turn(state, ev, now)
		if err != nil {
			return nil, fmt.Errorf("journey at %s: %w", st.name, err)
		}
		if st.calls, err = callsOf(out.Replies); err != nil {
			return nil, fmt.Errorf("journey at %s: %w", st.name, err)
		}
		if st.calls == 0 {
			return nil, fmt.Errorf("journey at %s: no reply", st.name)
		}
		if out.Save {
			state = out.Encoded
		}
		shown = out.Replies
		j = append(j, st)
	}
	return j, nil
}

// buttonData is the callback data of the button doing p among replies,
// the last message first.
func buttonData(replies []bot.Reply, p press) (string, error) {
	for i := len(replies) - 1; i >= 0; i-- {
		for _, row := range replies[i].Buttons {
			for _, b := range row {
				ev, err := dialogs.DecodeButton(b.Data)
				if err == nil && ev.Action == p.action && ev.Arg == p.arg {
					return b.Data, nil
				}
			}
		}
	}
	return "", errors.New("no button " + string(p.action) + " " + p.arg)
}

// callsOf counts the Bot API calls the sender makes for replies that put
// a message in the chat (the answer to a pressed button does not): one per
// message, one more for a document that comes with a text of its own.
func callsOf(replies []bot.Reply) (int, error) {
	n := 0
	for _, r := range replies {
		if len(utf16.Encode([]rune(r.Text))) > 4096 {
			return 0, errors.New("a reply longer than one Telegram message: the benchmark does not count its parts")
		}
		n++
		if r.Copy == nil && r.Document != nil && strings.TrimSpace(r.Text) != "" {
			n++
		}
	}
	return n, nil
}

// messages is the number of messages the replies to j's updates hold.
func (j journey) messages() int {
	n := 0
	for _, s := range j {
		n += s.calls
	}
	return n
}

// describe lists j's updates for the output, with the messages each
// brings when more than one.
func (j journey) describe() string {
	parts := make([]string, 0, len(j))
	for _, s := range j {
		p := s.name
		if s.calls > 1 {
			p += fmt.Sprintf(" (%d messages)", s.calls)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
