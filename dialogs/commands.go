package dialogs

import (
	"strconv"
	"time"
)

// Commands lists the commands a member can use, in the order a menu of
// commands shows them. Each has a description under the key "cmd.<name>".
var Commands = []string{"start", "menu", "status", "help", "contacts", "cancel", "language", "reminders", "privacy", "forget"}

// aliases are the Italian names members may type for the commands.
var aliases = map[string]string{
	"aiuto": "help", "stato": "status", "contatti": "contacts", "annulla": "cancel",
	"lingua": "language", "promemoria": "reminders", "dimentica": "forget",
}

// CommandFor returns the command a word typed without the slash stands for
// ("menu", "aiuto", "contatti"), so that a member who writes it is
// understood. Commands that drop data (cancel, forget) need their slash.
func CommandFor(word string) (string, bool) {
	if alias, ok := aliases[word]; ok {
		word = alias
	}
	switch word {
	case "start", "menu", "status", "help", "contacts", "language", "reminders", "privacy":
		return word, true
	}
	return "", false
}

// commandName is the command name stands for: itself, or the one it is an
// Italian alias of.
func commandName(name string) string {
	if alias, ok := aliases[name]; ok {
		return alias
	}
	return name
}

// command handles a /command.
func (d *Dialog) command(s State, name string, now time.Time) (State, Effects) {
	switch name = commandName(name); name {
	case "start":
		return d.toMenu(s, now, Message{Key: "welcome"})
	case "menu":
		return d.toMenu(s, now)
	case "cancel":
		return d.cancel(s, now)
	case "help":
		return s, d.overlay(Message{Key: "info.help"})
	case "contacts":
		return s, d.overlay(Message{Key: "info.contacts"})
	case "status", "reminders":
		return s, d.overlay(d.status(s))
	case "language":
		return s, d.overlay(languageMessage())
	case "privacy":
		return s, d.overlay(Message{Key: "info.privacy"})
	case "forget":
		// The answer is honoured only from this message, while the member
		// is still where they asked (see forget).
		asked := strconv.FormatInt(now.Unix(), 10)
		return s, Effects{Messages: []Message{{Key: "forget.confirm", Buttons: [][]Button{
			{{Label: "btn.forget_yes", Action: ActForgetYes, Arg: asked}},
			{{Label: "btn.forget_no", Action: ActForgetNo}},
		}}}}
	}
	return d.here(s, now, Effects{Messages: []Message{{Key: "hint.unknown_command"}}})
}

// cancel abandons the journey: dates, pending wake-ups and all; the
// member's preferences stay.
func (d *Dialog) cancel(s State, now time.Time) (State, Effects) {
	s = fresh(s)
	var fx Effects
	return d.enter(s, StepMenu, now, &fx, Message{Key: "cancelled"})
}

// forgetConfirmFor is how long the "yes, erase everything" button stays good.
const forgetConfirmFor = 15 * time.Minute

// forget erases the member, if the confirmation comes from the message
// /forget showed, recently, and the member has not moved since; an older
// one is stale.
func (d *Dialog) forget(s State, ev Event, now time.Time) (State, Effects) {
	asked, err := strconv.ParseInt(ev.Arg, 10, 64)
	age := now.Sub(time.Unix(asked, 0))
	if ev.From != s.Step || err != nil || age < 0 || age > forgetConfirmFor {
		return d.here(s, now, Effects{Messages: []Message{{Key: "hint.stale"}}})
	}
	return State{Schema: SchemaVersion}, Effects{Forget: true, Messages: []Message{{Key: "forget.done"}}}
}
