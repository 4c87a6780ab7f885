package calendar

import (
	"testing"
	"time"
)

// FuzzExpectedActivation checks that no date, however odd, makes
// ExpectedActivation panic, and that for real dates the result is a working
// day 5 to 15 calendar days later.
func FuzzExpectedActivation(f *testing.F) {
	seeds := []struct{ y, m, d int }{
		{2027, 9, 30}, {2026, 12, 23}, {2026, 12, 29}, {2027, 3, 27}, {2025, 6, 2},
		{2024, 2, 29}, {1, 1, 1}, {9999, 12, 31}, {0, 0, 0}, {-5, 13, 40}, {2027, 2, 30},
	}
	for _, s := range seeds {
		f.Add(s.y, s.m, s.d)
	}
	c := New(d(2027, time.August, 16))
	f.Fuzz(func(t *testing.T, y, m, day int) {
		fax := Date{Year: y, Month: time.Month(m), Day: day}
		got := c.ExpectedActivation(fax) // must not panic, whatever fax is
		// The date properties only make sense for real ISO dates.
		if y < 1 || y > 9998 || !Valid(y, time.Month(m), day) {
			return
		}
		if !c.IsWorkingDay(got) {
			t.Errorf("%v → %v: not a working day", fax, got)
		}
		if !got.After(fax) {
			t.Errorf("%v → %v: not after the fax", fax, got)
		}
		if n := fax.DaysUntil(got); n < 5 || n > 15 {
			t.Errorf("%v → %v: %d calendar days, want 5..15", fax, got, n)
		}
	})
}
