package dialogs

import (
	"slices"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// DefaultRemindHour is the local hour at which reminders go out.
const DefaultRemindHour = 10

// Dialog holds the rules that do not change from member to member: the
// working-day calendar, the time zone of every date a member sees, and the
// hour reminders go out. It is safe for concurrent use.
type Dialog struct {
	Cal        *calendar.Calendar
	Loc        *time.Location
	RemindHour int
}

// New returns a Dialog for the members' zone loc (Europe/Rome for the
// Ordine; loading it is the caller's job, so that this package does no
// I/O). A nil cal means the national holidays only; an hour outside 9..18
// means DefaultRemindHour. A nil loc is a programming error.
func New(cal *calendar.Calendar, loc *time.Location, remindHour int) *Dialog {
	if loc == nil {
		panic("dialogs.New: no time zone")
	}
	if cal == nil {
		cal = calendar.New()
	}
	if remindHour < 9 || remindHour > 18 {
		remindHour = DefaultRemindHour
	}
	return &Dialog{Cal: cal, Loc: loc, RemindHour: remindHour}
}

// today is the civil date of now in the member's zone.
func (d *Dialog) today(now time.Time) calendar.Date { return calendar.Today(now, d.Loc) }

// Step is the conversation: given where the member is, what happened and the
// time, it returns where they are now and what to show them. It never fails:
// a bad answer is a message asking again.
func (d *Dialog) Step(s State, ev Event, now time.Time) (State, Effects) {
	s.Schema = SchemaVersion
	var fx Effects
	if s.Step == "" && ev.Kind != Woken {
		return d.first(s, ev, now)
	}
	switch ev.Kind {
	case Command:
		return d.command(s, ev.Name, now)
	case Press:
		return d.press(s, ev, now)
	case Text:
		if to, ok := d.lapsed(s, now); ok { // its deadline passed: no answer to it applies
			return d.enter(s, to, now, &fx)
		}
		if in := steps[s.Step].text; in != nil {
			return in.handle(d, s, ev.Text, now)
		}
		return s, d.prompt(s, now, Message{Key: "hint.buttons"}, fx)
	case Woken:
		return d.woken(s, ev, now)
	}
	return s, fx
}

// first greets a member the bot has not met (or who asked to be
// forgotten): whatever they did, they get the welcome and the menu. A
// command such as /help or /language, or a language button, is answered
// too, so that a newcomer can choose English before anything else.
func (d *Dialog) first(s State, ev Event, now time.Time) (State, Effects) {
	welcome := Message{Key: "welcome"}
	s.Step = StepMenu
	switch {
	case ev.Kind == Press && ev.Action == ActLang && Speaks(ev.Arg):
		s.Lang = ev.Arg
	case ev.Kind == Command && !slices.Contains([]string{"start", "menu", "cancel"}, commandName(ev.Name)):
		s, fx := d.command(s, ev.Name, now)
		fx.Messages = append([]Message{welcome}, fx.Messages...)
		return s, fx
	}
	var fx Effects
	return d.enter(s, StepMenu, now, &fx, welcome)
}

// enter moves to step to: the step's entry rule sets (or clears) the
// wake-up, and its message is shown after any given before it.
func (d *Dialog) enter(s State, to StepID, now time.Time, fx *Effects, before ...Message) (State, Effects) {
	s.Step, s.Resume = to, ""
	s.Wake = d.nextWake(s, now)
	fx.say(before...)
	return s, d.show(s, now, *fx)
}

// show appends the current step's message, with its buttons and the
// navigation row.
func (d *Dialog) show(s State, now time.Time, fx Effects) Effects {
	m := steps[s.Step].render(d, s, now)
	m.Buttons = d.buttons(s, m.Buttons)
	fx.say(m)
	return fx
}

// Buttons are the buttons under the current step's message, as the member
// sees them now: an adapter uses them to understand a button's label typed
// instead of tapped.
func (d *Dialog) Buttons(s State, now time.Time) [][]Button {
	if s.Step == "" {
		return nil
	}
	return d.buttons(s, steps[s.Step].render(d, s, now).Buttons)
}

// prompt shows msg in place of the current step's text, with the step's
// buttons: a hint, a refused date or a reminder, each answerable at once.
func (d *Dialog) prompt(s State, now time.Time, msg Message, fx Effects) Effects {
	msg.Buttons = d.buttons(s, steps[s.Step].render(d, s, now).Buttons)
	fx.say(msg)
	return fx
}

// buttons completes the buttons a step drew itself with its declared
// choices and the navigation row.
func (d *Dialog) buttons(s State, drawn [][]Button) [][]Button {
	st := steps[s.Step]
	rows := drawn
	for _, c := range st.choices {
		if c.label == "" || (c.visible != nil && !c.visible(s)) {
			continue
		}
		rows = append(rows, []Button{{Label: c.label, Action: c.action, Arg: c.arg}})
	}
	if s.Step != StepMenu {
		rows = append(rows, navRow(st.parent))
	}
	return rows
}

// navRow is the Back and Menu row every step but the menu carries.
func navRow(parent StepID) []Button {
	if parent == "" {
		return []Button{{Label: "btn.menu", Action: ActMenu}}
	}
	return []Button{{Label: "btn.back", Action: ActBack}, {Label: "btn.menu", Action: ActMenu}}
}

// press handles a button. Global actions work from any message; a step's
// own buttons work only from the message of the current step, so a stale or
// forged button leads back to where the member is instead of acting.
func (d *Dialog) press(s State, ev Event, now time.Time) (State, Effects) {
	var fx Effects
	if global[ev.Action] {
		return d.globalAction(s, ev, now)
	}
	st := steps[s.Step]
	if ev.Action == ActBack && ev.From == s.Step {
		return d.back(s, now)
	}
	if to, ok := d.lapsed(s, now); ok { // its deadline passed: the button no longer applies
		return d.enter(s, to, now, &fx)
	}
	if ev.From == s.Step {
		for _, c := range st.choices {
			if c.action != ev.Action || (c.visible != nil && !c.visible(s)) {
				continue
			}
			if c.do != nil {
				return c.do(d, s, ev, now)
			}
			return d.enter(s, c.to[0], now, &fx)
		}
	}
	fx.say(Message{Key: "hint.stale"})
	return d.here(s, now, fx)
}

// back goes to the current step's parent; back to the menu keeps the
// journey to resume, as the Menu button does.
func (d *Dialog) back(s State, now time.Time) (State, Effects) {
	parent := steps[s.Step].parent
	if parent == "" || parent == StepMenu {
		return d.toMenu(s, now)
	}
	var fx Effects
	return d.enter(s, parent, now, &fx)
}
