// Package calendar knows civil dates and Italian working days: which days count
// when the Ordine says "5 giorni lavorativi", and when a reminder may be sent.
//
// It is pure: no I/O, no clock. It must not import Redis, Telegram or context.
package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date: a day on the wall calendar, with no time and no zone.
// The zero Date means "unknown".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// isoLayout is how a Date is written in state and logs.
const isoLayout = "2006-01-02"

// NewDate returns the date y-m-d, normalising overflow as time.Date does
// (31 February becomes 3 March). Use Valid to reject such input instead.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}

// Valid reports whether y-m-d names a day that exists (no 31 February).
func Valid(y int, m time.Month, d int) bool {
	if m < time.January || m > time.December || d < 1 || d > 31 {
		return false
	}
	return NewDate(y, m, d) == Date{Year: y, Month: m, Day: d}
}

// DateOf returns the civil date of t in t's own location.
// Convert t with t.In(loc) first to get the date in a given zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Today returns the civil date of now in loc.
func Today(now time.Time, loc *time.Location) Date {
	return DateOf(now.In(loc))
}

// IsZero reports whether d is the zero (unknown) date.
func (d Date) IsZero() bool { return d == Date{} }

// noon is d at midday UTC: a time far from any DST edge, for arithmetic.
func (d Date) noon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// AddDays returns the date n calendar days after d (before it if n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.noon().AddDate(0, 0, n)) }

// DaysUntil returns the number of calendar days from d to other
// (negative when other is before d).
func (d Date) DaysUntil(other Date) int {
	return int(other.noon().Sub(d.noon()).Hours() / 24)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noon().Weekday() }

// Before reports whether d is before other.
func (d Date) Before(other Date) bool { return d.Compare(other) < 0 }

// After reports whether d is after other.
func (d Date) After(other Date) bool { return d.Compare(other) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after other.
func (d Date) Compare(other Date) int {
	switch {
	case d.Year != other.Year:
		return cmpInt(d.Year, other.Year)
	case d.Month != other.Month:
		return cmpInt(int(d.Month), int(other.Month))
	default:
		return cmpInt(d.Day, other.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// At returns the instant at hour:minute of d in loc.
func (d Date) At(hour, minute int, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, loc)
}

// String writes d as ISO 8601 (2027-09-30), or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.noon().Format(isoLayout)
}

// ParseISO reads a date written by String.
func ParseISO(s string) (Date, error) {
	t, err := time.Parse(isoLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// MarshalText writes d as ISO 8601, so that state serialises it readably.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads an ISO 8601 date; an empty text is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseISO(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
