package dialogs

import "time"

// Test-only views of the transition table, so that the table tests in
// package dialogs_test can check that the declared arrows (the ones the
// Mermaid diagram draws) are the ones the conversation really takes.

// ChoiceView is one declared button of a step, as a test sees it.
type ChoiceView struct {
	Action  Action
	Arg     string   // the argument of a button the table draws itself
	Label   string   // "" when the step's render draws the button
	To      []StepID // the declared destinations
	Visible bool     // shown in the given state
}

// DeclaredChoices lists the declared choices of step id, with their
// visibility in s.
func DeclaredChoices(id StepID, s State) []ChoiceView {
	var out []ChoiceView
	for _, c := range steps[id].choices {
		out = append(out, ChoiceView{
			Action: c.action, Arg: c.arg, Label: c.label, To: c.to,
			Visible: c.visible == nil || c.visible(s),
		})
	}
	return out
}

// DeclaredParent is where Back leads from id ("" for the menu).
func DeclaredParent(id StepID) StepID { return steps[id].parent }

// DeclaredTextTo lists where typed text may lead from id; ok is false when
// the step takes no text.
func DeclaredTextTo(id StepID) (to []StepID, ok bool) {
	if in := steps[id].text; in != nil {
		return in.to, true
	}
	return nil, false
}

// DeclaredReminds lists the wake-up reasons step id may schedule.
func DeclaredReminds(id StepID) []WakeReason { return steps[id].reminds }

// WakeLeadsTo is the step a fired wake-up of reason r leads to when
// delivered on time.
func WakeLeadsTo(r WakeReason) StepID { return wakes[r].to[0] }

// WakeMayLeadTo lists every step a fired wake-up of reason r may lead to.
func WakeMayLeadTo(r WakeReason) []StepID { return wakes[r].to }

// WakeReasons lists every reason a wake-up can have.
func WakeReasons() []WakeReason {
	out := make([]WakeReason, 0, len(wakes))
	for r := range wakes {
		out = append(out, r)
	}
	return out
}

// IsGlobal reports whether a works from any message.
func IsGlobal(a Action) bool { return global[a] }

// IsKnownStep reports whether id is a step of this version, or empty.
func IsKnownStep(id StepID) bool { return known(id) }

// Shown is the current step's message with all its buttons, as show draws it.
func Shown(d *Dialog, s State, now time.Time) Message {
	fx := d.show(s, now, Effects{})
	return fx.Messages[len(fx.Messages)-1]
}
