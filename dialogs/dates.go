package dialogs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/dialogs/datetext"
)

// question is a date the conversation asks for: what to do with it once
// whole, and which years to offer when it comes without one.
type question struct {
	accept   func(d *Dialog, s State, day calendar.Date, now time.Time) (State, Effects)
	month    func(d *Dialog, s State, month calendar.Date, now time.Time) (State, Effects)
	years    func(today calendar.Date, pending calendar.Date) []int
	yearStep StepID
}

// typed reads a typed date for q. A refused text gets a message saying why,
// with an example; a date without a year is confirmed with buttons.
func (d *Dialog) typed(q question, s State, text string, now time.Time) (State, Effects) {
	p, err := datetext.Parse(text, d.today(now))
	if err != nil {
		return s, d.refuse(s, now, err)
	}
	switch p.Kind {
	case datetext.NoYear:
		s.Pending = p.Date
		var fx Effects
		return d.enter(s, q.yearStep, now, &fx)
	case datetext.MonthOnly:
		return q.month(d, s, p.Date, now)
	}
	return q.accept(d, s, p.Date, now)
}

// answerOrHint reads a date typed where buttons are offered too: a date
// (or an impossible one) is an answer; other words get the buttons hint.
func answerOrHint(q question) func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
		var e *datetext.Error
		if _, err := datetext.Parse(text, d.today(now)); errors.As(err, &e) && e.Reason == datetext.NotADate {
			return s, d.prompt(s, now, Message{Key: "hint.buttons"}, Effects{})
		}
		return d.typed(q, s, text, now)
	}
}

// refuse explains why a typed text is not a usable date, with an example,
// and keeps the member on the same question.
func (d *Dialog) refuse(s State, now time.Time, err error) Effects {
	key := "date.not_a_date"
	if e, ok := err.(*datetext.Error); ok {
		switch e.Reason {
		case datetext.NoSuchDay:
			key = "date.no_such_day"
		case datetext.TooOld:
			key = "date.too_old"
		case datetext.TooFarAhead:
			key = "date.too_far"
		}
	}
	return d.prompt(s, now, Message{Key: key, Args: Args{"Example": example(d.today(now))}}, Effects{})
}

// yearButtons draws one button per candidate year for the pending date.
func yearButtons(q question) func(d *Dialog, s State, now time.Time) Message {
	return func(d *Dialog, s State, now time.Time) Message {
		m := Message{Key: "step.ask_year", Args: Args{"Pending": s.Pending}}
		var row []Button
		for _, y := range q.years(d.today(now), s.Pending) {
			// The whole date, so that a button of an earlier question
			// cannot complete a different one.
			row = append(row, Button{Label: "btn.year", LabelArgs: Args{"Date": withYear(s.Pending, y)},
				Action: ActYear, Arg: withYear(s.Pending, y).String()})
		}
		if len(row) > 0 {
			m.Buttons = [][]Button{row}
		}
		return m
	}
}

// pickYear completes the pending date with the date on the pressed button;
// one that was not offered for this question is a forged or stale button.
func pickYear(q question) func(d *Dialog, s State, ev Event, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, ev Event, now time.Time) (State, Effects) {
		day, err := calendar.ParseISO(ev.Arg)
		offered := false
		for _, y := range q.years(d.today(now), s.Pending) {
			offered = offered || (err == nil && day == withYear(s.Pending, y))
		}
		if !offered {
			return s, d.prompt(s, now, Message{Key: "hint.stale"}, Effects{})
		}
		return q.accept(d, s, day, now)
	}
}

// answerYear reads what is typed at the year question: a bare year ("2026",
// "26") completes the pending day and month; anything else is read as a
// whole date.
func answerYear(q question) func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
	return func(d *Dialog, s State, text string, now time.Time) (State, Effects) {
		t := strings.TrimSpace(text)
		if n := len(t); (n == 2 || n == 4) && strings.Trim(t, "0123456789") == "" {
			text = fmt.Sprintf("%d/%d/%s", s.Pending.Day, int(s.Pending.Month), t)
		}
		return d.typed(q, s, text, now)
	}
}

// withYear is the pending day and month in year y.
func withYear(p calendar.Date, y int) calendar.Date {
	return calendar.Date{Year: y, Month: p.Month, Day: p.Day}
}

// typedDay reads the day of a month already given ("12"), or a whole new date.
func (d *Dialog) typedDay(q question, s State, text string, now time.Time) (State, Effects) {
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), ".")))
	if err != nil {
		return d.typed(q, s, text, now)
	}
	if !calendar.Valid(s.Pending.Year, s.Pending.Month, n) {
		return s, d.refuse(s, now, &datetext.Error{Reason: datetext.NoSuchDay})
	}
	day := calendar.Date{Year: s.Pending.Year, Month: s.Pending.Month, Day: n}
	s.Pending = calendar.Date{}
	return q.accept(d, s, day, now)
}

// lastOfMonth is the last day of the month of m.
func lastOfMonth(m calendar.Date) calendar.Date {
	return calendar.NewDate(m.Year, m.Month+1, 1).AddDays(-1)
}

// example is a date written the way members are asked to type it.
func example(day calendar.Date) string {
	return fmt.Sprintf("%02d/%02d/%d", day.Day, int(day.Month), day.Year)
}
