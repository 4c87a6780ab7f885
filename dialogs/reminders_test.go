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
		{"after /forget", then(toActWait, cmd("forget"), press(dialogs.ActForgetYes, ""), clock(due)), woken(dialogs.WakeActCheck, due)},
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
			name:   "off: the pending reminder is dropped, status says so, step unchanged",
			events: then(toActWait, press(dialogs.ActRemind, "off")),
			step:   dialogs.StepActWaiting,
			keys:   []string{"remind.off", "info.status"},
			args:   map[string]dialogs.Args{"info.status": {"RemindersOff": true}},
			absent: map[string][]string{"info.status": {"Wake", "WakeWhy"}},
			btns:   []string{"remind:on", "here:", "menu:"}, // the status, last, offers to switch back on
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
			name:   "off is remembered: a new journey sets no reminder",
			events: then(toActWait, press(dialogs.ActRemind, "off"), cmd("cancel"), press(dialogs.ActGoActivate, ""), press(dialogs.ActBought, ""), press(dialogs.ActPay, "card"), press(dialogs.ActFaxNotYet, "")),
			step:   dialogs.StepActFaxWait,
			keys:   []string{"step.act_fax_wait"},
			btns:   []string{"fax_today:", "fax_other:", "remind:on", "back:", "menu:"}, // offered back where a reminder would be
			check:  remindersOff(true),
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
			name:   "on in the fax wait: asked 2 working days from today",
			events: then(toActFax("card"), press(dialogs.ActFaxNotYet, ""), press(dialogs.ActRemind, "off"), advance(24*time.Hour), press(dialogs.ActRemind, "on")),
			step:   dialogs.StepActFaxWait,
			wake:   wakeAt(dialogs.WakeFaxAsk, at(2027, 10, 6, 10, 0)), // from Fri 1 Oct: Tue 5, Wed 6
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
