package dialogs

import (
	"maps"
	"time"
)

// The steps of the conversation. What is true on entry is documented where
// each step is rendered.
const (
	StepMenu       StepID = "menu"
	StepActSteps   StepID = "act_steps"
	StepActPayment StepID = "act_pay"
	StepActFax     StepID = "act_fax"
	StepActFaxDate StepID = "act_fax_date"
	StepActFaxYear StepID = "act_fax_year"
	StepActFaxWait StepID = "act_fax_wait"
	StepActWaiting StepID = "act_wait"
	StepActCheck   StepID = "act_check"
	StepActLate    StepID = "act_late"
	StepChecklist  StepID = "checklist"
	StepDone       StepID = "done"
	StepRenExpiry  StepID = "ren_expiry"
	StepRenYear    StepID = "ren_year"
	StepRenDay     StepID = "ren_day"
	StepRenew      StepID = "renew"
	StepRenUnknown StepID = "ren_unknown"
	StepRenDone    StepID = "ren_done"
	StepGone       StepID = "gone"
	StepTicket     StepID = "ticket"
	StepReactWait  StepID = "react_wait"
)

// step declares one state: where Back leads, what it shows, which buttons it
// has and where they lead, what it does with typed text, and when it next
// wakes the member. The table is data, so that the diagram is drawn from it.
type step struct {
	parent  StepID
	render  func(d *Dialog, s State, now time.Time) Message
	choices []choice
	text    *textInput
	// wake is the reminder to set on entering the step; nil keeps the one
	// pending (moving within a journey does not cancel it), noWake drops it.
	wake    func(d *Dialog, s State, now time.Time) Wake
	reminds []WakeReason // the reasons wake may give
	// revisit, when the step is shown again later, says where its dates
	// have moved the member meanwhile (a deadline passed, a day gone by).
	revisit func(d *Dialog, s State, now time.Time) (StepID, bool)
	// lapses: once revisit moves the member, the step's own buttons and
	// typed answers no longer apply either ("I renewed" after the last
	// day); otherwise they still do ("it arrived" after the day).
	lapses bool
}

// choice is one button of a step.
type choice struct {
	action  Action
	label   string             // locale key; "" when render draws the button itself
	arg     string             // the argument the drawn button carries
	to      []StepID           // where it can lead; the first one when do is nil
	visible func(s State) bool // nil: always shown
	do      func(d *Dialog, s State, ev Event, now time.Time) (State, Effects)
}

// textInput is what a step does with typed text, and where that can lead.
type textInput struct {
	handle func(d *Dialog, s State, text string, now time.Time) (State, Effects)
	to     []StepID
}

// wakeRule is what a fired wake-up does, and where it can lead (the
// first is where it leads when delivered on time).
type wakeRule struct {
	handle func(d *Dialog, s State, now time.Time) (State, Effects)
	to     []StepID
}

// steps is the conversation's transition table.
var steps map[StepID]step

// wakes maps each wake-up reason to what it does.
var wakes map[WakeReason]wakeRule

func init() {
	steps = map[StepID]step{}
	maps.Copy(steps, activationSteps())
	maps.Copy(steps, renewalSteps())
	maps.Copy(steps, commonSteps())
	wakes = map[WakeReason]wakeRule{}
	maps.Copy(wakes, activationWakes())
	maps.Copy(wakes, commonWakes())
	maps.Copy(wakes, renewalWakes())
}

// Steps lists the IDs of every step, for tools and tests.
func Steps() []StepID {
	ids := make([]StepID, 0, len(steps))
	for id := range steps {
		ids = append(ids, id)
	}
	return ids
}

// plain renders a step as its key with no arguments.
func plain(key string) func(d *Dialog, s State, now time.Time) Message {
	return func(*Dialog, State, time.Time) Message { return Message{Key: key} }
}
