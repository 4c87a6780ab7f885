package dialogs

import "time"

// globalAction handles the buttons that work from any message.
func (d *Dialog) globalAction(s State, ev Event, now time.Time) (State, Effects) {
	switch ev.Action {
	case ActMenu:
		return d.toMenu(s, now)
	case ActHere:
		return d.here(s, now, Effects{})
	case ActResume:
		if s.Resume != "" && s.Step == StepMenu {
			return d.resume(s, now)
		}
		return d.here(s, now, Effects{})
	case ActContacts:
		return s, d.overlay(Message{Key: "info.contacts"})
	case ActHelp:
		return s, d.overlay(Message{Key: "info.help"})
	case ActStatus:
		return s, d.overlay(d.status(s))
	case ActPrivacy:
		return s, d.overlay(Message{Key: "info.privacy"})
	case ActLang:
		if Speaks(ev.Arg) {
			s.Lang = ev.Arg
			return d.here(s, now, Effects{Messages: []Message{{Key: "lang.set"}}})
		}
	case ActRemind:
		if ev.Arg == "on" || ev.Arg == "off" {
			return d.setReminders(s, ev.Arg == "on", now)
		}
	case ActForgetYes:
		return d.forget(s, ev, now)
	case ActForgetNo:
		return d.here(s, now, Effects{Messages: []Message{{Key: "forget.kept"}}})
	}
	return d.here(s, now, Effects{Messages: []Message{{Key: "hint.stale"}}})
}

// here shows the member where they are, after the messages in fx. A step
// whose date has passed meanwhile moves on first (see step.revisit), so
// that nothing stale is shown as current.
func (d *Dialog) here(s State, now time.Time, fx Effects) (State, Effects) {
	if to, ok := d.revisited(s, now); ok {
		return d.enter(s, to, now, &fx)
	}
	return s, d.show(s, now, fx)
}

// revisited says where the current step's dates have moved the member
// since it was shown, if anywhere.
func (d *Dialog) revisited(s State, now time.Time) (StepID, bool) {
	if rv := steps[s.Step].revisit; rv != nil {
		return rv(d, s, now)
	}
	return "", false
}

// lapsed is revisited for a step whose answers lapse with its dates.
func (d *Dialog) lapsed(s State, now time.Time) (StepID, bool) {
	if !steps[s.Step].lapses {
		return "", false
	}
	return d.revisited(s, now)
}

// resume goes back to the journey left for the menu.
func (d *Dialog) resume(s State, now time.Time) (State, Effects) {
	s.Step, s.Resume = s.Resume, ""
	return d.here(s, now, Effects{})
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

// overlay shows information without moving: its Back button returns to the
// current step.
func (d *Dialog) overlay(msgs ...Message) Effects {
	last := &msgs[len(msgs)-1]
	last.Buttons = append(last.Buttons, []Button{{Label: "btn.back", Action: ActHere}, {Label: "btn.menu", Action: ActMenu}})
	return Effects{Messages: msgs}
}

// Languages are the languages the conversation speaks; the first is the default.
var Languages = []string{"it", "en"}

// Speaks reports whether lang is one of Languages.
func Speaks(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// supportedLang returns lang if spoken, else the default.
func supportedLang(lang string) string {
	if Speaks(lang) {
		return lang
	}
	return Languages[0]
}

// languageMessage offers the languages.
func languageMessage() Message {
	return Message{Key: "info.language", Buttons: [][]Button{{
		{Label: "btn.lang_it", Action: ActLang, Arg: "it"},
		{Label: "btn.lang_en", Action: ActLang, Arg: "en"},
	}}}
}
