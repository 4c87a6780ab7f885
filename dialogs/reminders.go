package dialogs

import (
	"slices"
	"time"
)

// setReminders switches reminders on or off. Off mutes them: the journey's
// reminder stays in the state (and moves with it) but is not delivered, so
// that switching back on finds it; one that fell due meanwhile comes at
// the next civil moment, never in the past.
func (d *Dialog) setReminders(s State, on bool, now time.Time) (State, Effects) {
	s.RemindersOff = !on
	key := "remind.off"
	if on {
		key = "remind.on"
		s.Wake = d.notBefore(s.Wake, now)
	}
	return s, d.overlay(Message{Key: key}, d.status(s))
}

// notBefore moves a wake-up that is already due to the next civil moment.
func (d *Dialog) notBefore(w Wake, now time.Time) Wake {
	if !w.IsZero() && !w.At.After(now) {
		// Whole seconds: the job engine keeps times to the second, and
		// the wake-up it brings back must match this one.
		w.At = ceilSecond(d.Cal.NextCivilTime(now, d.Loc, d.RemindHour))
	}
	return w
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
	if st.wake == nil {
		return s.Wake
	}
	return d.notBefore(st.wake(d, s, now), now)
}

// noWake is the rule of a step that ends whatever was pending: the journey
// is over, or its reminder has just been answered.
func noWake(*Dialog, State, time.Time) Wake { return Wake{} }

// woken handles a fired wake-up. One that no longer matches the state (the
// member moved on, cancelled, muted reminders, or it fires early) does
// nothing. One that fires outside civil hours (the bot was down) is put off
// to the next civil moment: no message at night or on a holiday. One that
// finds the member typing a date (maybe correcting the one it is based on)
// waits once, for the next working day, rather than interrupt.
func (d *Dialog) woken(s State, ev Event, now time.Time) (State, Effects) {
	rule, ok := wakes[ev.Reason]
	// Times compared to the second, as the job engine keeps them (a state
	// may hold a finer one, written before this rule).
	if !ok || s.RemindersOff || s.Wake.IsZero() || s.Wake.Reason != ev.Reason ||
		s.Wake.At.Unix() != ev.At.Unix() || now.Unix() < s.Wake.At.Unix() {
		return s, Effects{}
	}
	if civil := d.Cal.NextCivilTime(now, d.Loc, d.RemindHour); civil.After(now) {
		s.Wake.At = civil
		return s, Effects{}
	}
	// At the step that set it the member is not correcting anything: the
	// reminder is what that step waits for (and promised on this day).
	if st := steps[s.Step]; st.text != nil && !s.Wake.Waited && !slices.Contains(st.reminds, s.Wake.Reason) {
		s.Wake.At = d.wakeOn(d.Cal.WorkingDaysAfter(d.today(now), 1), s.Wake.Reason).At
		s.Wake.Waited = true
		return s, Effects{}
	}
	if s.Step == StepMenu && s.Resume != "" {
		s.Step = s.Resume
	}
	s.Resume, s.Wake = "", Wake{}
	if to, ok := d.revisited(s, now); ok {
		// The reminder comes too late to be of use: say how things stand.
		var fx Effects
		return d.enter(s, to, now, &fx)
	}
	return rule.handle(d, s, now)
}

// promised is when the pending reminder comes, for a step to tell the
// member: never while reminders are muted.
func promised(s State) time.Time {
	if s.RemindersOff || s.Wake.IsZero() {
		return time.Time{}
	}
	return s.Wake.At
}

// stopReminders is the button that switches reminders off, shown where a
// reminder is planned (or on the check that leads to one).
var stopReminders = choice{action: ActRemind, arg: "off", label: "btn.remind_off",
	visible: func(s State) bool { return !s.RemindersOff && (!s.Wake.IsZero() || s.Step == StepActCheck) }}

// startReminders is the button that switches them back on, shown where a
// muted reminder waits, so that a member who muted them once is not left
// without any for good.
var startReminders = choice{action: ActRemind, arg: "on", label: "btn.remind_on",
	visible: func(s State) bool { return s.RemindersOff && !s.Wake.IsZero() }}

// ceilSecond rounds t up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); r.Before(t) {
		return r.Add(time.Second)
	}
	return t
}
