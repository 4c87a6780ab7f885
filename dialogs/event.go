package dialogs

import "time"

// EventKind tells what happened.
type EventKind int

// The kinds of event.
const (
	Command EventKind = iota + 1 // a /command; Event.Name without the slash
	Press                        // a button; Event.Action, Event.Arg, Event.From
	Text                         // free text; Event.Text
	Woken                        // a wake-up fired; Event.Reason, Event.At
)

// Event is one thing the member did, or a wake-up.
type Event struct {
	Kind EventKind

	Name string // Command: "start", "menu", ...

	Action Action // Press
	Arg    string // Press: the button's argument (a year, an item number)
	From   StepID // Press: the step whose message carried the button

	Text string // Text

	Reason WakeReason // Woken
	At     time.Time  // Woken: the time the wake-up was scheduled for
}
