package dialogs_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/omceo-latina/pecbot/dialogs"
)

// The transition table is data: the Mermaid diagram is drawn from its
// declared arrows. These tests play every declared button, every kind of
// typed answer and every reminder from every step, and check that where the
// member really ends up is an arrow the table declares, so that the diagram
// the Ordine reviews is the conversation that runs.

func TestFixturesReachEveryStep(t *testing.T) {
	d := newDialog()
	reached := map[dialogs.StepID]bool{}
	for _, f := range fixtures() {
		s, _ := reach(t, d, f)
		reached[s.Step] = true
	}
	for _, id := range sortedSteps() {
		if !reached[id] {
			t.Errorf("no fixture reaches step %s: add one to fixtures()", id)
		}
	}
}

// refusal reports whether the effects say no: the member stays where they are.
func refusal(fx dialogs.Effects) bool {
	return len(fx.Messages) > 0 && hasPrefixAny(fx.Messages[0].Key, "hint.", "date.")
}

func TestEveryChoiceLeadsWhereDeclared(t *testing.T) {
	d := newDialog()
	exercised := map[string]bool{}
	for _, f := range fixtures() {
		s, now := reach(t, d, f)
		shown := dialogs.Shown(d, s, now)
		choices := dialogs.DeclaredChoices(s.Step, s)

		// Every button the step draws is declared (or works everywhere).
		for _, row := range shown.Buttons {
			for _, b := range row {
				if b.URL != "" || b.Action == dialogs.ActBack || dialogs.IsGlobal(b.Action) {
					continue
				}
				if !slices.ContainsFunc(choices, func(c dialogs.ChoiceView) bool { return c.Action == b.Action }) {
					t.Errorf("%s: step %s draws button %s:%s that its table does not declare", f.name, s.Step, b.Action, b.Arg)
				}
			}
		}

		for _, c := range choices {
			if !c.Visible {
				continue
			}
			if !dialogs.IsGlobal(c.Action) && len(dispatch(choices, c.Action).To) == 0 {
				t.Errorf("step %s: choice %s declares no destination", s.Step, c.Action)
			}
			for _, arg := range argsFor(c, shown) {
				name := fmt.Sprintf("%s/%s:%s", f.name, c.Action, arg)
				exercised[string(s.Step)+"/"+string(c.Action)+":"+c.Arg] = true
				after, fx, _ := play(t, d, s, now, press(c.Action, arg))
				if len(fx.Messages) == 0 {
					t.Errorf("%s: no answer", name)
				}
				switch {
				case c.Action == dialogs.ActResume:
					if after.Step != s.Resume {
						t.Errorf("%s: step = %q, want the journey %q", name, after.Step, s.Resume)
					}
				case dialogs.IsGlobal(c.Action):
					if after.Step != s.Step {
						t.Errorf("%s: step = %q, want to stay on %q", name, after.Step, s.Step)
					}
				case after.Step == s.Step && refusal(fx):
					// A refusal: asked again.
				case s.Resume != "" && after.Step == s.Resume:
					// The path tapped again from the menu resumes the journey
					// left on it, as the Resume button does.
				default:
					if to := dispatch(choices, c.Action).To; !slices.Contains(to, after.Step) {
						t.Errorf("%s: led to %q, not among the declared %q", name, after.Step, to)
					}
				}
			}
		}
	}
	// Every declared button was pressed, visible, from some fixture.
	for _, id := range sortedSteps() {
		for _, c := range dialogs.DeclaredChoices(id, dialogs.State{}) {
			if key := string(id) + "/" + string(c.Action) + ":" + c.Arg; !exercised[key] {
				t.Errorf("choice %s was never visible in a fixture: add one", key)
			}
		}
	}
}

// dispatch is the choice a press of action a runs: the first visible one.
func dispatch(choices []dialogs.ChoiceView, a dialogs.Action) dialogs.ChoiceView {
	for _, c := range choices {
		if c.Action == a && c.Visible {
			return c
		}
	}
	return dialogs.ChoiceView{}
}

// argsFor lists the arguments to press choice c with: its own, or those of
// the buttons the step draws for it.
func argsFor(c dialogs.ChoiceView, shown dialogs.Message) []string {
	if c.Arg != "" || c.Label != "" {
		return []string{c.Arg}
	}
	var args []string
	for _, row := range shown.Buttons {
		for _, b := range row {
			if b.Action == c.Action {
				args = append(args, b.Arg)
			}
		}
	}
	return args
}

// typedAnswers are texts of every kind, for Thu 30 Sep 2027: exact dates
// past, today and future, near and far; days without year; months past,
// recent and future; bare numbers; nonsense.
var typedAnswers = []string{
	"30/09/2027", "oggi", "ieri", "domani", "1/10/2027", "23/09/2027", "20/09/2027", "2/7/2027", "1/7/2027",
	"31/12/2027", "15/12/2027", "1/1/2020", "12/3", "29/2", "1/10", "30/9", "settembre 2027", "marzo 2020",
	"giugno 2027", "luglio 2027", "novembre 2027", "dicembre 2030", "12", "31", "0", "1", "12.", "ciao", "",
	"31/02/2025", "1/1/1900", "1/1/2048", "2027-10-01",
}

func TestEveryTextLeadsWhereDeclared(t *testing.T) {
	d := newDialog()
	for _, f := range fixtures() {
		s, now := reach(t, d, f)
		to, takesText := dialogs.DeclaredTextTo(s.Step)
		for _, typed := range typedAnswers {
			name := fmt.Sprintf("%s/%q", f.name, typed)
			after, fx, _ := play(t, d, s, now, text(typed))
			if len(fx.Messages) == 0 {
				t.Errorf("%s: no answer", name)
			}
			if !takesText {
				if after.Step != s.Step || !equalStrings(keys(fx), []string{"hint.buttons"}) {
					t.Errorf("%s: step %q keys %q, want to stay with hint.buttons", name, after.Step, keys(fx))
				}
				continue
			}
			if after.Step != s.Step && !slices.Contains(to, after.Step) {
				t.Errorf("%s: led to %q, not among the declared %q", name, after.Step, to)
			}
		}
	}
}

func TestEveryWakeLeadsWhereDeclared(t *testing.T) {
	d := newDialog()
	fired := map[dialogs.WakeReason]bool{}
	for _, f := range fixtures() {
		s, now := reach(t, d, f)
		if s.Wake.IsZero() {
			continue
		}
		journey := s.Step
		if journey == dialogs.StepMenu {
			journey = s.Resume
		}
		// A step without reminders of its own keeps the one pending (Back,
		// or a date corrected): then it need only be one a step declares.
		if reminds := dialogs.DeclaredReminds(journey); len(reminds) > 0 && !slices.Contains(reminds, s.Wake.Reason) ||
			!slices.Contains(dialogs.WakeReasons(), s.Wake.Reason) {
			t.Errorf("%s: step %s set wake-up %s, which it does not declare", f.name, journey, s.Wake.Reason)
		}
		if s.RemindersOff { // muted: never delivered
			after, fx, _ := play(t, d, s, now, wake())
			if len(fx.Messages) > 0 || !equalState(after, s) {
				t.Errorf("%s: muted wake-up %s acted: %q", f.name, s.Wake.Reason, keys(fx))
			}
			continue
		}
		after, fx, _ := play(t, d, s, now, wake())
		if _, typing := dialogs.DeclaredTextTo(s.Step); typing && !slices.Contains(dialogs.DeclaredReminds(s.Step), s.Wake.Reason) {
			// At a date question: it waits once, silently, then comes.
			if len(fx.Messages) > 0 || after.Step != s.Step || !after.Wake.Waited || after.Wake.Reason != s.Wake.Reason {
				t.Errorf("%s: wake-up %s at a question did not wait: %q, pending %s", f.name, s.Wake.Reason, keys(fx), showWake(after.Wake))
			}
			after, fx, _ = play(t, d, after, now, wake())
		}
		fired[s.Wake.Reason] = true
		if want := dialogs.WakeLeadsTo(s.Wake.Reason); after.Step != want {
			t.Errorf("%s: wake-up %s led to %q, declared %q", f.name, s.Wake.Reason, after.Step, want)
		}
		if len(fx.Messages) == 0 {
			t.Errorf("%s: wake-up %s said nothing", f.name, s.Wake.Reason)
		}
	}
	// The renewal chain: each reminder in turn.
	s, now := reach(t, d, fixture{"renew", thu30Sep, then(toRenExpiry, text("15/12/2027"))})
	for !s.Wake.IsZero() {
		why := s.Wake.Reason
		fired[why] = true
		s, _, now = play(t, d, s, now, wake())
		if s.Step != dialogs.WakeLeadsTo(why) {
			t.Errorf("renewal wake-up %s led to %q", why, s.Step)
		}
	}
	for _, r := range dialogs.WakeReasons() {
		if !fired[r] {
			t.Errorf("wake-up %s never fired in these tests", r)
		}
	}
}

// A wake-up reason belongs to exactly one step's declaration, so that the
// diagram draws each reminder once.
func TestEveryWakeReasonIsDeclared(t *testing.T) {
	owners := map[dialogs.WakeReason][]dialogs.StepID{}
	for _, id := range sortedSteps() {
		for _, r := range dialogs.DeclaredReminds(id) {
			owners[r] = append(owners[r], id)
		}
	}
	for _, r := range dialogs.WakeReasons() {
		if len(owners[r]) != 1 {
			t.Errorf("wake-up %s is declared by %q, want exactly one step", r, owners[r])
		}
		if !dialogs.IsKnownStep(dialogs.WakeLeadsTo(r)) || dialogs.WakeLeadsTo(r) == "" {
			t.Errorf("wake-up %s leads to unknown step %q", r, dialogs.WakeLeadsTo(r))
		}
	}
	for _, id := range sortedSteps() {
		if p := dialogs.DeclaredParent(id); p != "" && !dialogs.IsKnownStep(p) {
			t.Errorf("step %s: parent %q is not a step", id, p)
		}
	}
}
