package dialogs_test

// Edge cases found by reviewing the conversation as a member would live it:
// first contact, late and muted reminders, old buttons, dates that pass.

import (
	"strconv"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// TestFirstContact: whatever a newcomer does first, they are welcomed and
// shown the menu; a command asked for is answered too.
func TestFirstContact(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "/language first: welcome, then the choice of language",
			events: []act{cmd("language")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "info.language"},
			btns:   []string{"lang:it", "lang:en", "here:", "menu:"},
		},
		{
			name:   "English chosen first: welcome and menu, in English",
			events: []act{cmd("language"), press(dialogs.ActLang, "en")},
			step:   dialogs.StepMenu,
			keys:   []string{"lang.set", "step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Lang != "en" {
					t.Errorf("Lang = %q, want en", s.Lang)
				}
			},
		},
		{
			name:   "an English button from an old chat, before anything: English welcome",
			events: []act{pressFrom(dialogs.StepMenu, dialogs.ActLang, "en")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Lang != "en" {
					t.Errorf("Lang = %q, want en", s.Lang)
				}
			},
		},
		{
			name:   "a forged language first: welcome in the default language",
			events: []act{pressFrom(dialogs.StepMenu, dialogs.ActLang, "fr")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Lang != "" {
					t.Errorf("Lang = %q, want unset (the default)", s.Lang)
				}
			},
		},
		{
			name:   "a step's button first (after /forget): welcome and menu",
			events: []act{pressFrom(dialogs.StepActFax, dialogs.ActFaxToday, "")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
		},
		{
			name:   "a wake-up for nobody: nothing",
			events: []act{woken(dialogs.WakeActCheck, thu30Sep)},
			step:   "",
			keys:   nil,
		},
	})
}

// TestNoReminderInThePast: a reminder whose time has passed when it is
// scheduled again goes out at the next civil moment, on a working day.
func TestNoReminderInThePast(t *testing.T) {
	sun10Oct := at(2027, 10, 10, 11, 0) // Sunday, two days after the expected activation
	runFlows(t, []flow{
		{
			name:   "reminders back on after the activation day, on a Sunday: Monday 10:00",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(sun10Oct), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)),
			keys:   []string{"remind.on", "info.status"},
		},
		{
			name:   "reminders back on during a working day's civil hours: at once",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 11, 15, 30)), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 15, 30)),
			keys:   []string{"remind.on", "info.status"},
		},
		{
			name:   "Back from the activation check leads to the fax, where the date can be corrected",
			events: then(toActCheck, press(dialogs.ActBack, "")),
			step:   dialogs.StepActFax,
			keys:   []string{"step.act_fax"},
		},
	})
}

// TestPaidBoxForgetsItsExpiry: once renewed or paid for, the old expiry no
// longer holds and /status stops showing it.
func TestPaidBoxForgetsItsExpiry(t *testing.T) {
	noExpiry := func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		if !s.Expiry.IsZero() {
			t.Errorf("Expiry = %s, want none", s.Expiry)
		}
	}
	runFlows(t, []flow{
		{
			name:   "renewed",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRenewed, ""), cmd("status")),
			step:   dialogs.StepRenDone,
			keys:   []string{"info.status"},
			absent: map[string][]string{"info.status": {"Expiry", "LastDay", "Wake"}},
			check:  noExpiry,
		},
		{
			name:   "paid to reactivate a deleted box",
			events: then(toGone, press(dialogs.ActPaid, "")),
			step:   dialogs.StepTicket,
			keys:   []string{"step.ticket"},
			check:  noExpiry,
		},
	})
}

// TestLeapDayExpiryYears: 29 February without a year, in a stretch of
// years with no leap year among last, this and next: the nearest leap years.
func TestLeapDayExpiryYears(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "in 2026: 29 February 2024 and 2028 are offered",
			now:    at(2026, 5, 4, 10, 0),
			events: then(toRenExpiry, text("29/2")),
			step:   dialogs.StepRenYear,
			keys:   []string{"step.ask_year"},
			btns:   []string{"year:2024-02-29", "year:2028-02-29", "back:", "menu:"},
		},
		{
			name:   "in 2026, choosing 2024: expired more than 90 days ago",
			now:    at(2026, 5, 4, 10, 0),
			events: then(toRenExpiry, text("29/2"), press(dialogs.ActYear, "2024-02-29")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			args:   map[string]dialogs.Args{"step.gone": {"Expiry": calendar.Date{Year: 2024, Month: time.February, Day: 29}}},
		},
		{
			name:   "in 2027: 2028 is next year, offered alone",
			now:    at(2027, 5, 4, 10, 0),
			events: then(toRenExpiry, text("29/2")),
			step:   dialogs.StepRenYear,
			btns:   []string{"year:2028-02-29", "back:", "menu:"},
			keys:   []string{"step.ask_year"},
		},
	})
}

// TestStoredLanguage: a stored language the bot does not speak is read as
// the default one.
func TestStoredLanguage(t *testing.T) {
	s, reset := dialogs.Decode([]byte(`{"v":1,"step":"menu","lang":"fr"}`))
	if reset || s.Lang != "it" {
		t.Errorf("Decode = lang %q, reset %v; want it, false", s.Lang, reset)
	}
}

// TestYearTyped: at the year question a bare year is an answer.
func TestYearTyped(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "expiry 12/3, then 2028 typed: renew, expiry 12 March 2028",
			events: then(toRenExpiry, text("12/3"), text("2028")),
			step:   dialogs.StepRenew,
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"Expiry": day(2028, 3, 12)}},
			wake:   wakeAt(dialogs.WakeExpiry30, at(2028, 2, 11, 10, 0)),
		},
		{
			name:   "fax 28/9, then 27 typed: fax day 28 September 2027",
			events: then(toFaxDate, text("28/9"), text("27")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 28)}},
		},
		{
			name:   "29/2, then 2027 typed: no such day, still asking the year",
			events: then(toRenExpiry, text("29/2"), text("2027")),
			step:   dialogs.StepRenYear,
			keys:   []string{"date.no_such_day"},
		},
		{
			name:   "a year too far typed: too far, still asking",
			events: then(toRenExpiry, text("12/3"), text("2099")),
			step:   dialogs.StepRenYear,
			keys:   []string{"date.too_far"},
		},
	})
}

// TestShownAgainLater: a step shown again after its dates have passed
// moves on instead of showing a deadline or a wait that is over.
func TestShownAgainLater(t *testing.T) {
	runFlows(t, []flow{
		{
			name: "renewal left for the menu, resumed after the last day: the box is gone",
			events: then(toRenExpiry, text("03/11/2027"), press(dialogs.ActMenu, ""),
				clock(at(2028, 2, 10, 10, 0)), press(dialogs.ActResume, "")),
			step: dialogs.StepGone,
			keys: []string{"step.gone"},
		},
		{
			name: "waiting for activation with reminders off, shown again after the day: asked whether it arrived",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 12, 11, 0)),
				press(dialogs.ActHere, "")),
			step: dialogs.StepActCheck,
			keys: []string{"step.act_check"},
			args: map[string]dialogs.Args{"step.act_check": {"Past": true}},
		},
		{
			name:   "Back from the renewal to the expiry question keeps the pending reminder",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActBack, "")),
			step:   dialogs.StepRenExpiry,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"step.ren_expiry"},
		},
		{
			name:   "... and Back again to the menu still keeps it, to resume",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActBack, ""), press(dialogs.ActBack, "")),
			step:   dialogs.StepMenu,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"step.menu"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Resume != dialogs.StepRenExpiry {
					t.Errorf("Resume = %q, want ren_expiry", s.Resume)
				}
			},
		},
		{
			name: "'I have renewed' pressed after the last day (reminders off): the box is gone, not renewed",
			events: then(toRenExpiry, text("2/7/2027"), press(dialogs.ActRemind, "off"), clock(at(2027, 10, 1, 9, 0)),
				press(dialogs.ActRenewed, "")),
			step: dialogs.StepGone,
			keys: []string{"step.gone"},
			args: map[string]dialogs.Args{"step.gone": {"Expiry": day(2027, 7, 2), "LastDay": day(2027, 9, 30)}},
		},
		{
			name: "a stale button pressed after the last day: the box is gone too",
			events: then(toRenExpiry, text("2/7/2027"), clock(at(2027, 10, 1, 9, 0)),
				pressFrom(dialogs.StepActFax, dialogs.ActFaxToday, "")),
			step: dialogs.StepGone,
			keys: []string{"step.gone"},
		},
		{
			name: "'I have renewed' on the last day itself: renewed",
			events: then(toRenExpiry, text("2/7/2027"), clock(at(2027, 9, 30, 23, 59)),
				press(dialogs.ActRenewed, "")),
			step: dialogs.StepRenDone,
			keys: []string{"step.ren_done"},
		},
		{
			name: "text typed at the renewal after the last day: the box is gone, no hint",
			events: then(toRenExpiry, text("2/7/2027"), clock(at(2027, 10, 1, 9, 0)),
				text("fatto")),
			step: dialogs.StepGone,
			keys: []string{"step.gone"},
		},
		{
			name: "Back from the renewal after the last day still goes back",
			events: then(toRenExpiry, text("2/7/2027"), clock(at(2027, 10, 1, 9, 0)),
				press(dialogs.ActBack, "")),
			step: dialogs.StepRenExpiry,
			wake: wakeAt(dialogs.WakeGone, at(2027, 10, 1, 10, 0)),
			keys: []string{"step.ren_expiry"},
		},
		{
			name:   "renewed: the reminders end",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRenewed, "")),
			step:   dialogs.StepRenDone,
			keys:   []string{"step.ren_done"},
		},
	})
}

// TestOldConfirmations: buttons that confirm something are honoured only
// while they still mean what they said.
func TestOldConfirmations(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "/forget, the member moves on, then the old 'yes, erase' is pressed: stale, nothing erased",
			events: then(toActSteps, cmd("forget"), press(dialogs.ActBought, ""), pressFrom(dialogs.StepActSteps, dialogs.ActForgetYes, strconv.FormatInt(thu30Sep.Unix(), 10))),
			step:   dialogs.StepActPayment,
			keys:   []string{"hint.stale", "step.act_pay"},
			check: func(t *testing.T, _ dialogs.State, fx dialogs.Effects) {
				if fx.Forget {
					t.Error("Forget = true, want false")
				}
			},
		},
		{
			name:   "a forged reminder switch ('maybe'): stale, reminders unchanged",
			events: then(toActWait, press(dialogs.ActRemind, "maybe")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0)),
			keys:   []string{"hint.stale", "step.act_wait"},
		},
	})
}

// TestPathTappedAgain: tapping the path of the journey left for the menu
// resumes it; the other path starts clean.
func TestPathTappedAgain(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "activation left for the menu, 'activate' tapped again: back where it was, reminder kept",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActGoActivate, "")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0)),
			keys:   []string{"step.act_wait"},
		},
		{
			name:   "activation left for the menu, 'renew' tapped: a renewal from scratch",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActGoRenew, "")),
			step:   dialogs.StepRenExpiry,
			keys:   []string{"step.ren_expiry"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.FaxDay.IsZero() || !s.Wake.IsZero() {
					t.Errorf("fax %s, wake %s kept; want a clean start", s.FaxDay, showWake(s.Wake))
				}
			},
		},
	})
}

// TestAnswersAfterTheDay: after the expected activation day the member can
// still say the access e-mail arrived; after the last day to renew, "I
// renewed" no longer applies.
func TestAnswersAfterTheDay(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "'it arrived' pressed at the wait, on the day before the check: the checklist",
			events: then(toActWait, clock(at(2027, 10, 8, 9, 0)), press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 13, 10, 0)),
			keys:   []string{"step.checklist"},
		},
		{
			name:   "'it arrived' pressed at the wait days after the day (reminders off): the checklist",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 12, 11, 0)), press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			keys:   []string{"step.checklist"},
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 15, 10, 0)),
		},
	})
}
