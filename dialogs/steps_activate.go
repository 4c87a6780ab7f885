package dialogs

import (
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Payment methods of the convention. Postal and bank payments need their
// receipt faxed with the contracts.
var payments = []string{"card", "postal", "bank"}

func activationSteps() map[StepID]step {
	fax := faxQuestion()
	return map[StepID]step{
		// act_steps: the member wants a new box; the 9 steps of the purchase.
		StepActSteps: {
			parent:  StepMenu,
			render:  plain("step.act_steps"),
			choices: []choice{{action: ActBought, label: "btn.bought", to: []StepID{StepActPayment}}},
		},
		// act_pay: the purchase is done; how was it paid?
		StepActPayment: {
			parent: StepActSteps,
			render: plain("step.act_pay"),
			choices: []choice{
				{action: ActPay, label: "btn.pay_card", arg: "card", to: []StepID{StepActFax}, do: setPayment},
				{action: ActPay, label: "btn.pay_postal", arg: "postal", to: []StepID{StepActFax}, do: setPayment},
				{action: ActPay, label: "btn.pay_bank", arg: "bank", to: []StepID{StepActFax}, do: setPayment},
			},
		},
		// act_fax: Payment is known; the contracts e-mail and the fax. Sent?
		StepActFax: {
			parent: StepActPayment,
			render: func(_ *Dialog, s State, _ time.Time) Message {
				return Message{Key: "step.act_fax", Args: Args{"Receipt": s.Payment != "card"}}
			},
			choices: faxChoices(),
			// "ieri" typed instead of a button is an answer too.
			text: &textInput{handle: answerOrHint(fax), to: []StepID{StepActWaiting, StepActCheck, StepActFaxYear}},
		},
		// act_fax_date: the fax was sent another day; which one?
		StepActFaxDate: {
			parent: StepActFax,
			render: plain("step.act_fax_date"),
			text:   &textInput{handle: answer(fax), to: []StepID{StepActWaiting, StepActCheck, StepActFaxYear}},
		},
		// act_fax_year: Pending has the fax's day and month; which year?
		StepActFaxYear: {
			parent:  StepActFaxDate,
			render:  yearButtons(fax),
			choices: []choice{{action: ActYear, to: []StepID{StepActWaiting, StepActCheck}, do: pickYear(fax)}},
			text:    &textInput{handle: answerYear(fax), to: []StepID{StepActWaiting, StepActCheck}},
		},
		// act_fax_wait: the fax is not sent yet; ask again in 2 working days.
		StepActFaxWait: {
			parent: StepActFax,
			render: func(_ *Dialog, s State, _ time.Time) Message {
				return Message{Key: "step.act_fax_wait", Args: Args{"Wake": promised(s)}}
			},
			choices: append(faxChoices()[:2], stopReminders, startReminders),
			text:    &textInput{handle: answerOrHint(fax), to: []StepID{StepActWaiting, StepActCheck, StepActFaxYear}},
			wake: func(d *Dialog, _ State, now time.Time) Wake {
				return d.wakeOn(d.Cal.WorkingDaysAfter(d.today(now), 2), WakeFaxAsk)
			},
			reminds: []WakeReason{WakeFaxAsk},
		},
		// act_wait: FaxDay and Activation are known and Activation is after today.
		StepActWaiting: {
			parent: StepActFax,
			render: renderWaiting,
			choices: []choice{
				{action: ActArrived, label: "btn.arrived", to: []StepID{StepChecklist}},
				{action: ActFaxOther, label: "btn.change_fax", to: []StepID{StepActFaxDate}},
				stopReminders, startReminders,
				calendarChoice(activationKnown, activationFile, StepActWaiting, StepActCheck),
			},
			revisit: func(d *Dialog, s State, now time.Time) (StepID, bool) {
				return StepActCheck, s.Activation.Before(d.today(now))
			},
			wake:    func(d *Dialog, s State, _ time.Time) Wake { return d.wakeOn(s.Activation, WakeActCheck) },
			reminds: []WakeReason{WakeActCheck},
		},
		// act_check: the expected activation day has come; did the access e-mail arrive?
		StepActCheck: {
			parent: StepActFax,
			render: func(d *Dialog, s State, now time.Time) Message {
				return Message{Key: "step.act_check", Args: Args{"Fax": s.FaxDay, "Activation": s.Activation, "Past": s.Activation.Before(d.today(now))}}
			},
			choices: []choice{
				{action: ActArrived, label: "btn.arrived", to: []StepID{StepChecklist}},
				{action: ActNotArrived, label: "btn.not_arrived", to: []StepID{StepActLate}},
				stopReminders,
			},
			wake: noWake, // the reminder that asked is answered; a fax typed late lands here too
		},
		// act_late: the access e-mail has not arrived by the expected day.
		StepActLate: {
			parent: StepActCheck,
			render: func(_ *Dialog, s State, _ time.Time) Message {
				return Message{Key: "step.act_late", Args: Args{"Late": s.Rechecked, "Wake": promised(s)}}
			},
			choices: []choice{{action: ActArrived, label: "btn.arrived", to: []StepID{StepChecklist}}, stopReminders, startReminders},
			wake: func(d *Dialog, s State, now time.Time) Wake {
				if s.Rechecked {
					return Wake{}
				}
				return d.wakeOn(d.Cal.WorkingDaysAfter(d.today(now), 2), WakeActRecheck)
			},
			reminds: []WakeReason{WakeActRecheck},
		},
	}
}

func activationWakes() map[WakeReason]wakeRule {
	return map[WakeReason]wakeRule{
		WakeFaxAsk: {to: []StepID{StepActFax}, handle: func(d *Dialog, s State, now time.Time) (State, Effects) {
			var fx Effects
			return d.enter(s, StepActFax, now, &fx, Message{Key: "remind.fax_ask"})
		}},
		WakeActCheck: {to: []StepID{StepActCheck}, handle: func(d *Dialog, s State, now time.Time) (State, Effects) {
			var fx Effects
			return d.enter(s, StepActCheck, now, &fx)
		}},
		WakeActRecheck: {to: []StepID{StepActCheck}, handle: func(d *Dialog, s State, now time.Time) (State, Effects) {
			s.Rechecked = true
			var fx Effects
			return d.enter(s, StepActCheck, now, &fx)
		}},
	}
}

// faxChoices are the answers to "have you sent the fax?".
func faxChoices() []choice {
	return []choice{
		{action: ActFaxToday, label: "btn.fax_today", to: []StepID{StepActWaiting}, do: faxToday},
		{action: ActFaxOther, label: "btn.fax_other", to: []StepID{StepActFaxDate}},
		{action: ActFaxNotYet, label: "btn.fax_not_yet", to: []StepID{StepActFaxWait}, do: faxNotYet},
	}
}

// faxQuestion asks the day the fax was sent.
func faxQuestion() question {
	return question{
		accept: faxSent,
		month: func(d *Dialog, s State, _ calendar.Date, now time.Time) (State, Effects) {
			return s, d.prompt(s, now, Message{Key: "date.need_day", Args: Args{"Example": example(d.today(now))}}, Effects{})
		},
		// A fax is in the past: the last time this day came, and the time
		// before (for 29 February, leap years only).
		years: func(today, p calendar.Date) []int {
			var ys []int
			for y := today.Year; len(ys) < 2 && y > today.Year-9; y-- {
				if calendar.Valid(y, p.Month, p.Day) && !withYear(p, y).After(today) {
					ys = append(ys, y)
				}
			}
			return ys
		},
		yearStep: StepActFaxYear,
	}
}

// answer reads a typed answer to q.
func answer(q question) func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
		return d.typed(q, s, text, now)
	}
}

func setPayment(d *Dialog, s State, ev Event, now time.Time) (State, Effects) {
	for _, p := range payments {
		if ev.Arg == p {
			s.Payment = p
			var fx Effects
			return d.enter(s, StepActFax, now, &fx)
		}
	}
	return s, d.prompt(s, now, Message{Key: "hint.stale"}, Effects{})
}

// faxNotYet forgets any fax day given before: it was not sent after all.
func faxNotYet(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	s.FaxDay, s.Activation, s.Rechecked = calendar.Date{}, calendar.Date{}, false
	var fx Effects
	return d.enter(s, StepActFaxWait, now, &fx)
}

func faxToday(d *Dialog, s State, _ Event, now time.Time) (State, Effects) {
	return faxSent(d, s, d.today(now), now)
}

// faxSent records the fax day and tells the expected activation date; if
// that day has already come, it asks at once whether the box is active.
func faxSent(d *Dialog, s State, day calendar.Date, now time.Time) (State, Effects) {
	if day.After(d.today(now)) {
		return s, d.prompt(s, now, Message{Key: "date.fax_future", Args: Args{"Example": example(d.today(now))}}, Effects{})
	}
	s.FaxDay, s.Pending = day, calendar.Date{}
	s.Activation = d.Cal.ExpectedActivation(day)
	s.Rechecked = false
	var fx Effects
	if !s.Activation.After(d.today(now)) {
		return d.enter(s, StepActCheck, now, &fx)
	}
	return d.enter(s, StepActWaiting, now, &fx)
}

// renderWaiting tells the expected activation date and why it is not five
// calendar days after the fax: the days that do not count are listed.
func renderWaiting(d *Dialog, s State, _ time.Time) Message {
	return Message{Key: "step.act_wait", Args: Args{
		"Fax":          s.FaxDay,
		"Activation":   s.Activation,
		"CalendarDays": s.FaxDay.DaysUntil(s.Activation),
		"Skipped":      d.Cal.NonWorkingBetween(s.FaxDay, s.Activation),
		"Wake":         promised(s),
		"RemindersOff": s.RemindersOff,
	}}
}
