package dialogs_test

import (
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Path 1: a new box, from the 9 steps of the purchase to the day the access
// e-mail should arrive. Now is Thu 30 Sep 2027 10:00 unless a case says
// otherwise; Mon 4 Oct 2027 is San Francesco, a national holiday since 2026.

func TestActivationPath(t *testing.T) {
	actCheck8Oct := wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))
	runFlows(t, []flow{
		{
			name:   "menu offers activation, renewal and the checklist",
			events: toMenu,
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "step.menu"},
			btns:   []string{"go_act:", "go_ren:", "go_ok:", "contacts:", "help:"},
		},
		{
			name:   "activate shows the 9 steps",
			events: toActSteps,
			step:   dialogs.StepActSteps,
			keys:   []string{"step.act_steps"},
			btns:   []string{"bought:", "back:", "menu:"},
		},
		{
			name:   "bought asks how it was paid",
			events: toActPay,
			step:   dialogs.StepActPayment,
			keys:   []string{"step.act_pay"},
			btns:   []string{"pay:card", "pay:postal", "pay:bank", "back:", "menu:"},
		},
		{
			name:   "paid by card: fax without receipt",
			events: toActFax("card"),
			step:   dialogs.StepActFax,
			keys:   []string{"step.act_fax"},
			args:   map[string]dialogs.Args{"step.act_fax": {"Receipt": false}},
			btns:   []string{"fax_today:", "fax_other:", "fax_no:", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Payment != "card" {
					t.Errorf("Payment = %q, want card", s.Payment)
				}
			},
		},
		{
			name:   "paid by postal bulletin: fax with the receipt",
			events: toActFax("postal"),
			step:   dialogs.StepActFax,
			keys:   []string{"step.act_fax"},
			args:   map[string]dialogs.Args{"step.act_fax": {"Receipt": true}},
		},
		{
			name:   "paid by bank transfer: fax with the receipt",
			events: toActFax("bank"),
			step:   dialogs.StepActFax,
			keys:   []string{"step.act_fax"},
			args:   map[string]dialogs.Args{"step.act_fax": {"Receipt": true}},
		},
		{
			name:   "forged payment method is refused",
			events: then(toActPay, press(dialogs.ActPay, "bitcoin")),
			step:   dialogs.StepActPayment,
			keys:   []string{"hint.stale"},
			btns:   []string{"pay:card", "pay:postal", "pay:bank", "back:", "menu:"},
		},
		{
			name:   "fax today Thursday 30 Sep: activation Friday 8 Oct, 2-3-4 Oct skipped",
			events: then(toActFax("card"), press(dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"step.act_wait"},
			args: map[string]dialogs.Args{"step.act_wait": {
				"Fax":          day(2027, 9, 30),
				"Activation":   day(2027, 10, 8),
				"CalendarDays": 8,
				"Skipped":      []calendar.Date{day(2027, 10, 2), day(2027, 10, 3), day(2027, 10, 4)},
				"Wake":         at(2027, 10, 8, 10, 0),
				"RemindersOff": false,
			}},
			btns: []string{"arrived:", "fax_other:", "remind:off", "calendar:", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.FaxDay != day(2027, 9, 30) || s.Activation != day(2027, 10, 8) {
					t.Errorf("FaxDay, Activation = %v, %v; want 2027-09-30, 2027-10-08", s.FaxDay, s.Activation)
				}
			},
		},
		{
			name:   "fax today late in the evening still counts the Rome day",
			now:    at(2027, 9, 30, 23, 59),
			events: then(toActFax("card"), press(dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 30), "Activation": day(2027, 10, 8)}},
		},
		{
			name:   "fax another day typed as a date",
			events: then(toFaxDate, text("30/09/2027")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 30), "Activation": day(2027, 10, 8)}},
		},
		{
			name:   "fax another day asks the date",
			events: toFaxDate,
			step:   dialogs.StepActFaxDate,
			keys:   []string{"step.act_fax_date"},
			btns:   []string{"back:", "menu:"},
		},
		{
			name:   "fax on a Saturday counts from the next working day: Sat 2 Oct -> Mon 11 Oct",
			now:    at(2027, 10, 4, 10, 0),
			events: then(toFaxDate, text("2/10/2027")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)),
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 10, 2), "Activation": day(2027, 10, 11)}},
		},
		{
			name:   "fax typed in the future is refused and the question stays",
			events: then(toFaxDate, text("1/10/2027")),
			step:   dialogs.StepActFaxDate,
			keys:   []string{"date.fax_future"},
			args:   map[string]dialogs.Args{"date.fax_future": {"Example": "30/09/2027"}},
			btns:   []string{"back:", "menu:"},
			check:  noFax,
		},
		{
			name:   "fax 'domani' is in the future too",
			events: then(toFaxDate, text("domani")),
			step:   dialogs.StepActFaxDate,
			keys:   []string{"date.fax_future"},
			check:  noFax,
		},
		{
			name:   "fax whose activation day is today: check at once, not past",
			events: then(toFaxDate, text("23/09/2027")),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Activation": day(2027, 9, 30), "Past": false}},
			btns:   []string{"arrived:", "not_arrived:", "remind:off", "back:", "menu:"},
		},
		{
			name:   "fax whose activation already passed: straight to the check, Past",
			events: then(toFaxDate, text("20/09/2027")),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Activation": day(2027, 9, 27), "Past": true}},
		},
		{
			name:   "fax without year asks the year: most recent past occurrence and the one before",
			events: then(toFaxDate, text("12/3")),
			step:   dialogs.StepActFaxYear,
			keys:   []string{"step.ask_year"},
			args:   map[string]dialogs.Args{"step.ask_year": {"Pending": calendar.Date{Month: 3, Day: 12}}},
			btns:   []string{"year:2027-03-12", "year:2026-03-12", "back:", "menu:"},
		},
		{
			name:   "fax without year whose day is still ahead this year offers last year first",
			events: then(toFaxDate, text("1/10")),
			step:   dialogs.StepActFaxYear,
			keys:   []string{"step.ask_year"},
			btns:   []string{"year:2026-10-01", "year:2025-10-01", "back:", "menu:"},
		},
		{
			name:   "fax without year on today's day offers this year",
			events: then(toFaxDate, text("30/9")),
			step:   dialogs.StepActFaxYear,
			btns:   []string{"year:2027-09-30", "year:2026-09-30", "back:", "menu:"},
			keys:   []string{"step.ask_year"},
		},
		{
			name:   "fax on 29 February without year offers only years that have it",
			events: then(toFaxDate, text("29/2")),
			step:   dialogs.StepActFaxYear,
			keys:   []string{"step.ask_year"},
			btns:   []string{"year:2024-02-29", "year:2020-02-29", "back:", "menu:"},
		},
		{
			name:   "year button completes the fax date",
			events: then(toFaxDate, text("28/9"), press(dialogs.ActYear, "2027-09-28")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 28), "Activation": day(2027, 10, 6)}},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Pending.IsZero() {
					t.Errorf("Pending = %v, want cleared", s.Pending)
				}
			},
		},
		{
			name:   "year button of last year: activation long past",
			events: then(toFaxDate, text("12/3"), press(dialogs.ActYear, "2026-03-12")),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Activation": day(2026, 3, 19), "Past": true}},
		},
		{
			name: "a year button of an earlier question (12 March) cannot complete a later one (28 September): stale",
			events: then(toFaxDate, text("12/3"), press(dialogs.ActBack, ""), text("28/9"),
				pressFrom(dialogs.StepActFaxYear, dialogs.ActYear, "2027-03-12")),
			step: dialogs.StepActFaxYear,
			keys: []string{"hint.stale"},
			btns: []string{"year:2027-09-28", "year:2026-09-28", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				noFax(t, s, fx)
				if s.Pending != (calendar.Date{Month: 9, Day: 28}) {
					t.Errorf("Pending = %#v, want 28 September without year", s.Pending)
				}
			},
		},
		{
			name:   "full date typed at the year question works",
			events: then(toFaxDate, text("12/3"), text("30/09/2027")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck8Oct,
			keys:   []string{"step.act_wait"},
		},
		{
			name:   "future date typed at the year question keeps the question whole",
			events: then(toFaxDate, text("12/3"), text("1/10/2027")),
			step:   dialogs.StepActFaxYear,
			keys:   []string{"date.fax_future"},
			btns:   []string{"year:2027-03-12", "year:2026-03-12", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Pending != (calendar.Date{Month: 3, Day: 12}) {
					t.Errorf("Pending = %#v, want 12 March without year", s.Pending)
				}
			},
		},
		{
			name:   "month only for the fax asks for the day",
			events: then(toFaxDate, text("settembre 2027")),
			step:   dialogs.StepActFaxDate,
			keys:   []string{"date.need_day"},
			args:   map[string]dialogs.Args{"date.need_day": {"Example": "30/09/2027"}},
			check:  noFax,
		},
		{
			name:   "wrong fax date corrected from the waiting step",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), text("28/09/2027")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 28)}},
		},
	})
}

// noFax checks that no fax day was recorded.
func noFax(t *testing.T, s dialogs.State, _ dialogs.Effects) {
	t.Helper()
	if !s.FaxDay.IsZero() || !s.Activation.IsZero() {
		t.Errorf("FaxDay, Activation = %v, %v; want none", s.FaxDay, s.Activation)
	}
}

// A year the question did not offer is a stale or forged button: it must
// change nothing.
func TestFaxYearForgedIsStale(t *testing.T) {
	d := newDialog()
	for _, arg := range []string{
		"1999", "abc", "", "2028", "2025", " 2027", "2027.0",
		"2027", "2026", // a bare year, as the buttons carried before: no longer enough
		"2025-03-12", "2028-03-12", // the day, in a year not offered
		"2027-03-13", "2027-09-28", // another day, in a year offered
		"2027-3-12", "2027-03-12 ", "2027-02-30", "0000-03-12",
	} {
		t.Run(arg, func(t *testing.T) {
			before, _, now := play(t, d, dialogs.State{}, thu30Sep, then(toFaxDate, text("12/3"))...)
			after, fx, _ := play(t, d, before, now, press(dialogs.ActYear, arg))
			if !equalState(after, before) {
				t.Errorf("state changed:\n got %+v\nwant %+v", after, before)
			}
			if got := keys(fx); len(got) != 1 || got[0] != "hint.stale" {
				t.Errorf("keys = %q, want [hint.stale]", got)
			}
			if got := lastButtons(fx); len(got) < 2 || got[0] != "year:2027-03-12" || got[1] != "year:2026-03-12" {
				t.Errorf("buttons = %q, want the year buttons again", got)
			}
		})
	}
}

func TestFaxNotYet(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "fax not sent on a Friday: asked again Tuesday at 10",
			now:    at(2027, 9, 24, 16, 30),
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, "")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 9, 28, 10, 0)),
			keys:   []string{"step.act_fax_wait"},
			btns:   []string{"fax_today:", "fax_other:", "remind:off", "back:", "menu:"},
		},
		{
			name:   "fax not sent on Friday before the San Francesco Monday: asked Wednesday",
			now:    at(2027, 10, 1, 10, 0),
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, "")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.act_fax_wait"},
		},
		{
			name:   "fax not sent on Thursday: asked Tuesday, Monday 4 Oct being a holiday",
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, "")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 5, 10, 0)),
			keys:   []string{"step.act_fax_wait"},
		},
		{
			name:   "the reminder asks again about the fax",
			now:    at(2027, 9, 24, 16, 30),
			events: then(toActFax("postal"), press(dialogs.ActFaxNotYet, ""), wake()),
			step:   dialogs.StepActFax,
			keys:   []string{"remind.fax_ask", "step.act_fax"},
			args:   map[string]dialogs.Args{"step.act_fax": {"Receipt": true}},
			btns:   []string{"fax_today:", "fax_other:", "fax_no:", "back:", "menu:"},
		},
		{
			name:   "after the reminder, fax sent today",
			now:    at(2027, 9, 24, 16, 30),
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), wake(), press(dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 6, 10, 0)), // Tue 28 Sep + 5 working days, 4 Oct skipped
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 9, 28), "Activation": day(2027, 10, 6)}},
		},
		{
			name: "not yet, after a fax day was given: the fax day, the activation and the recheck are forgotten",
			events: then(toActLate, wake(), press(dialogs.ActBack, ""), // act_check (rechecked), back to the fax question
				press(dialogs.ActFaxNotYet, "")),
			step: dialogs.StepActFaxWait,
			wake: wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 14, 10, 0)), // from Tue 12 Oct: Wed 13, Thu 14
			keys: []string{"step.act_fax_wait"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				noFax(t, s, fx)
				if s.Rechecked {
					t.Error("Rechecked = true, want false")
				}
				if s.Payment != "card" {
					t.Errorf("Payment = %q, want card (kept)", s.Payment)
				}
			},
		},
		{
			name:   "not yet, then a new fax day: the activation check of that day, recheck again possible",
			events: then(toActLate, wake(), press(dialogs.ActBack, ""), press(dialogs.ActFaxNotYet, ""), press(dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 19, 10, 0)), // Tue 12 Oct + 5 working days
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Fax": day(2027, 10, 12), "Activation": day(2027, 10, 19)}},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Rechecked {
					t.Error("Rechecked = true, want false")
				}
			},
		},
		{
			name:   "not yet, then sent today from the waiting question",
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), press(dialogs.ActFaxToday, "")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0)),
			keys:   []string{"step.act_wait"},
		},
	})
}

func TestActivationCheck(t *testing.T) {
	recheck12Oct := wakeAt(dialogs.WakeActRecheck, at(2027, 10, 12, 10, 0))
	runFlows(t, []flow{
		{
			name:   "on the activation day at 10 the member is asked",
			events: toActCheck,
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Activation": day(2027, 10, 8), "Past": false}},
			btns:   []string{"arrived:", "not_arrived:", "remind:off", "back:", "menu:"},
		},
		{
			name:   "arrived: the checklist, reminded 3 working days later",
			events: then(toActCheck, press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 13, 10, 0)),
			keys:   []string{"step.checklist"},
		},
		{
			name:   "arrived before the day, from the waiting step",
			events: then(toActWait, press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.checklist"},
		},
		{
			name:   "not arrived: one more check 2 working days later",
			events: toActLate,
			step:   dialogs.StepActLate,
			wake:   recheck12Oct,
			keys:   []string{"step.act_late"},
			args:   map[string]dialogs.Args{"step.act_late": {"Late": false, "Wake": at(2027, 10, 12, 10, 0)}},
			btns:   []string{"arrived:", "remind:off", "back:", "menu:"},
		},
		{
			name:   "the recheck asks again",
			events: then(toActLate, wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Activation": day(2027, 10, 8), "Past": true}},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Rechecked {
					t.Error("Rechecked = false, want true")
				}
			},
		},
		{
			name:   "not arrived again: no further reminder, contacts instead",
			events: then(toActLate, wake(), press(dialogs.ActNotArrived, "")),
			step:   dialogs.StepActLate,
			keys:   []string{"step.act_late"},
			args:   map[string]dialogs.Args{"step.act_late": {"Late": true, "Wake": time.Time{}}},
			btns:   []string{"arrived:", "back:", "menu:"},
		},
		{
			name:   "arrived at the recheck",
			events: then(toActLate, wake(), press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 15, 10, 0)),
			keys:   []string{"step.checklist"},
		},
		{
			name:   "not arrived with reminders off: the recheck is kept muted, not promised",
			events: then(toActCheck, press(dialogs.ActRemind, "off"), press(dialogs.ActNotArrived, "")),
			step:   dialogs.StepActLate,
			wake:   recheck12Oct,
			keys:   []string{"step.act_late"},
			args:   map[string]dialogs.Args{"step.act_late": {"Late": false, "Wake": time.Time{}}},
			btns:   []string{"arrived:", "remind:on", "back:", "menu:"},
		},
		{
			name:   "not arrived with reminders off, then on: the recheck is promised again",
			events: then(toActCheck, press(dialogs.ActRemind, "off"), press(dialogs.ActNotArrived, ""), press(dialogs.ActRemind, "on"), press(dialogs.ActHere, "")),
			step:   dialogs.StepActLate,
			wake:   recheck12Oct,
			keys:   []string{"step.act_late"},
			args:   map[string]dialogs.Args{"step.act_late": {"Late": false, "Wake": at(2027, 10, 12, 10, 0)}},
			btns:   []string{"arrived:", "remind:off", "back:", "menu:"},
		},
	})
}

func TestChecklist(t *testing.T) {
	nudge6Oct := wakeAt(dialogs.WakeChecklist, at(2027, 10, 6, 10, 0)) // Thu 30 Sep + 3 working days, 4 Oct skipped
	checklistIs := func(want uint8) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
			t.Helper()
			if s.Checklist != want {
				t.Errorf("Checklist = %03b, want %03b", s.Checklist, want)
			}
		}
	}
	runFlows(t, []flow{
		{
			name:   "my PEC is active: the checklist, three boxes to tick",
			events: toChecklist,
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
			btns:   []string{"tick:0:1", "tick:1:1", "tick:2:1", "remind:off", "back:", "menu:"},
			check: func(t *testing.T, _ dialogs.State, fx dialogs.Effects) {
				for _, row := range fx.Messages[0].Buttons[:3] {
					if row[0].Label != "btn.todo" {
						t.Errorf("label = %q, want btn.todo", row[0].Label)
					}
				}
			},
		},
		{
			name:   "ticking one item says how many are left",
			events: then(toChecklist, press(dialogs.ActTick, "0:1")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist_left"},
			args:   map[string]dialogs.Args{"step.checklist_left": {"Left": 2, "Ticked": true}},
			btns:   []string{"tick:0:0", "tick:1:1", "tick:2:1", "remind:off", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				checklistIs(0b001)(t, s, fx)
				if got := fx.Messages[0].Buttons[0][0].Label; got != "btn.done" {
					t.Errorf("label of item 0 = %q, want btn.done", got)
				}
			},
		},
		{
			name:   "a ticked item's button (now 'mark not done') unticks it",
			events: then(toChecklist, press(dialogs.ActTick, "2:1"), press(dialogs.ActTick, "2:0")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist_left"},
			args:   map[string]dialogs.Args{"step.checklist_left": {"Left": 3, "Ticked": false}},
			btns:   []string{"tick:0:1", "tick:1:1", "tick:2:1", "remind:off", "back:", "menu:"},
			check:  checklistIs(0),
		},
		{
			name:   "the button of an older message, pressed again, does not undo the tick",
			events: then(toChecklist, press(dialogs.ActTick, "2:1"), press(dialogs.ActTick, "2:1")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist_left"},
			args:   map[string]dialogs.Args{"step.checklist_left": {"Left": 2, "Ticked": true}},
			check:  checklistIs(0b100),
		},
		{
			name:   "'mark not done' on an item not done changes nothing",
			events: then(toChecklist, press(dialogs.ActTick, "1:0")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist_left"},
			args:   map[string]dialogs.Args{"step.checklist_left": {"Left": 3, "Ticked": false}},
			check:  checklistIs(0),
		},
		{
			name:   "all three ticked: done, no reminder",
			events: then(toChecklist, press(dialogs.ActTick, "2:1"), press(dialogs.ActTick, "0:1"), press(dialogs.ActTick, "1:1")),
			step:   dialogs.StepDone,
			keys:   []string{"step.done"},
			btns:   []string{"back:", "menu:"},
			check:  checklistIs(0b111),
		},
		{
			name:   "tick 3 is no item",
			events: then(toChecklist, press(dialogs.ActTick, "1:1"), press(dialogs.ActTick, "3:1")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0b010),
		},
		{
			name:   "tick -1 is no item",
			events: then(toChecklist, press(dialogs.ActTick, "-1:1")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0),
		},
		{
			name:   "tick x is no item",
			events: then(toChecklist, press(dialogs.ActTick, "x")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0),
		},
		{
			name:   "an old-style argument without what is wanted ('0') is stale",
			events: then(toChecklist, press(dialogs.ActTick, "0")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0),
		},
		{
			name:   "'0:2' wants neither done nor not done: stale",
			events: then(toChecklist, press(dialogs.ActTick, "0:1"), press(dialogs.ActTick, "0:2")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0b001),
		},
		{
			name:   "'0:' and ':1' are stale",
			events: then(toChecklist, press(dialogs.ActTick, "0:"), press(dialogs.ActTick, ":1")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
			check:  checklistIs(0),
		},
		{
			name:   "tick without argument is no item",
			events: then(toChecklist, press(dialogs.ActTick, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"hint.stale", "step.checklist"},
		},
		{
			name:   "the checklist reminder comes once",
			events: then(toChecklist, press(dialogs.ActTick, "0:1"), wake()),
			step:   dialogs.StepChecklist,
			keys:   []string{"remind.checklist"},
			btns:   []string{"tick:0:0", "tick:1:1", "tick:2:1", "back:", "menu:"}, // nothing more planned: no "stop reminders"
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				checklistIs(0b001)(t, s, fx)
				if !s.Nudged {
					t.Error("Nudged = false, want true")
				}
			},
		},
		{
			name: "after the reminder, leaving and coming back schedules no other",
			events: then(toChecklist, wake(), press(dialogs.ActBack, ""),
				press(dialogs.ActGoActive, "")),
			step: dialogs.StepChecklist,
			keys: []string{"step.checklist"},
		},
		{
			name:   "the reminder still comes after a look at the menu",
			events: then(toChecklist, press(dialogs.ActMenu, ""), wake()),
			step:   dialogs.StepChecklist,
			keys:   []string{"remind.checklist"},
		},
		{
			name:   "a checklist left for the menu: 'my PEC is active' again resumes it, ticks and reminder kept",
			events: then(toChecklist, press(dialogs.ActTick, "0:1"), press(dialogs.ActMenu, ""), advance(24*time.Hour), press(dialogs.ActGoActive, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
			check:  checklistIs(0b001),
		},
		{
			name:   "an activation left for the menu, then 'my PEC is active': the checklist from scratch, the fax and its reminder dropped",
			events: then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActGoActive, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				noFax(t, s, fx)
				checklistIs(0)(t, s, fx)
				if s.Payment != "" || s.Resume != "" {
					t.Errorf("Payment, Resume = %q, %q; want none", s.Payment, s.Resume)
				}
			},
		},
		{
			name:   "a renewal left for the menu, then 'my PEC is active': the expiry and its reminder dropped",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActMenu, ""), press(dialogs.ActGoActive, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.Expiry.IsZero() {
					t.Errorf("Expiry = %v, want none", s.Expiry)
				}
			},
		},
		{
			name:   "reminders off are kept by a fresh checklist: its reminder is muted",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActMenu, ""), press(dialogs.ActGoActive, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
			btns:   []string{"tick:0:1", "tick:1:1", "tick:2:1", "remind:on", "back:", "menu:"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if !s.RemindersOff {
					t.Error("RemindersOff = false, want true")
				}
			},
		},
		{
			name:   "done after the box was reactivated, from the renewal path",
			events: then(toGone, press(dialogs.ActPaid, ""), press(dialogs.ActTicketSent, ""), press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   nudge6Oct,
			keys:   []string{"step.checklist"},
		},
	})
}
