package dialogs_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// "📅 Add to calendar": where a deadline matters, the member gets its dates
// as a calendar file, and stays where they are. Now is Thu 30 Sep 2027
// 10:00 unless a case says otherwise.

// wantEvent is an event of the calendar file, as "kind date title".
func wantEvent(kind string, d calendar.Date, title string) string {
	return fmt.Sprintf("%s %s %s", kind, d, title)
}

// calendarOf checks that the last message carries a calendar file named
// name with these events, each with its arguments.
func calendarOf(name string, events ...string) func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
	return func(t *testing.T, _ dialogs.State, fx dialogs.Effects) {
		t.Helper()
		m := fx.Messages[len(fx.Messages)-1]
		if m.Calendar == nil {
			t.Fatalf("%s carries no calendar file", m.Key)
		}
		if m.Calendar.Name != name {
			t.Errorf("file name key = %q, want %q", m.Calendar.Name, name)
		}
		var got []string
		for _, e := range m.Calendar.Events {
			got = append(got, wantEvent(e.Kind, e.Date, e.Title))
			if e.Description == "" || e.Label == "" || len(e.Args) == 0 {
				t.Errorf("event %s: description %q, label %q, args %v; want all", e.Kind, e.Description, e.Label, e.Args)
			}
		}
		if !equalStrings(got, events) {
			t.Errorf("events = %q, want %q", got, events)
		}
	}
}

// noCalendar checks that no message carries a calendar file.
func noCalendar(t *testing.T, _ dialogs.State, fx dialogs.Effects) {
	t.Helper()
	for _, m := range fx.Messages {
		if m.Calendar != nil {
			t.Errorf("%s carries a calendar file", m.Key)
		}
	}
}

func TestCalendarFile(t *testing.T) {
	actCheck8Oct := wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))
	renewWith := func(expiry string) []act { return then(toRenExpiry, text(expiry)) }
	runFlows(t, []flow{
		{
			name:   "waiting for the access e-mail: the expected day, and the member stays",
			events: then(toActWait, press(dialogs.ActCalendar, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"info.calendar_act"},
			args:   map[string]dialogs.Args{"info.calendar_act": {"Activation": day(2027, 10, 8), "Fax": day(2027, 9, 30)}},
			btns:   []string{"arrived:", "fax_other:", "remind:off", "calendar:", "back:", "menu:"},
			check: calendarOf("info.cal_file_act",
				wantEvent("activation", day(2027, 10, 8), "info.cal_act_title")),
		},
		{
			name:   "with reminders off the button stays, next to switching them on",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"info.calendar_act"},
			btns:   []string{"arrived:", "fax_other:", "remind:on", "calendar:", "back:", "menu:"},
			check: calendarOf("info.cal_file_act",
				wantEvent("activation", day(2027, 10, 8), "info.cal_act_title")),
		},
		{
			name:   "pressed twice: the same file again, nothing moves",
			events: then(toActWait, press(dialogs.ActCalendar, ""), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"info.calendar_act"},
			check: calendarOf("info.cal_file_act",
				wantEvent("activation", day(2027, 10, 8), "info.cal_act_title")),
		},
		{
			name: "the expected day gone by (reminders off, no check came): no past event, the check instead",
			events: then(toActWait, press(dialogs.ActRemind, "off"),
				clock(at(2027, 10, 11, 9, 0)), press(dialogs.ActCalendar, "")),
			step:  dialogs.StepActCheck,
			keys:  []string{"step.act_check"},
			check: noCalendar,
		},
		{
			name:   "the expected day itself is still offered (the wake-up has not come yet)",
			events: then(toActWait, clock(at(2027, 10, 8, 8, 0)), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"info.calendar_act"},
			check: calendarOf("info.cal_file_act",
				wantEvent("activation", day(2027, 10, 8), "info.cal_act_title")),
		},
		{
			name:   "a button of the waiting message, pressed once the check has come, is stale",
			events: then(toActCheck, pressFrom(dialogs.StepActWaiting, dialogs.ActCalendar, "")),
			step:   dialogs.StepActCheck,
			keys:   []string{"hint.stale", "step.act_check"},
			check:  noCalendar,
		},
		{
			name:   "renewal, expiry ahead: one file with the expiry and the last day to keep the address",
			events: then(renewWith("15/12/2027"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"info.calendar_ren"},
			args: map[string]dialogs.Args{"info.calendar_ren": {
				"Expiry": day(2027, 12, 15), "LastDay": day(2028, 3, 14), "Expired": false,
			}},
			btns: []string{"renewed:", "remind:off", "calendar:", "back:", "menu:"},
			check: calendarOf("info.cal_file_ren",
				wantEvent("expiry", day(2027, 12, 15), "info.cal_exp_title"),
				wantEvent("last-day", day(2028, 3, 14), "info.cal_last_title")),
		},
		{
			name:   "renewal, expiring today: both days, the expiry is today",
			events: then(renewWith("oggi"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2027, 12, 15, 10, 0)),
			keys:   []string{"info.calendar_ren"},
			args:   map[string]dialogs.Args{"info.calendar_ren": {"Expired": false}},
			check: calendarOf("info.cal_file_ren",
				wantEvent("expiry", day(2027, 9, 30), "info.cal_exp_title"),
				wantEvent("last-day", day(2027, 12, 29), "info.cal_last_title")),
		},
		{
			name:   "renewal, already expired: only the last day to keep the address",
			events: then(renewWith("1/9/2027"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2027, 11, 16, 10, 0)),
			keys:   []string{"info.calendar_ren"},
			args:   map[string]dialogs.Args{"info.calendar_ren": {"Expiry": day(2027, 9, 1), "LastDay": day(2027, 11, 30), "Expired": true}},
			check: calendarOf("info.cal_file_ren",
				wantEvent("last-day", day(2027, 11, 30), "info.cal_last_title")),
		},
		{
			name:   "renewal, the last day is today: still offered",
			events: then(renewWith("2/7/2027"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 10, 1, 10, 0)),
			keys:   []string{"info.calendar_ren"},
			check: calendarOf("info.cal_file_ren",
				wantEvent("last-day", day(2027, 9, 30), "info.cal_last_title")),
		},
		{
			name: "renewal, the last day gone by (reminders off): the box is gone, no file",
			events: then(renewWith("2/7/2027"), press(dialogs.ActRemind, "off"),
				clock(at(2027, 10, 1, 11, 0)), press(dialogs.ActCalendar, "")),
			step:  dialogs.StepGone,
			keys:  []string{"step.gone"},
			check: noCalendar,
		},
		{
			name:   "renewal without an expiry date: no button, and a forged press is stale",
			events: then(toRenExpiry, press(dialogs.ActNotExpired, ""), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepRenew,
			keys:   []string{"hint.stale", "step.renew"},
			btns:   []string{"renewed:", "enter_date:", "back:", "menu:"},
			check:  noCalendar,
		},
		{
			name:   "the file is not offered where no date matters",
			events: then(toActFax("card"), press(dialogs.ActCalendar, "")),
			step:   dialogs.StepActFax,
			keys:   []string{"hint.stale", "step.act_fax"},
			check:  noCalendar,
		},
	})
}

// Pressing the button changes nothing the bot keeps: the state after it is
// the state before.
func TestCalendarFileKeepsState(t *testing.T) {
	d := newDialog()
	for _, f := range []fixture{
		{"act_wait", thu30Sep, toActWait},
		{"renew", thu30Sep, then(toRenExpiry, text("15/12/2027"))},
		{"renew, reminders off", thu30Sep, then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRemind, "off"))},
	} {
		s, now := reach(t, d, f)
		after, fx, _ := play(t, d, s, now.Add(time.Hour), press(dialogs.ActCalendar, ""))
		if !equalState(after, s) {
			t.Errorf("%s: state changed:\n got %+v\nwant %+v", f.name, after, s)
		}
		if len(fx.Messages) != 1 || fx.Messages[0].Calendar == nil {
			t.Errorf("%s: messages %q, want one with the file", f.name, keys(fx))
		}
	}
}
