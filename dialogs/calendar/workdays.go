package calendar

import (
	"fmt"
	"strings"
	"time"
)

// ActivationWorkingDays is how many working days after the fax the activation
// is expected: the fax day itself never counts.
const ActivationWorkingDays = 5

// Civil hours: reminders are sent only from CivilFrom:00 to before CivilUntil:00
// local time, so that nobody is woken at night.
const (
	CivilFrom  = 9
	CivilUntil = 19
)

// closureName is what Holiday calls a closure day configured by the operator.
const closureName = "chiusura"

// Calendar answers which days are working days ("giorni lavorativi"): Monday
// to Friday, except Italian national holidays and the operator's closure days.
// Build one with New. It is never modified afterwards, so it is safe for
// concurrent use.
type Calendar struct {
	closures map[Date]bool
}

// New returns a Calendar that also treats the given closure days, configured
// by the operator (see ParseClosures), as non-working.
func New(closures ...Date) *Calendar {
	c := &Calendar{closures: make(map[Date]bool, len(closures))}
	for _, d := range closures {
		c.closures[d] = true
	}
	return c
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and
// neither a national holiday nor a closure day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, closed := c.Holiday(d)
	return !closed
}

// Holiday returns the name of the national holiday on d (in Italian, e.g.
// "Pasquetta"), or "chiusura" for a configured closure day. ok is false for
// ordinary days, weekends included. A holiday is reported even on a weekend,
// and wins over a closure configured on the same day.
func (c *Calendar) Holiday(d Date) (name string, ok bool) {
	if name, ok := nationalHoliday(d); ok {
		return name, true
	}
	if c.closures[d] {
		return closureName, true
	}
	return "", false
}

// WorkingDaysAfter returns the nth working day strictly after d, so d itself
// never counts, whatever kind of day it is. For n <= 0 it returns d.
func (c *Calendar) WorkingDaysAfter(d Date, n int) Date {
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// ExpectedActivation returns the day the activation is expected for a fax
// sent on faxDay: the 5th working day strictly after it. A fax sent on a
// weekend or holiday thus counts from the next working day.
func (c *Calendar) ExpectedActivation(faxDay Date) Date {
	return c.WorkingDaysAfter(faxDay, ActivationWorkingDays)
}

// NonWorkingBetween returns, in order, the non-working days (weekends,
// holidays, closures) strictly after from and up to and including to: what to
// show a member to explain why 5 working days are not 5 calendar days.
// It returns nil when there are none or when to is not after from.
func (c *Calendar) NonWorkingBetween(from, to Date) []Date {
	var days []Date
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if !c.IsWorkingDay(d) {
			days = append(days, d)
		}
	}
	return days
}

// NextCivilTime returns when a reminder due at t may be sent: the first
// instant >= t that is hour:00 in loc on a working day. But when t already
// falls on a working day between hour:00 and 19:00 in loc, t is returned
// unchanged, so that a late (catch-up) reminder goes out now, not tomorrow.
//
// hour is clamped to 9..18 rather than rejected, so a bad setting can never
// send at night nor crash the bot. A nil loc means UTC.
func (c *Calendar) NextCivilTime(t time.Time, loc *time.Location, hour int) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	hour = min(max(hour, CivilFrom), CivilUntil-1)
	day := DateOf(t.In(loc))
	if c.IsWorkingDay(day) {
		if start := day.At(hour, 0, loc); t.Before(start) {
			return start
		}
		if t.Before(day.At(CivilUntil, 0, loc)) {
			return t
		}
	}
	// Rome changes clock at 2:00-3:00, never within civil hours, so hour:00
	// always exists exactly once on the chosen day.
	return c.WorkingDaysAfter(day, 1).At(hour, 0, loc)
}

// ParseClosures reads the operator's closure days from configuration: a
// comma-separated list of ISO dates such as "2027-08-14, 2027-12-24". Spaces
// and empty items are tolerated; the empty string means no closures.
// The error names the first item that is not a valid date.
func ParseClosures(s string) ([]Date, error) {
	var days []Date
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		d, err := ParseISO(item)
		if err != nil {
			return nil, fmt.Errorf("closure days: %w", err)
		}
		days = append(days, d)
	}
	return days, nil
}
