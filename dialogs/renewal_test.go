package dialogs_test

import (
	"slices"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Path 2: renew within 90 days of expiry (day 90 included), or reactivate a
// deleted box. Now is Thu 30 Sep 2027 10:00 unless a case says otherwise.

func TestRenewal(t *testing.T) {
	renewButtons := []string{"renewed:", "remind:off", "calendar:", "back:", "menu:"}
	expiryIs := func(want calendar.Date) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
			t.Helper()
			if s.Expiry != want {
				t.Errorf("Expiry = %v, want %v", s.Expiry, want)
			}
			if !s.Pending.IsZero() {
				t.Errorf("Pending = %#v, want cleared", s.Pending)
			}
		}
	}
	runFlows(t, []flow{
		{
			name:   "renew asks the expiry date",
			events: toRenExpiry,
			step:   dialogs.StepRenExpiry,
			keys:   []string{"step.ren_expiry"},
			btns:   []string{"not_expired:", "dont_know:", "back:", "menu:"},
		},
		{
			name:   "expiry in the future: renew, last day expiry+90, first reminder 30 days before",
			events: then(toRenExpiry, text("31/12/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			args: map[string]dialogs.Args{"step.renew": {
				"Expiry": day(2027, 12, 31), "LastDay": day(2028, 3, 30),
				"Expired": false, "DaysLeft": 182, "Wake": at(2027, 12, 1, 10, 0),
			}},
			btns:  renewButtons,
			check: expiryIs(day(2027, 12, 31)),
		},
		{
			name:   "expiry tomorrow: not expired, both expiry reminders past, 14 days before the last day next",
			events: then(toRenExpiry, text("1/10/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2027, 12, 16, 10, 0)),
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"Expired": false, "DaysLeft": 91, "LastDay": day(2027, 12, 30)}},
		},
		{
			name:   "expiry today: it expires today, 90 days to renew",
			events: then(toRenExpiry, text("oggi")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2027, 12, 15, 10, 0)),
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"Expired": false, "DaysLeft": 90, "LastDay": day(2027, 12, 29)}},
		},
		{
			name:   "typed at 9:00 on the 30th day before expiry: not reminded of what was just read; the 7-day one is next (Sat moved to Fri)",
			now:    at(2027, 9, 30, 9, 0),
			events: then(toRenExpiry, text("30/10/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry7, at(2027, 10, 22, 10, 0)),
			keys:   []string{"step.renew"},
		},
		{
			name:   "typed at 10:00 on the 30th day before expiry: that one is due, the 7-day one is next (Sat moved to Fri)",
			events: then(toRenExpiry, text("30/10/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry7, at(2027, 10, 22, 10, 0)),
			keys:   []string{"step.renew"},
		},
		{
			name:   "day 90 after expiry is still renewable, 0 days left; the last reminder, the box gone, tomorrow",
			events: then(toRenExpiry, text("2/7/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 10, 1, 10, 0)),
			keys:   []string{"step.renew"},
			args: map[string]dialogs.Args{"step.renew": {
				"Expiry": day(2027, 7, 2), "LastDay": day(2027, 9, 30), "Expired": true, "DaysLeft": 0,
			}},
			absent: map[string][]string{"step.renew": {"Wake"}}, // that reminder says it is gone: not announced as a renewal reminder
		},
		{
			name:   "the day after the last day: the gone reminder says the box is deleted and how to reactivate it",
			events: then(toRenExpiry, text("2/7/2027"), wake()),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			args:   map[string]dialogs.Args{"step.gone": {"Expiry": day(2027, 7, 2), "LastDay": day(2027, 9, 30)}},
			btns:   []string{"paid:", "back:", "menu:"},
		},
		{
			name:   "the gone reminder reaches a member looking at the menu",
			events: then(toRenExpiry, text("2/7/2027"), press(dialogs.ActMenu, ""), wake()),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Resume != "" {
					t.Errorf("Resume = %q, want none", s.Resume)
				}
			},
		},
		{
			name:   "last day Sun 3 Oct: the gone reminder not on Mon 4 (San Francesco) but Tue 5, moved forward",
			events: then(toRenExpiry, text("5/7/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 10, 5, 10, 0)), // the 3-day one would be today: not repeated
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"LastDay": day(2027, 10, 3), "DaysLeft": 3}},
		},
		{
			name:   "last day Fri 8 Oct: 3 days before, Tue 5; then gone on Mon 11, the Saturday moved forward",
			events: then(toRenExpiry, text("10/7/2027"), wake()),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 10, 11, 10, 0)),
			keys:   []string{"remind.lastday_3"},
			args:   map[string]dialogs.Args{"remind.lastday_3": {"LastDay": day(2027, 10, 8), "DaysLeft": 3}},
		},
		{
			name:   "the gone reminder muted: not delivered; the box is gone all the same when the member comes back",
			events: then(toRenExpiry, text("2/7/2027"), press(dialogs.ActRemind, "off"), wake(), press(dialogs.ActHere, "")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
		},
		{
			name:   "day 91 after expiry: the box is gone",
			events: then(toRenExpiry, text("1/7/2027")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			args:   map[string]dialogs.Args{"step.gone": {"Expiry": day(2027, 7, 1), "LastDay": day(2027, 9, 29)}},
			btns:   []string{"paid:", "back:", "menu:"},
			check:  expiryIs(day(2027, 7, 1)),
		},
		{
			name:   "expired 10 days ago: renew, expired, only the last-day reminders",
			events: then(toRenExpiry, text("20/09/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2027, 12, 3, 10, 0)), // Sun 5 Dec moved to Fri 3
			keys:   []string{"step.renew"},
			args: map[string]dialogs.Args{"step.renew": {
				"Expiry": day(2027, 9, 20), "LastDay": day(2027, 12, 19), "Expired": true, "DaysLeft": 80,
			}},
		},
		{
			name:   "expired 10 days ago: 14 days before the last day",
			events: then(toRenExpiry, text("20/09/2027"), wake()),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay3, at(2027, 12, 16, 10, 0)),
			keys:   []string{"remind.lastday_14"},
			args:   map[string]dialogs.Args{"remind.lastday_14": {"LastDay": day(2027, 12, 19), "DaysLeft": 16, "Days": -74}},
		},
		{
			name:   "expired 10 days ago: 3 days before the last day, then the gone one (Sun 19 Dec is the last day: Mon 20)",
			events: then(toRenExpiry, text("20/09/2027"), wake(), wake()),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 12, 20, 10, 0)),
			keys:   []string{"remind.lastday_3"},
			args:   map[string]dialogs.Args{"remind.lastday_3": {"DaysLeft": 3}},
			btns:   renewButtons,
		},
		{
			name:   "expired 10 days ago, not renewed: gone",
			events: then(toRenExpiry, text("20/09/2027"), wake(), wake(), wake()),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			args:   map[string]dialogs.Args{"step.gone": {"LastDay": day(2027, 12, 19)}},
		},
		{
			name:   "not expired yet: renew without dates, no reminder, can enter the date",
			events: then(toRenExpiry, press(dialogs.ActNotExpired, "")),
			step:   dialogs.StepRenew,
			keys:   []string{"step.renew"},
			absent: map[string][]string{"step.renew": {"Expiry", "LastDay", "DaysLeft", "Wake"}},
			btns:   []string{"renewed:", "enter_date:", "back:", "menu:"},
		},
		{
			name:   "not expired yet, then the date after all",
			events: then(toRenExpiry, press(dialogs.ActNotExpired, ""), press(dialogs.ActEnterDate, ""), text("31/12/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			btns:   renewButtons,
		},
		{
			name:   "reminders off: the renewal reminder is muted, not promised; the button to switch back on",
			events: then(toRenExpiry, text("31/12/2027"), press(dialogs.ActRemind, "off"), press(dialogs.ActHere, "")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			absent: map[string][]string{"step.renew": {"Wake"}},
			btns:   []string{"renewed:", "remind:on", "calendar:", "back:", "menu:"},
		},
		{
			name:   "known expiry hides the enter-date button",
			events: then(toRenExpiry, text("31/12/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			btns:   renewButtons,
		},
		{
			name:   "renewed: done, no reminders left; the new expiry may be typed",
			events: then(toRenExpiry, text("31/12/2027"), press(dialogs.ActRenewed, "")),
			step:   dialogs.StepRenDone,
			keys:   []string{"step.ren_done"},
			btns:   []string{"enter_date:", "back:", "menu:"},
		},
		{
			name:   "renewed, then the new expiry: asked",
			events: then(toRenExpiry, text("31/12/2027"), press(dialogs.ActRenewed, ""), press(dialogs.ActEnterDate, "")),
			step:   dialogs.StepRenExpiry,
			keys:   []string{"step.ren_expiry"},
		},
		{
			name:   "renewed for five years, the new expiry typed: the reminders of the next renewal",
			events: then(toRenExpiry, text("31/12/2027"), press(dialogs.ActRenewed, ""), press(dialogs.ActEnterDate, ""), text("31/12/2032")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2032, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"Expiry": day(2032, 12, 31), "Expired": false}},
			check:  expiryIs(day(2032, 12, 31)),
		},
		{
			name:   "I don't remember",
			events: toRenUnknown,
			step:   dialogs.StepRenUnknown,
			keys:   []string{"step.ren_unknown"},
			btns:   []string{"show_renew:", "show_gone:", "enter_date:", "back:", "menu:"},
		},
		{
			name:   "I don't remember: show how to renew",
			events: then(toRenUnknown, press(dialogs.ActShowRenew, "")),
			step:   dialogs.StepRenew,
			keys:   []string{"step.renew"},
			absent: map[string][]string{"step.renew": {"Expiry", "LastDay"}},
		},
		{
			name:   "I don't remember: show how to reactivate",
			events: then(toRenUnknown, press(dialogs.ActShowGone, "")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			absent: map[string][]string{"step.gone": {"Expiry", "LastDay"}},
		},
		{
			name:   "I don't remember: enter the date after all",
			events: then(toRenUnknown, press(dialogs.ActEnterDate, "")),
			step:   dialogs.StepRenExpiry,
			keys:   []string{"step.ren_expiry"},
		},
		{
			name:   "gone: paid, then the ticket",
			events: then(toGone, press(dialogs.ActPaid, "")),
			step:   dialogs.StepTicket,
			keys:   []string{"step.ticket"},
			btns:   []string{"ticket_sent:", "back:", "menu:"},
		},
		{
			name:   "ticket sent: waiting for the reactivation",
			events: then(toGone, press(dialogs.ActPaid, ""), press(dialogs.ActTicketSent, "")),
			step:   dialogs.StepReactWait,
			keys:   []string{"step.react_wait"},
			btns:   []string{"arrived:", "back:", "menu:"},
		},
		{
			name:   "month entirely past the 90 days: gone without asking the day",
			events: then(toRenExpiry, text("marzo 2020")),
			step:   dialogs.StepGone,
			keys:   []string{"date.month_enough", "step.gone"},
			args:   map[string]dialogs.Args{"date.month_enough": {"Month": calendar.Date{Year: 2020, Month: 3}}},
			absent: map[string][]string{"step.gone": {"Expiry"}},
			check:  expiryIs(calendar.Date{}),
		},
		{
			name:   "June 2027: its last day plus 90 is already past",
			events: then(toRenExpiry, text("giugno 2027")),
			step:   dialogs.StepGone,
			keys:   []string{"date.month_enough", "step.gone"},
		},
		{
			name:   "July 2027: the day decides, so it is asked",
			events: then(toRenExpiry, text("luglio 2027")),
			step:   dialogs.StepRenDay,
			keys:   []string{"step.ren_day"},
			args:   map[string]dialogs.Args{"step.ren_day": {"Month": calendar.Date{Year: 2027, Month: 7}}},
			btns:   []string{"back:", "menu:"},
		},
		{
			name:   "July 2027, day 1: gone",
			events: then(toRenExpiry, text("luglio 2027"), text("1")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			check:  expiryIs(day(2027, 7, 1)),
		},
		{
			name:   "July 2027, day 2: renew on the last day",
			events: then(toRenExpiry, text("luglio 2027"), text("2")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeGone, at(2027, 10, 1, 10, 0)),
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"DaysLeft": 0}},
			check:  expiryIs(day(2027, 7, 2)),
		},
		{
			name:   "a future month asks the day",
			events: then(toRenExpiry, text("novembre 2027")),
			step:   dialogs.StepRenDay,
			keys:   []string{"step.ren_day"},
			args:   map[string]dialogs.Args{"step.ren_day": {"Month": calendar.Date{Year: 2027, Month: 11}}},
		},
		{
			name:   "day 12 of November",
			events: then(toRenExpiry, text("novembre 2027"), text("12")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 10, 13, 10, 0)),
			keys:   []string{"step.renew"},
			args:   map[string]dialogs.Args{"step.renew": {"Expiry": day(2027, 11, 12), "LastDay": day(2028, 2, 10)}},
			check:  expiryIs(day(2027, 11, 12)),
		},
		{
			name:   "day '12.' of November",
			events: then(toRenExpiry, text("novembre 2027"), text(" 12. ")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 10, 13, 10, 0)),
			keys:   []string{"step.renew"},
			check:  expiryIs(day(2027, 11, 12)),
		},
		{
			name:   "day 31 of November does not exist",
			events: then(toRenExpiry, text("novembre 2027"), text("31")),
			step:   dialogs.StepRenDay,
			keys:   []string{"date.no_such_day"},
			args:   map[string]dialogs.Args{"date.no_such_day": {"Example": "30/09/2027"}},
			btns:   []string{"back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Pending.Year != 2027 || s.Pending.Month != 11 || !s.Expiry.IsZero() {
					t.Errorf("Pending, Expiry = %#v, %v; want November 2027 still pending", s.Pending, s.Expiry)
				}
			},
		},
		{
			name:   "day 0 does not exist",
			events: then(toRenExpiry, text("novembre 2027"), text("0")),
			step:   dialogs.StepRenDay,
			keys:   []string{"date.no_such_day"},
		},
		{
			name:   "a full date typed at the day question",
			events: then(toRenExpiry, text("novembre 2027"), text("15/12/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"step.renew"},
			check:  expiryIs(day(2027, 12, 15)),
		},
		{
			name:   "another month typed at the day question",
			events: then(toRenExpiry, text("novembre 2027"), text("dicembre 2027")),
			step:   dialogs.StepRenDay,
			keys:   []string{"step.ren_day"},
			args:   map[string]dialogs.Args{"step.ren_day": {"Month": calendar.Date{Year: 2027, Month: 12}}},
		},
		{
			name:   "a date without year typed at the day question asks the year",
			events: then(toRenExpiry, text("novembre 2027"), text("12/3")),
			step:   dialogs.StepRenYear,
			keys:   []string{"step.ask_year"},
		},
		{
			name:   "not a date at the day question",
			events: then(toRenExpiry, text("novembre 2027"), text("ciao")),
			step:   dialogs.StepRenDay,
			keys:   []string{"date.not_a_date"},
		},
		{
			name:   "expiry without year: last, this and next year",
			events: then(toRenExpiry, text("12/3")),
			step:   dialogs.StepRenYear,
			keys:   []string{"step.ask_year"},
			args:   map[string]dialogs.Args{"step.ask_year": {"Pending": calendar.Date{Month: 3, Day: 12}}},
			btns:   []string{"year:2026-03-12", "year:2027-03-12", "year:2028-03-12", "back:", "menu:"},
		},
		{
			name:   "expiry without year, next year: renew",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActYear, "2028-03-12")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2028, 2, 11, 10, 0)),
			keys:   []string{"step.renew"},
			check:  expiryIs(day(2028, 3, 12)),
		},
		{
			name:   "expiry without year, this year: gone (12 March + 90 = 10 June)",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActYear, "2027-03-12")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
			args:   map[string]dialogs.Args{"step.gone": {"LastDay": day(2027, 6, 10)}},
		},
		{
			name:   "expiry without year, last year: gone",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActYear, "2026-03-12")),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
		},
		{
			name:   "expiry without year, a year not offered is stale",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActYear, "2025-03-12")),
			step:   dialogs.StepRenYear,
			keys:   []string{"hint.stale"},
			btns:   []string{"year:2026-03-12", "year:2027-03-12", "year:2028-03-12", "back:", "menu:"},
		},
		{
			name:   "expiry without year, a bare year (as buttons carried before) is stale",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActYear, "2028")),
			step:   dialogs.StepRenYear,
			keys:   []string{"hint.stale"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Expiry.IsZero() {
					t.Errorf("Expiry = %v, want none", s.Expiry)
				}
			},
		},
		{
			name: "expiry without year, the button of an earlier question (12 March) at a later one (29 February): stale",
			events: then(toRenExpiry, text("12/3"), press(dialogs.ActBack, ""), text("29/2"),
				pressFrom(dialogs.StepRenYear, dialogs.ActYear, "2028-03-12")),
			step: dialogs.StepRenYear,
			keys: []string{"hint.stale"},
			btns: []string{"year:2028-02-29", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Expiry.IsZero() || s.Pending != (calendar.Date{Month: 2, Day: 29}) {
					t.Errorf("Expiry, Pending = %v, %#v; want none, 29 February", s.Expiry, s.Pending)
				}
			},
		},
		{
			name:   "29 February without year: only the leap year is offered",
			events: then(toRenExpiry, text("29/2")),
			step:   dialogs.StepRenYear,
			keys:   []string{"step.ask_year"},
			btns:   []string{"year:2028-02-29", "back:", "menu:"},
		},
		{
			name:   "29 February without year, 2027 forged: stale",
			events: then(toRenExpiry, text("29/2"), press(dialogs.ActYear, "2027-02-29")),
			step:   dialogs.StepRenYear,
			keys:   []string{"hint.stale"},
		},
		{
			name:   "29 February 2028 chosen: first reminder Sun 30 Jan moved to Fri 28",
			events: then(toRenExpiry, text("29/2"), press(dialogs.ActYear, "2028-02-29")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2028, 1, 28, 10, 0)),
			keys:   []string{"step.renew"},
			check:  expiryIs(day(2028, 2, 29)),
		},
		{
			name:   "a full date typed at the year question",
			events: then(toRenExpiry, text("12/3"), text("31/12/2027")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 12, 1, 10, 0)),
			keys:   []string{"step.renew"},
			check:  expiryIs(day(2027, 12, 31)),
		},
		{
			name:   "a month typed at the year question asks the day",
			events: then(toRenExpiry, text("12/3"), text("novembre 2027")),
			step:   dialogs.StepRenDay,
			keys:   []string{"step.ren_day"},
		},
	})
}

// The renewal reminders come in order, each at 10:00 Rome on a working day
// (moved back when due on a weekend or holiday), each telling the days left,
// and each firing schedules the next. Expiry Wed 15 Dec 2027, last day Tue
// 14 Mar 2028.
func TestRenewalReminders(t *testing.T) {
	start := then(toRenExpiry, text("15/12/2027"))
	renewArgs := []string{"renewed:", "remind:off", "calendar:", "back:", "menu:"}
	rows := []struct {
		name     string
		fired    int
		key      string
		days     int // to the expiry
		daysLeft int // to the last day
		next     dialogs.Wake
	}{
		{"typed: 30 days before expiry, Mon 15 Nov", 0, "step.renew", 0, 0,
			wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0))},
		{"30 days before: next 7 days before, Wed 8 Dec is a holiday so Tue 7", 1, "remind.expiry_30", 30, 120,
			wakeAt(dialogs.WakeExpiry7, at(2027, 12, 7, 10, 0))},
		{"7 days before: next 14 days before the last day, Tue 29 Feb 2028", 2, "remind.expiry_7", 8, 98,
			wakeAt(dialogs.WakeLastDay14, at(2028, 2, 29, 10, 0))},
		{"14 days before the last day: next 3 days before, Sat 11 Mar moved to Fri 10", 3, "remind.lastday_14", -76, 14,
			wakeAt(dialogs.WakeLastDay3, at(2028, 3, 10, 10, 0))},
		{"3 days before the last day: next the day after the last day, Wed 15 Mar", 4, "remind.lastday_3", -86, 4,
			wakeAt(dialogs.WakeGone, at(2028, 3, 15, 10, 0))},
		{"the day after the last day: the box is gone, no more", 5, "step.gone", 0, 0, dialogs.Wake{}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			script := start
			for range r.fired {
				script = then(script, wake())
			}
			s, fx, now := play(t, newDialog(), dialogs.State{}, thu30Sep, script...)
			wantStep := dialogs.StepRenew
			if r.key == "step.gone" {
				wantStep = dialogs.StepGone
			}
			if s.Step != wantStep {
				t.Errorf("step = %q, want %s", s.Step, wantStep)
			}
			if !sameWake(s.Wake, r.next) {
				t.Errorf("next wake = %s, want %s", showWake(s.Wake), showWake(r.next))
			}
			if got := keys(fx); len(got) != 1 || got[0] != r.key {
				t.Fatalf("keys = %q, want [%s]", got, r.key)
			}
			btns := renewArgs
			if wantStep == dialogs.StepGone {
				btns = []string{"paid:", "back:", "menu:"}
			}
			if got := lastButtons(fx); !equalStrings(got, btns) {
				t.Errorf("buttons = %q, want %q", got, btns)
			}
			if r.fired == 0 {
				return
			}
			if h, m, _ := now.In(rome).Clock(); h != 10 || m != 0 {
				t.Errorf("reminder went out at %v, want 10:00 Rome", now.In(rome))
			}
			if wantStep == dialogs.StepGone {
				return
			}
			args := fx.Messages[0].Args
			want := dialogs.Args{"Expiry": day(2027, 12, 15), "LastDay": day(2028, 3, 14), "Days": r.days, "DaysLeft": r.daysLeft}
			for k, w := range want {
				if !sameArg(args[k], w) {
					t.Errorf("arg %s = %v, want %v", k, args[k], w)
				}
			}
		})
	}
}

// A reminder delivered late (the bot was down) still answers, and the next
// one is the first still ahead, not one already past.
func TestRenewalReminderLate(t *testing.T) {
	d := newDialog()
	s, _, _ := play(t, d, dialogs.State{}, thu30Sep, then(toRenExpiry, text("15/12/2027"))...)
	w := s.Wake
	s, fx := d.Step(s, dialogs.Event{Kind: dialogs.Woken, Reason: w.Reason, At: w.At}, at(2027, 12, 7, 12, 0))
	if got := keys(fx); len(got) != 1 || got[0] != "remind.expiry_30" {
		t.Errorf("keys = %q, want [remind.expiry_30]", got)
	}
	if want := wakeAt(dialogs.WakeLastDay14, at(2028, 2, 29, 10, 0)); !sameWake(s.Wake, want) {
		t.Errorf("next wake = %s, want %s", showWake(s.Wake), showWake(want))
	}
	if got := fx.Messages[0].Args["Days"]; got != 8 {
		t.Errorf("Days = %v, want 8 (counted from the day it is delivered)", got)
	}
}

// Reminders fall at 10:00 Rome whatever the season: CET in winter, CEST in summer.
func TestRenewalReminderHourAcrossDST(t *testing.T) {
	d := newDialog()
	s, _, _ := play(t, d, dialogs.State{}, thu30Sep, then(toRenExpiry, text("15/12/2027"))...)
	if got := s.Wake.At.UTC(); !got.Equal(time.Date(2027, 11, 15, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("winter reminder at %v UTC, want 09:00 UTC", got)
	}
	s, _, _ = play(t, d, dialogs.State{}, at(2028, 3, 1, 10, 0), then(toRenExpiry, text("1/6/2028"))...)
	if got := s.Wake.At.UTC(); !got.Equal(time.Date(2028, 5, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("summer reminder at %v UTC, want 08:00 UTC on Tue 2 May 2028", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLateRenewalReminder: a renewal reminder delivered late (the bot was
// down) speaks of how things stand when it arrives, never of a past date as
// if it were ahead.
func TestLateRenewalReminder(t *testing.T) {
	// Expiry Wed 15 Dec 2027: the first reminder is due Mon 15 Nov 2027 10:00.
	typed := then(toRenExpiry, text("15/12/2027"))
	due := at(2027, 11, 15, 10, 0)
	runFlows(t, []flow{
		{
			name:   "30-day reminder delivered after the expiry: speaks of the last day",
			events: then(typed, clock(at(2027, 12, 20, 10, 0)), woken(dialogs.WakeExpiry30, due)),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeLastDay14, at(2028, 2, 29, 10, 0)),
			keys:   []string{"remind.lastday_14"},
			args:   map[string]dialogs.Args{"remind.lastday_14": {"DaysLeft": 85}},
		},
		{
			name:   "delivered after the last day to renew: the box is gone",
			events: then(typed, clock(at(2028, 3, 20, 10, 0)), woken(dialogs.WakeExpiry30, due)),
			step:   dialogs.StepGone,
			keys:   []string{"step.gone"},
		},
		{
			name: "delivered after the last day to a member back at the expiry question (waited once): gone, no negative days",
			events: then(typed, press(dialogs.ActBack, ""), clock(at(2028, 3, 20, 10, 0)), woken(dialogs.WakeExpiry30, due),
				clock(at(2028, 3, 21, 10, 0)), woken(dialogs.WakeExpiry30, at(2028, 3, 21, 10, 0))),
			step: dialogs.StepGone,
			keys: []string{"step.gone"},
		},
	})
	for _, r := range []dialogs.WakeReason{dialogs.WakeExpiry30, dialogs.WakeLastDay3} {
		if got := dialogs.WakeMayLeadTo(r); !slices.Contains(got, dialogs.StepGone) {
			t.Errorf("wake-up %s may lead to %q: gone is not declared", r, got)
		}
	}
}
