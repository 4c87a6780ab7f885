package dialogs_test

import (
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
)

// A wake-up is re-checked when it fires: one that no longer matches the
// member's state does nothing at all (no message, no change). The member
// waits in act_wait for Fri 8 Oct 2027 10:00.
func TestStaleWakeUpDoesNothing(t *testing.T) {
	due := at(2027, 10, 8, 10, 0)
	cases := []struct {
		name   string
		script []act
		ev     act
	}{
		{"wrong reason", toActWait, woken(dialogs.WakeFaxAsk, due)},
		{"unknown reason", toActWait, woken("zzz", due)},
		{"empty reason", toActWait, woken("", due)},
		{"wrong time", toActWait, woken(dialogs.WakeActCheck, due.Add(time.Hour))},
		{"an older schedule", toActWait, woken(dialogs.WakeActCheck, at(2027, 10, 6, 10, 0))},
		{"early: a minute before it is due", then(toActWait, clock(due.Add(-time.Minute))), woken(dialogs.WakeActCheck, due)},
		{"after /cancel", then(toActWait, cmd("cancel"), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"after moving on to the checklist", then(toActWait, press(dialogs.ActArrived, ""), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"after starting a renewal", then(toActWait, press(dialogs.ActMenu, ""), press(dialogs.ActGoRenew, ""), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"with reminders off", then(toActWait, press(dialogs.ActRemind, "off"), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"fired twice", then(toActWait, clock(due), woken(dialogs.WakeActCheck, due)), woken(dialogs.WakeActCheck, due)},
		{"a member who never wrote", []act{clock(due)}, woken(dialogs.WakeActCheck, due)},
		{"after /forget", then(toActWait, cmd("forget"), forgetYes(thu30Sep), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"muted, at a date question", then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActFaxOther, ""), clock(due)), woken(dialogs.WakeActCheck, due)},
		{"muted, late and at night", then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 9, 23, 0))), woken(dialogs.WakeActCheck, due)},
		{"muted, from the menu", then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActMenu, ""), clock(due)), woken(dialogs.WakeActCheck, due)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newDialog()
			before, _, now := play(t, d, dialogs.State{}, thu30Sep, tc.script...)
			before = stored(t, before) // as the bot loads it
			after, fx, _ := play(t, d, before, now, tc.ev)
			if len(fx.Messages) != 0 || fx.Forget {
				t.Errorf("effects = %q (forget %v), want none", keys(fx), fx.Forget)
			}
			if !equalState(after, before) {
				t.Errorf("state changed:\n got %+v\nwant %+v", after, before)
			}
		})
	}
}

func TestWakeUpStillFires(t *testing.T) {
	runFlows(t, []flow{
		{
			name:   "late: the bot was down, the check comes when it is back (a working day, 15:00)",
			events: then(toActWait, clock(at(2027, 10, 11, 15, 0)), woken(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Past": true}},
		},
		{
			name:   "late, and back on a Saturday: put off to Monday 10:00, nothing said",
			events: then(toActWait, clock(at(2027, 10, 9, 15, 0)), woken(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)),
			keys:   nil,
		},
		{
			name:   "late, and back at 23:30 on a working day: put off to the next morning",
			events: then(toActWait, clock(at(2027, 10, 8, 23, 30)), woken(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)), // Sat, Sun skipped
			keys:   nil,
		},
		{
			name:   "the member was looking at the menu: the journey's reminder still comes",
			events: then(toActWait, press(dialogs.ActMenu, ""), wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			check: func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
				if s.Resume != "" {
					t.Errorf("Resume = %q, want none after the reminder took the member back", s.Resume)
				}
			},
		},
		{
			name:   "the member was reading help: the reminder comes",
			events: then(toActWait, cmd("help"), wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
		},
	})
}

// A reminder that finds the member typing a date (maybe correcting the one
// it is based on) waits once, silently, for the next working day at the
// reminder hour; the second time it comes whatever the member is doing.
func TestWakeUpWaitsOnceWhileTyping(t *testing.T) {
	waited := func(want bool) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
			t.Helper()
			if s.Wake.Waited != want {
				t.Errorf("Wake.Waited = %v, want %v", s.Wake.Waited, want)
			}
		}
	}
	runFlows(t, []flow{
		{
			name:   "correcting the fax day when the check is due (Fri 8 Oct): put off to Mon 11 Oct, nothing said",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), wake()),
			step:   dialogs.StepActFaxDate,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)),
			keys:   nil,
			check:  waited(true),
		},
		{
			name:   "still at the question on Mon 11 Oct: it comes, only once put off",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), wake(), wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Past": true}},
		},
		{
			name:   "the date typed meanwhile: the reminder of the new date, not waited",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), wake(), text("1/10/2027")),
			step:   dialogs.StepActWaiting,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 11, 10, 0)), // Fri 1 Oct + 5 working days, 4 Oct skipped
			keys:   []string{"step.act_wait"},
			check:  waited(false),
		},
		{
			name:   "at the year question before San Francesco: put off to Tue 5 Oct, Mon 4 being a holiday",
			now:    at(2027, 9, 24, 10, 0),
			events: then(toFaxDate, text("24/09/2027"), press(dialogs.ActFaxOther, ""), text("28/9"), clock(at(2027, 10, 1, 10, 0)), wake()),
			step:   dialogs.StepActFaxYear,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 5, 10, 0)),
			keys:   nil,
			check:  waited(true),
		},
		{
			name:   "back at the expiry question when a renewal reminder is due: put off a working day",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActBack, ""), wake()),
			step:   dialogs.StepRenExpiry,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 16, 10, 0)),
			keys:   nil,
			check:  waited(true),
		},
		{
			name:   "... and the day after it comes, with the renewal",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActBack, ""), wake(), wake()),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry7, at(2027, 12, 7, 10, 0)),
			keys:   []string{"remind.expiry_30"},
			args:   map[string]dialogs.Args{"remind.expiry_30": {"Days": 29}},
		},
		{
			name:   "at the step that set it (fax not sent yet), the reminder does not wait: it is the one promised",
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), wake()),
			step:   dialogs.StepActFax,
			keys:   []string{"remind.fax_ask", "step.act_fax"},
		},
		{
			name:   "looking at the menu, a question left for it: not typing, delivered",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), press(dialogs.ActMenu, ""), wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
		},
		{
			name:   "put off at night first, then waiting at the question: both",
			events: then(toActWait, press(dialogs.ActFaxOther, ""), clock(at(2027, 10, 8, 22, 0)), woken(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0)), wake()),
			step:   dialogs.StepActFaxDate,
			wake:   wakeAt(dialogs.WakeActCheck, at(2027, 10, 12, 10, 0)), // Mon 11 10:00 found the member typing: Tue 12
			keys:   nil,
			check:  waited(true),
		},
	})
}

func TestRemindersOnOff(t *testing.T) {
	actCheck := wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))
	remindersOff := func(want bool) func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
		return func(t *testing.T, s dialogs.State, _ dialogs.Effects) {
			t.Helper()
			if s.RemindersOff != want {
				t.Errorf("RemindersOff = %v, want %v", s.RemindersOff, want)
			}
		}
	}
	runFlows(t, []flow{
		{
			name:   "off: the pending reminder is muted, kept but not delivered; status says off; step unchanged",
			events: then(toActWait, press(dialogs.ActRemind, "off")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"remind.off", "info.status"},
			args:   map[string]dialogs.Args{"info.status": {"RemindersOff": true}},
			btns:   []string{"remind:on", "here:", "menu:"}, // the status, last, offers to switch back on
			check:  remindersOff(true),
		},
		{
			name:   "off: the step no longer promises the reminder, and offers to switch back on",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActHere, "")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"step.act_wait"},
			args:   map[string]dialogs.Args{"step.act_wait": {"Wake": time.Time{}, "RemindersOff": true}},
			btns:   []string{"arrived:", "fax_other:", "remind:on", "calendar:", "back:", "menu:"},
		},
		{
			name:   "off: the muted reminder, when due, says nothing and stays",
			events: then(toActWait, press(dialogs.ActRemind, "off"), wake()),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   nil,
			check:  remindersOff(true),
		},
		{
			name:   "muted, then on before it is due: delivered on its day",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 7, 12, 0)), press(dialogs.ActRemind, "on"), wake()),
			step:   dialogs.StepActCheck,
			keys:   []string{"step.act_check"},
			args:   map[string]dialogs.Args{"step.act_check": {"Past": false}},
			check: func(t *testing.T, s dialogs.State, fx dialogs.Effects) {
				remindersOff(false)(t, s, fx)
			},
		},
		{
			name: "muted past its day, then on: delivered at the next civil moment",
			events: then(toActWait, press(dialogs.ActRemind, "off"), clock(at(2027, 10, 12, 15, 0)), press(dialogs.ActRemind, "on"),
				wake()),
			step: dialogs.StepActCheck,
			keys: []string{"step.act_check"},
			args: map[string]dialogs.Args{"step.act_check": {"Past": true}},
		},
		{
			name:   "muted, then a new step of the journey: its reminder is computed, and muted too",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActArrived, "")),
			step:   dialogs.StepChecklist,
			wake:   wakeAt(dialogs.WakeChecklist, at(2027, 10, 6, 10, 0)),
			keys:   []string{"step.checklist"},
			btns:   []string{"tick:0:1", "tick:1:1", "tick:2:1", "remind:on", "back:", "menu:"},
			check:  remindersOff(true),
		},
		{
			name:   "off then on: the journey's reminder is scheduled again",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"remind.on", "info.status"},
			args: map[string]dialogs.Args{"info.status": {
				"RemindersOff": false, "Wake": at(2027, 10, 8, 10, 0), "WakeWhy": dialogs.Ref("why.act_check"),
			}},
			check: remindersOff(false),
		},
		{
			name:   "off is remembered: a new journey's reminder is muted, not promised",
			events: then(toActWait, press(dialogs.ActRemind, "off"), cmd("cancel"), press(dialogs.ActGoActivate, ""), press(dialogs.ActBought, ""), press(dialogs.ActPay, "card"), press(dialogs.ActFaxNotYet, "")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 5, 10, 0)),
			keys:   []string{"step.act_fax_wait"},
			args:   map[string]dialogs.Args{"step.act_fax_wait": {"Wake": time.Time{}}},
			btns:   []string{"fax_today:", "fax_other:", "remind:on", "back:", "menu:"}, // offered back where a reminder waits
			check:  remindersOff(true),
		},
		{
			name:   "off, where no reminder waits: no button to switch back on",
			events: then(toActSteps, press(dialogs.ActRemind, "off"), press(dialogs.ActHere, "")),
			step:   dialogs.StepActSteps,
			keys:   []string{"step.act_steps"},
			btns:   []string{"bought:", "back:", "menu:"},
		},
		{
			name:   "off survives /cancel",
			events: then(toActWait, press(dialogs.ActRemind, "off"), cmd("cancel")),
			step:   dialogs.StepMenu,
			keys:   []string{"cancelled", "step.menu"},
			check:  remindersOff(true),
		},
		{
			name:   "on from the menu schedules the journey left for it",
			events: then(toActWait, press(dialogs.ActRemind, "off"), press(dialogs.ActMenu, ""), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"remind.on", "info.status"},
		},
		{
			name:   "on in the renewal: the next renewal reminder",
			events: then(toRenExpiry, text("15/12/2027"), press(dialogs.ActRemind, "off"), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"remind.on", "info.status"},
		},
		{
			name:   "on in the fax wait: the muted reminder as it was, 2 working days from the 'not yet'",
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), press(dialogs.ActRemind, "off"), advance(24*time.Hour), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 5, 10, 0)), // from Thu 30 Sep: Fri 1, (Mon 4 a holiday), Tue 5
			keys:   []string{"remind.on", "info.status"},
		},
		{
			name:   "on where the journey has no reminder: none",
			events: then(toActSteps, press(dialogs.ActRemind, "off"), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActSteps,
			keys:   []string{"remind.on", "info.status"},
			check:  remindersOff(false),
		},
		{
			name:   "/reminders shows the status with the switch",
			events: then(toActWait, cmd("reminders")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.status"},
			btns:   []string{"remind:off", "here:", "menu:"},
		},
		{
			name:   "/status tells where, the dates and the next reminder",
			events: then(toActWait, cmd("status")),
			step:   dialogs.StepActWaiting,
			wake:   actCheck,
			keys:   []string{"info.status"},
			args: map[string]dialogs.Args{"info.status": {
				"Step":       dialogs.Ref("where.act_wait"),
				"Fax":        day(2027, 9, 30),
				"Activation": day(2027, 10, 8),
				"Wake":       at(2027, 10, 8, 10, 0),
				"WakeWhy":    dialogs.Ref("why.act_check"),
			}},
			absent: map[string][]string{"info.status": {"Expiry", "LastDay"}},
		},
		{
			name:   "/status in the renewal tells the expiry and the last day",
			events: then(toRenExpiry, text("15/12/2027"), cmd("status")),
			step:   dialogs.StepRenew,
			wake:   wakeAt(dialogs.WakeExpiry30, at(2027, 11, 15, 10, 0)),
			keys:   []string{"info.status"},
			args: map[string]dialogs.Args{"info.status": {
				"Step":    dialogs.Ref("where.renew"),
				"Expiry":  day(2027, 12, 15),
				"LastDay": day(2028, 3, 14),
				"WakeWhy": dialogs.Ref("why.expiry_30"),
			}},
			absent: map[string][]string{"info.status": {"Fax", "Activation"}},
		},
		{
			name:   "/status from the menu tells the journey left for it",
			events: then(toActWait, press(dialogs.ActMenu, ""), cmd("status")),
			step:   dialogs.StepMenu,
			wake:   actCheck,
			keys:   []string{"info.status"},
			args:   map[string]dialogs.Args{"info.status": {"Step": dialogs.Ref("where.act_wait")}},
		},
		{
			name:   "/status before anything: welcome, then no reminder planned",
			events: []act{cmd("status")},
			step:   dialogs.StepMenu,
			keys:   []string{"welcome", "info.status"},
			absent: map[string][]string{"info.status": {"Wake"}},
			btns:   []string{"remind:off", "here:", "menu:"},
		},
	})
}

// Every wake-up a step schedules is at the reminder hour, Rome time, on a
// working day, and has a reason the step declares (so the diagram shows it).
func TestScheduledWakeUpsAreCivil(t *testing.T) {
	d := newDialog()
	for _, f := range fixtures() {
		s, _ := reach(t, d, f)
		if s.Wake.IsZero() {
			continue
		}
		local := s.Wake.At.In(rome)
		if h, m, sec := local.Clock(); h != 10 || m != 0 || sec != 0 {
			t.Errorf("%s: wake at %v, want 10:00 Rome", f.name, local)
		}
		if dd := day(local.Year(), local.Month(), local.Day()); !d.Cal.IsWorkingDay(dd) {
			t.Errorf("%s: wake on %v, not a working day", f.name, dd)
		}
	}
}

// Wake-up times are whole seconds, as the job engine keeps them: one set
// from "now" (reminders back on in civil hours) is rounded up, and one
// stored finer by an older version still fires when the engine brings it
// back to the second.
func TestWakeUpTimesAreWholeSeconds(t *testing.T) {
	d := newDialog()
	muted := dialogs.State{Step: dialogs.StepActWaiting, Lang: "it", RemindersOff: true,
		FaxDay: day(2027, 9, 30), Activation: day(2027, 10, 8),
		Wake: wakeAt(dialogs.WakeActCheck, at(2027, 10, 8, 10, 0))}
	now := at(2027, 10, 20, 11, 0).Add(500 * time.Millisecond)
	on, _ := d.Step(muted, dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActRemind, Arg: "on", From: dialogs.StepActWaiting}, now)
	if want := at(2027, 10, 20, 11, 0).Add(time.Second); !on.Wake.At.Equal(want) {
		t.Fatalf("reminders back on at %v: wake-up at %v; want %v", now, on.Wake.At, want)
	}
	_, fx := d.Step(on, dialogs.Event{Kind: dialogs.Woken, Reason: on.Wake.Reason, At: on.Wake.At}, on.Wake.At.Add(200*time.Millisecond))
	if len(fx.Messages) == 0 {
		t.Fatal("the wake-up set when reminders came back on did nothing")
	}

	legacy := muted
	legacy.RemindersOff = false
	legacy.Wake.At = at(2027, 10, 8, 10, 0).Add(500 * time.Millisecond) // stored with a fraction
	engine := time.Unix(legacy.Wake.At.Unix(), 0)                       // as the engine brings it back
	_, fx = d.Step(legacy, dialogs.Event{Kind: dialogs.Woken, Reason: dialogs.WakeActCheck, At: engine}, engine.Add(100*time.Millisecond))
	if len(fx.Messages) == 0 {
		t.Fatal("a wake-up stored with a fraction of a second was taken for a stale one")
	}
}
