package dialogs

import (
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// RenewalGraceDays is how long after expiry a box can still be renewed
// keeping its address: "entro 90 giorni", day 90 included.
const RenewalGraceDays = 90

// LastDayToRenew is the last day a box that expires on expiry can be renewed
// keeping its address; the day after, it is deleted.
func LastDayToRenew(expiry calendar.Date) calendar.Date { return expiry.AddDays(RenewalGraceDays) }

func renewalSteps() map[StepID]step {
	exp := expiryQuestion()
	return map[StepID]step{
		// ren_expiry: the member has a box to renew; when does it expire?
		StepRenExpiry: {
			parent: StepMenu,
			render: plain("step.ren_expiry"),
			choices: []choice{
				{action: ActNotExpired, label: "btn.not_expired", to: []StepID{StepRenew}, do: notExpired},
				{action: ActDontKnow, label: "btn.dont_know", to: []StepID{StepRenUnknown}},
			},
			text: &textInput{handle: answer(exp), to: []StepID{StepRenew, StepGone, StepRenYear, StepRenDay}},
		},
		// ren_year: Pending has the expiry's day and month; which year?
		StepRenYear: {
			parent:  StepRenExpiry,
			render:  yearButtons(exp),
			choices: []choice{{action: ActYear, to: []StepID{StepRenew, StepGone}, do: pickYear(exp)}},
			text:    &textInput{handle: answerYear(exp), to: []StepID{StepRenew, StepGone, StepRenDay}},
		},
		// ren_day: Pending has the expiry's month and year (day 1, see
		// expiryMonth), and the answer depends on the day; which day?
		StepRenDay: {
			parent: StepRenExpiry,
			render: func(_ *Dialog, s State, _ time.Time) Message {
				return Message{Key: "step.ren_day", Args: Args{"Month": calendar.Date{Year: s.Pending.Year, Month: s.Pending.Month}}}
			},
			text: &textInput{handle: func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
				return d.typedDay(exp, s, text, now)
			}, to: []StepID{StepRenew, StepGone, StepRenYear}},
		},
		// renew: the box can be renewed keeping its address. Expiry may be
		// unknown (the member only said it has not expired yet).
		StepRenew: {
			parent: StepRenExpiry,
			render: renderRenew,
			choices: []choice{
				{action: ActRenewed, label: "btn.renewed", to: []StepID{StepRenDone}, do: settled(StepRenDone)},
				{action: ActEnterDate, label: "btn.enter_date", to: []StepID{StepRenExpiry},
					visible: func(s State) bool { return s.Expiry.IsZero() }},
				stopReminders,
				{action: ActRemind, arg: "on", label: "btn.remind_on",
					visible: func(s State) bool { return s.RemindersOff && !s.Expiry.IsZero() }},
				calendarChoice(expiryGiven, renewalFile, StepRenew), // past the last day, lapses leads to gone first
			},
			wake:    renewalWake,
			reminds: []WakeReason{WakeExpiry30, WakeExpiry7, WakeLastDay14, WakeLastDay3, WakeGone},
			revisit: func(d *Dialog, s State, now time.Time) (StepID, bool) {
				return StepGone, !s.Expiry.IsZero() && d.today(now).After(LastDayToRenew(s.Expiry))
			},
			lapses: true,
		},
		// ren_unknown: the member does not remember the expiry date.
		StepRenUnknown: {
			parent: StepRenExpiry,
			render: plain("step.ren_unknown"),
			choices: []choice{
				{action: ActShowRenew, label: "btn.show_renew", to: []StepID{StepRenew}, do: notExpired},
				{action: ActShowGone, label: "btn.show_gone", to: []StepID{StepGone}},
				{action: ActEnterDate, label: "btn.enter_date", to: []StepID{StepRenExpiry}},
			},
		},
		// ren_done: renewed; the address is unchanged.
		StepRenDone: {
			parent:  StepRenew,
			render:  plain("step.ren_done"),
			choices: []choice{{action: ActEnterDate, label: "btn.new_expiry", to: []StepID{StepRenExpiry}}},
			wake:    noWake,
		},
		// gone: more than 90 days after expiry, the box is deleted; pay first.
		StepGone: {
			parent: StepRenExpiry,
			render: func(_ *Dialog, s State, _ time.Time) Message {
				args := Args{}
				if !s.Expiry.IsZero() {
					args["Expiry"], args["LastDay"] = s.Expiry, LastDayToRenew(s.Expiry)
				}
				return Message{Key: "step.gone", Args: args}
			},
			choices: []choice{{action: ActPaid, label: "btn.paid", to: []StepID{StepTicket}, do: settled(StepTicket)}},
			wake:    noWake,
		},
		// ticket: paid; now the support ticket with box name and receipt.
		StepTicket: {
			parent:  StepGone,
			render:  plain("step.ticket"),
			choices: []choice{{action: ActTicketSent, label: "btn.ticket_sent", to: []StepID{StepReactWait}}},
		},
		// react_wait: the ticket is open; waiting for Aruba to reactivate.
		StepReactWait: {
			parent:  StepTicket,
			render:  plain("step.react_wait"),
			choices: []choice{{action: ActArrived, label: "btn.reactivated", to: []StepID{StepChecklist}}},
		},
	}
}

func renewalWakes() map[WakeReason]wakeRule {
	rules := map[WakeReason]wakeRule{}
	for _, r := range []WakeReason{WakeExpiry30, WakeExpiry7, WakeLastDay14, WakeLastDay3} {
		rules[r] = wakeRule{to: []StepID{StepRenew, StepGone}, handle: renewalReminder(r)}
	}
	// On that day the renewal's revisit (in woken) leads to gone already,
	// which says what happened and what to do; this is for any other step.
	rules[WakeGone] = wakeRule{to: []StepID{StepGone}, handle: func(d *Dialog, s State, now time.Time) (State, Effects) {
		var fx Effects
		return d.enter(s, StepGone, now, &fx)
	}}
	return rules
}

// expiryQuestion asks the day the box expires or expired.
func expiryQuestion() question {
	return question{
		accept: expiryKnown,
		month:  expiryMonth,
		// An expiry can be behind or ahead: offer last, this and next
		// year; for 29 February, the leap years nearest on either side.
		years: func(today, p calendar.Date) []int {
			var ys []int
			for _, y := range []int{today.Year - 1, today.Year, today.Year + 1} {
				if calendar.Valid(y, p.Month, p.Day) {
					ys = append(ys, y)
				}
			}
			if len(ys) > 0 {
				return ys
			}
			for y := today.Year - 2; y > today.Year-5; y-- {
				if calendar.Valid(y, p.Month, p.Day) {
					ys = append(ys, y)
					break
				}
			}
			for y := today.Year + 2; y < today.Year+5; y++ {
				if calendar.Valid(y, p.Month, p.Day) {
					ys = append(ys, y)
					break
				}
			}
			return ys
		},
		yearStep: StepRenYear,
	}
}

// expiryKnown decides the path from the expiry date: renewable up to and
// including the 90th day after it, deleted from the 91st.
func expiryKnown(d *Dialog, s State, expiry calendar.Date, now time.Time) (State, Effects) {
	s.Expiry, s.Pending = expiry, calendar.Date{}
	var fx Effects
	if d.today(now).After(LastDayToRenew(expiry)) {
		return d.enter(s, StepGone, now, &fx)
	}
	return d.enter(s, StepRenew, now, &fx)
}

// expiryMonth handles an expiry given as month and year: the day is asked
// only when it matters, that is unless the whole month is past the 90 days.
func expiryMonth(d *Dialog, s State, month calendar.Date, now time.Time) (State, Effects) {
	var fx Effects
	if d.today(now).After(LastDayToRenew(lastOfMonth(month))) {
		s.Expiry, s.Pending = calendar.Date{}, calendar.Date{}
		return d.enter(s, StepGone, now, &fx, Message{Key: "date.month_enough", Args: Args{"Month": month}})
	}
	// Day 1, not 0: stored as ISO, day 0 would come back as the last day
	// of the month before.
	s.Pending = calendar.Date{Year: month.Year, Month: month.Month, Day: 1}
	return d.enter(s, StepRenDay, now, &fx)
}

// settled moves on once the box is paid for: its old expiry date no longer
// holds, so it is dropped rather than shown in /status.
func settled(to StepID) func(d *Dialog, s State, ev Event, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
		s.Expiry = calendar.Date{}
		var fx Effects
		return d.enter(s, to, now, &fx)
	}
}

func notExpired(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	s.Expiry = calendar.Date{}
	var fx Effects
	return d.enter(s, StepRenew, now, &fx)
}

// renderRenew says how to renew and, when the expiry is known, by when.
func renderRenew(d *Dialog, s State, now time.Time) Message {
	args := Args{}
	if !s.Expiry.IsZero() {
		today := d.today(now)
		last := LastDayToRenew(s.Expiry)
		args["Expiry"], args["LastDay"] = s.Expiry, last
		args["Expired"] = today.After(s.Expiry) // on the day itself it "expires today"
		args["DaysLeft"] = today.DaysUntil(last)
		// The last reminder says the box is gone: not one to announce here.
		if at := promised(s); !at.IsZero() && s.Wake.Reason != WakeGone {
			args["Wake"] = at
		}
	}
	return Message{Key: "step.renew", Args: args}
}

// renewalReminders are the reminders of a renewal, as days before a date.
var renewalReminders = []struct {
	why     WakeReason
	before  int
	lastDay bool // counted from the last day to renew, not from the expiry
}{
	{WakeExpiry30, 30, false},
	{WakeExpiry7, 7, false},
	{WakeLastDay14, 14, true},
	{WakeLastDay3, 3, true},
	{WakeGone, -1, true}, // the day after: the box is gone, and how to reactivate it
}

// renewalWake is the first renewal reminder still ahead. A reminder due on
// a day off goes out on the working day before, so it is never late.
func renewalWake(d *Dialog, s State, now time.Time) Wake {
	if s.Expiry.IsZero() {
		return Wake{}
	}
	for _, r := range renewalReminders {
		base := s.Expiry
		if r.lastDay {
			base = LastDayToRenew(s.Expiry)
		}
		day := base.AddDays(-r.before)
		step := -1 // before a deadline: the working day before, never late
		if r.before < 0 {
			step = 1 // after it: the working day after, never early
		}
		for !d.Cal.IsWorkingDay(day) {
			day = day.AddDays(step)
		}
		// Not today: the member has just read the deadline, or has just
		// been reminded of it.
		if day.After(d.today(now)) {
			return d.wakeOn(day, r.why)
		}
	}
	return Wake{}
}

// renewalReminder tells how many days are left, with the renewal buttons.
func renewalReminder(why WakeReason) func(d *Dialog, s State, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, now time.Time) (State, Effects) {
		today := d.today(now)
		if today.After(LastDayToRenew(s.Expiry)) {
			// Delivered too late to help (the bot was down) to a member
			// away from the renewal, whose revisit woken applies: say how
			// things stand, not "-7 days left".
			var fx Effects
			return d.enter(s, StepGone, now, &fx)
		}
		if !today.Before(s.Expiry) && (why == WakeExpiry30 || why == WakeExpiry7) {
			why = WakeLastDay14 // late: the expiry has passed, so speak of the last day
		}
		s.Step = StepRenew
		s.Wake = renewalWake(d, s, now)
		return s, d.prompt(s, now, Message{Key: "remind." + string(why), Args: Args{
			"Expiry":   s.Expiry,
			"LastDay":  LastDayToRenew(s.Expiry),
			"DaysLeft": today.DaysUntil(LastDayToRenew(s.Expiry)),
			"Days":     today.DaysUntil(s.Expiry),
		}}, Effects{})
	}
}
