package dialogs

import "time"

// setReminders switches reminders on or off. Switching on schedules the
// current journey's next one again.
func (d *Dialog) setReminders(s State, on bool, now time.Time) (State, Effects) {
	s.RemindersOff = !on
	s.Wake = Wake{}
	key := "remind.off"
	if on {
		key = "remind.on"
		s.Wake = d.nextWake(s, now)
	}
	return s, d.overlay(Message{Key: key}, d.status(s))
}

// nextWake is the wake-up to keep on entering the current (or resumable)
// step: the one its rule sets, or, for a step without a rule, the one
// pending, since moving within a journey does not cancel its reminder.
func (d *Dialog) nextWake(s State, now time.Time) Wake {
	id := s.Step
	if id == StepMenu {
		id = s.Resume
	}
	st := steps[id]
	if s.RemindersOff {
		return Wake{}
	}
	if st.wake == nil {
		return s.Wake
	}
	w := st.wake(d, s, now)
	if !w.IsZero() && !w.At.After(now) {
		// Due already (reminders switched back on late): at the next civil
		// moment, not in the past.
		w.At = d.Cal.NextCivilTime(now, d.Loc, d.RemindHour)
	}
	return w
}

// noWake is the rule of a step that ends whatever was pending: the journey
// is over, or its reminder has just been answered.
func noWake(*Dialog, State, time.Time) Wake { return Wake{} }

// woken handles a fired wake-up. One that no longer matches the state (the
// member moved on, cancelled, switched reminders off, or it fires early)
// does nothing. One that fires outside civil hours (the bot was down) is
// put off to the next civil moment: no message at night or on a holiday.
func (d *Dialog) woken(s State, ev Event, now time.Time) (State, Effects) {
	rule, ok := wakes[ev.Reason]
	if !ok || s.RemindersOff || s.Wake.IsZero() || s.Wake.Reason != ev.Reason ||
		!s.Wake.At.Equal(ev.At) || now.Before(s.Wake.At) {
		return s, Effects{}
	}
	if civil := d.Cal.NextCivilTime(now, d.Loc, d.RemindHour); civil.After(now) {
		s.Wake.At = civil
		return s, Effects{}
	}
	s.Resume, s.Wake = "", Wake{}
	return rule.handle(d, s, now)
}

// stopReminders is the button that switches reminders off, shown where a
// reminder is planned (or on the check that leads to one).
var stopReminders = choice{action: ActRemind, arg: "off", label: "btn.remind_off",
	visible: func(s State) bool { return !s.RemindersOff && (!s.Wake.IsZero() || s.Step == StepActCheck) }}

// startReminders is the button that switches them back on, shown on the
// steps that would have one, so that a member who muted them once is not
// left without any for good.
var startReminders = choice{action: ActRemind, arg: "on", label: "btn.remind_on",
	visible: func(s State) bool { return s.RemindersOff }}
