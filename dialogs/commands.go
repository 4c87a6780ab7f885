package dialogs

import "time"

// Commands lists the commands a member can use, in the order a menu of
// commands shows them. Each has a description under the key "cmd.<name>".
var Commands = []string{"start", "menu", "status", "help", "cancel", "language", "reminders", "privacy", "forget"}

// command handles a /command.
func (d *Dialog) command(s State, name string, now time.Time) (State, Effects) {
	switch name {
	case "start":
		return d.toMenu(s, now, Message{Key: "welcome"})
	case "menu":
		return d.toMenu(s, now)
	case "cancel":
		return d.cancel(s, now)
	case "help":
		return s, d.overlay(Message{Key: "info.help"})
	case "status", "reminders":
		return s, d.overlay(d.status(s))
	case "language":
		return s, d.overlay(languageMessage())
	case "privacy":
		return s, d.overlay(Message{Key: "info.privacy"})
	case "forget":
		// The answer is honoured only from this message, while the member
		// is still where they asked (see forget).
		return s, Effects{Messages: []Message{{Key: "forget.confirm", Buttons: [][]Button{
			{{Label: "btn.forget_yes", Action: ActForgetYes}},
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

// forget erases the member, if the confirmation comes from the message
// /forget showed (the member has not moved since); an older one is stale.
func (d *Dialog) forget(s State, ev Event, now time.Time) (State, Effects) {
	if ev.From != s.Step {
		return d.here(s, now, Effects{Messages: []Message{{Key: "hint.stale"}}})
	}
	return State{Schema: SchemaVersion}, Effects{Forget: true, Messages: []Message{{Key: "forget.done"}}}
}
