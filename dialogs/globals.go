package dialogs

import (
	"time"
)

// Commands lists the commands a member can use, in the order a menu of
// commands shows them. Each has a description under the key "cmd.<name>".
var Commands = []string{"start", "menu", "status", "help", "cancel", "language", "reminders", "privacy", "forget"}

// command handles a /command.
func (d *Dialog) command(s State, name string, now time.Time) (State, Effects) {
	var fx Effects
	switch name {
	case "start":
		return d.toMenu(s, now, Message{Key: "welcome"})
	case "menu":
		return d.toMenu(s, now)
	case "cancel":
		return d.cancel(s, now)
	case "help":
		return s, d.overlay(s, Message{Key: "info.help"})
	case "status", "reminders":
		return s, d.overlay(s, d.status(s, now))
	case "language":
		return s, d.overlay(s, languageMessage())
	case "privacy":
		return s, d.overlay(s, Message{Key: "info.privacy"})
	case "forget":
		return s, Effects{Messages: []Message{{Key: "forget.confirm", Buttons: [][]Button{
			{{Label: "btn.forget_yes", Action: ActForgetYes}},
			{{Label: "btn.forget_no", Action: ActForgetNo}},
		}}}}
	}
	fx.say(Message{Key: "hint.unknown_command"})
	if s.Step == "" {
		return d.enter(s, StepMenu, now, &fx)
	}
	return s, d.show(s, now, fx)
}

// globalAction handles the buttons that work from any message.
func (d *Dialog) globalAction(s State, ev Event, now time.Time) (State, Effects) {
	switch ev.Action {
	case ActMenu:
		return d.toMenu(s, now)
	case ActHere:
		return s, d.show(s, now, Effects{})
	case ActResume:
		if s.Resume == "" || s.Step != StepMenu {
			return s, d.show(s, now, Effects{})
		}
		s.Step, s.Resume = s.Resume, ""
		return s, d.show(s, now, Effects{})
	case ActContacts:
		return s, d.overlay(s, Message{Key: "info.contacts"})
	case ActHelp:
		return s, d.overlay(s, Message{Key: "info.help"})
	case ActStatus:
		return s, d.overlay(s, d.status(s, now))
	case ActPrivacy:
		return s, d.overlay(s, Message{Key: "info.privacy"})
	case ActLang:
		if lang := supportedLang(ev.Arg); lang == ev.Arg {
			s.Lang = lang
			return s, d.show(s, now, Effects{Messages: []Message{{Key: "lang.set"}}})
		}
	case ActRemind:
		return d.setReminders(s, ev.Arg == "on", now)
	case ActForgetYes:
		return State{Schema: SchemaVersion}, Effects{Forget: true, Messages: []Message{{Key: "forget.done"}}}
	case ActForgetNo:
		return s, d.show(s, now, Effects{Messages: []Message{{Key: "forget.kept"}}})
	}
	return s, d.show(s, now, Effects{Messages: []Message{{Key: "hint.stale"}}})
}

// toMenu shows the menu. A journey in progress is kept (with its wake-up)
// and offered back, since the member has cancelled nothing.
func (d *Dialog) toMenu(s State, now time.Time, before ...Message) (State, Effects) {
	if s.Step != "" && s.Step != StepMenu && s.Step != StepDone && s.Step != StepRenDone {
		s.Resume = s.Step
	}
	s.Step = StepMenu
	if s.Resume == "" {
		s.Wake = Wake{}
	}
	return s, d.show(s, now, Effects{Messages: before})
}

// cancel abandons the journey: dates, pending wake-ups and all; the
// member's preferences stay.
func (d *Dialog) cancel(s State, now time.Time) (State, Effects) {
	s = fresh(s)
	var fx Effects
	return d.enter(s, StepMenu, now, &fx, Message{Key: "cancelled"})
}

// setReminders switches reminders on or off. Switching on schedules the
// current journey's next one again.
func (d *Dialog) setReminders(s State, on bool, now time.Time) (State, Effects) {
	s.RemindersOff = !on
	s.Wake = Wake{}
	if on {
		s.Wake = d.nextWake(s, now)
	}
	key := "remind.off"
	if on {
		key = "remind.on"
	}
	return s, d.overlay(s, Message{Key: key}, d.status(s, now))
}

// nextWake is the wake-up the journey (current or resumable) would set now.
func (d *Dialog) nextWake(s State, now time.Time) Wake {
	id := s.Step
	if id == StepMenu {
		id = s.Resume
	}
	st := steps[id]
	if st.wake == nil || s.RemindersOff {
		return Wake{}
	}
	w := st.wake(d, s, now)
	if !w.IsZero() && !w.At.After(now) {
		// Due already (reminders switched back on late, or Back to a step
		// whose day has passed): at the next civil moment, not in the past.
		w.At = d.Cal.NextCivilTime(now, d.Loc, d.RemindHour)
	}
	return w
}

// overlay shows information without moving: its Back button returns to the
// current step.
func (d *Dialog) overlay(s State, msgs ...Message) Effects {
	last := &msgs[len(msgs)-1]
	last.Buttons = append(last.Buttons, []Button{{Label: "btn.back", Action: ActHere}, {Label: "btn.menu", Action: ActMenu}})
	return Effects{Messages: msgs}
}

// languageMessage offers the languages.
func languageMessage() Message {
	return Message{Key: "info.language", Buttons: [][]Button{{
		{Label: "btn.lang_it", Action: ActLang, Arg: "it"},
		{Label: "btn.lang_en", Action: ActLang, Arg: "en"},
	}}}
}

// Languages are the languages the conversation speaks; the first is the default.
var Languages = []string{"it", "en"}

// supportedLang returns lang if spoken, else the default.
func supportedLang(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// status tells the member where they are, their dates and next reminder.
func (d *Dialog) status(s State, now time.Time) Message {
	args := Args{}
	where := s.Step
	if where == StepMenu && s.Resume != "" {
		where = s.Resume
	}
	if where != "" {
		args["Step"] = Ref("where." + string(where))
	}
	if !s.FaxDay.IsZero() {
		args["Fax"] = s.FaxDay
		args["Activation"] = s.Activation
	}
	if !s.Expiry.IsZero() {
		args["Expiry"] = s.Expiry
		args["LastDay"] = LastDayToRenew(s.Expiry)
	}
	if !s.Wake.IsZero() {
		args["Wake"] = s.Wake.At
		args["WakeWhy"] = Ref("why." + string(s.Wake.Reason))
	}
	args["RemindersOff"] = s.RemindersOff
	btn := Button{Label: "btn.remind_off", Action: ActRemind, Arg: "off"}
	if s.RemindersOff {
		btn = Button{Label: "btn.remind_on", Action: ActRemind, Arg: "on"}
	}
	return Message{Key: "info.status", Args: args, Buttons: [][]Button{{btn}}}
}

// woken handles a fired wake-up. One that no longer matches the state (the
// member moved on, cancelled, switched reminders off, or it fires early) does
// nothing.
func (d *Dialog) woken(s State, ev Event, now time.Time) (State, Effects) {
	rule, ok := wakes[ev.Reason]
	if !ok || s.RemindersOff || s.Wake.IsZero() || s.Wake.Reason != ev.Reason ||
		!s.Wake.At.Equal(ev.At) || now.Before(s.Wake.At) {
		return s, Effects{}
	}
	s.Resume = ""
	return rule.handle(d, s, now)
}
