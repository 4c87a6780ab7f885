package calendar

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExpectedActivation(t *testing.T) {
	tests := []struct {
		name      string
		closures  []Date
		fax, want Date
	}{
		{"Thursday before San Francesco", nil, d(2027, time.September, 30), d(2027, time.October, 8)},
		{"Friday", nil, d(2027, time.March, 12), d(2027, time.March, 19)},
		{"Saturday", nil, d(2027, time.March, 13), d(2027, time.March, 19)},
		{"Sunday", nil, d(2027, time.March, 14), d(2027, time.March, 19)},
		{"Monday", nil, d(2027, time.March, 15), d(2027, time.March, 22)},
		{"on a holiday (2 June, Monday)", nil, d(2025, time.June, 2), d(2025, time.June, 9)},
		{"before Christmas", nil, d(2026, time.December, 23), d(2026, time.December, 31)},
		{"across year end, 1 and 6 January", nil, d(2026, time.December, 29), d(2027, time.January, 7)},
		{"Good Friday counts as working", nil, d(2027, time.March, 26), d(2027, time.April, 5)},
		{"day before Easter", nil, d(2027, time.March, 27), d(2027, time.April, 5)},
		{"closure shifts the result", []Date{d(2027, time.March, 17)}, d(2027, time.March, 12), d(2027, time.March, 22)},
		{"closure on the would-be day", []Date{d(2027, time.March, 19)}, d(2027, time.March, 12), d(2027, time.March, 22)},
		{"25 April and 1 May 2028", nil, d(2028, time.April, 24), d(2028, time.May, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.closures...).ExpectedActivation(tt.fax); got != tt.want {
				t.Errorf("ExpectedActivation(%v) = %v (%v), want %v (%v)",
					tt.fax, got, got.Weekday(), tt.want, tt.want.Weekday())
			}
		})
	}
}

func TestWorkingDaysAfter(t *testing.T) {
	c := New()
	thu := d(2027, time.September, 30)
	tests := []struct {
		n    int
		want Date
	}{
		{-1, thu},
		{0, thu},
		{1, d(2027, time.October, 1)},
		{2, d(2027, time.October, 5)}, // skips the weekend and 4 October
		{10, d(2027, time.October, 15)},
	}
	for _, tt := range tests {
		if got := c.WorkingDaysAfter(thu, tt.n); got != tt.want {
			t.Errorf("WorkingDaysAfter(%v, %d) = %v, want %v", thu, tt.n, got, tt.want)
		}
	}
}

func TestNonWorkingBetween(t *testing.T) {
	c := New()
	tests := []struct {
		name     string
		from, to Date
		want     []Date
	}{
		{"explains 30 Sep → 8 Oct 2027", d(2027, time.September, 30), d(2027, time.October, 8),
			[]Date{d(2027, time.October, 2), d(2027, time.October, 3), d(2027, time.October, 4)}},
		{"from excluded, to included", d(2027, time.October, 2), d(2027, time.October, 4),
			[]Date{d(2027, time.October, 3), d(2027, time.October, 4)}},
		{"no gaps", d(2027, time.March, 15), d(2027, time.March, 19), nil},
		{"same day", d(2027, time.October, 3), d(2027, time.October, 3), nil},
		{"to before from", d(2027, time.October, 8), d(2027, time.September, 30), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.NonWorkingBetween(tt.from, tt.to); !slices.Equal(got, tt.want) {
				t.Errorf("NonWorkingBetween(%v, %v) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestNextCivilTime(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, rome)
	}
	tests := []struct {
		name string
		t    time.Time
		hour int
		want time.Time
	}{
		{"night on a working day → same day", at(2027, time.March, 16, 3, 0), 10, at(2027, time.March, 16, 10, 0)},
		{"after 9 but before hour → hour", at(2027, time.March, 16, 9, 30), 10, at(2027, time.March, 16, 10, 0)},
		{"exactly hour → now", at(2027, time.March, 16, 10, 0), 10, at(2027, time.March, 16, 10, 0)},
		{"afternoon catch-up → now", at(2027, time.March, 16, 14, 37), 10, at(2027, time.March, 16, 14, 37)},
		{"18:59 → now", at(2027, time.March, 16, 18, 59), 10, at(2027, time.March, 16, 18, 59)},
		{"19:00 → next working day", at(2027, time.March, 16, 19, 0), 10, at(2027, time.March, 17, 10, 0)},
		{"Friday evening → Monday", at(2027, time.March, 19, 20, 0), 10, at(2027, time.March, 22, 10, 0)},
		{"Saturday → Monday", at(2027, time.March, 20, 11, 0), 10, at(2027, time.March, 22, 10, 0)},
		{"Easter Monday → Tuesday", at(2027, time.March, 29, 11, 0), 10, at(2027, time.March, 30, 10, 0)},
		{"San Francesco Monday → Tuesday", at(2027, time.October, 4, 8, 0), 9, at(2027, time.October, 5, 9, 0)},
		// 28 March 2027: clocks go forward; the result is 10:00 CEST.
		{"across spring DST", at(2027, time.March, 27, 22, 0), 10, at(2027, time.March, 30, 10, 0)},
		// 31 October 2027: clocks go back; 1 November is a holiday too.
		{"across autumn DST", at(2027, time.October, 29, 20, 0), 10, at(2027, time.November, 2, 10, 0)},
		{"hour below 9 clamped to 9", at(2027, time.March, 16, 8, 0), 3, at(2027, time.March, 16, 9, 0)},
		{"hour above 18 clamped to 18", at(2027, time.March, 16, 18, 30), 23, at(2027, time.March, 16, 18, 30)},
		{"hour above 18 clamped, early", at(2027, time.March, 16, 12, 0), 23, at(2027, time.March, 16, 18, 0)},
		{"t given in UTC, judged in Rome", time.Date(2027, time.March, 16, 18, 30, 0, 0, time.UTC), 10, at(2027, time.March, 17, 10, 0)},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.NextCivilTime(tt.t, rome, tt.hour)
			if !got.Equal(tt.want) {
				t.Errorf("NextCivilTime(%v, %d) = %v, want %v", tt.t, tt.hour, got.In(rome), tt.want)
			}
			if got.Before(tt.t) {
				t.Errorf("result %v is before t %v", got, tt.t)
			}
			if h := got.In(rome).Hour(); h < CivilFrom || h >= CivilUntil {
				t.Errorf("result %v is outside civil hours", got.In(rome))
			}
		})
	}

	// The DST cases really are at 10:00 local: 08:00 UTC in summer, 09:00 in winter.
	if got := c.NextCivilTime(at(2027, time.March, 27, 22, 0), rome, 10); got.UTC().Hour() != 8 {
		t.Errorf("spring DST: got %v UTC, want 08:00 UTC", got.UTC())
	}
	if got := c.NextCivilTime(at(2027, time.October, 29, 20, 0), rome, 10); got.UTC().Hour() != 9 {
		t.Errorf("autumn DST: got %v UTC, want 09:00 UTC", got.UTC())
	}
	// A configured closure is skipped like a holiday.
	closed := New(d(2027, time.March, 17))
	if got, want := closed.NextCivilTime(at(2027, time.March, 16, 20, 0), rome, 10), at(2027, time.March, 18, 10, 0); !got.Equal(want) {
		t.Errorf("closure: got %v, want %v", got, want)
	}
	// A nil location means UTC instead of a panic.
	utc := time.Date(2027, time.March, 20, 12, 0, 0, 0, time.UTC)
	if got, want := c.NextCivilTime(utc, nil, 10), time.Date(2027, time.March, 22, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("nil loc: got %v, want %v", got, want)
	}
}

func TestParseClosures(t *testing.T) {
	tests := []struct {
		in      string
		want    []Date
		wantErr string // substring of the error; "" means no error
	}{
		{"", nil, ""},
		{"   ", nil, ""},
		{"2027-08-14", []Date{d(2027, time.August, 14)}, ""},
		{"2027-08-14,2027-12-24", []Date{d(2027, time.August, 14), d(2027, time.December, 24)}, ""},
		{" 2027-08-14 , 2027-12-24 ,", []Date{d(2027, time.August, 14), d(2027, time.December, 24)}, ""},
		{"2027-08-14,,2027-12-24", []Date{d(2027, time.August, 14), d(2027, time.December, 24)}, ""},
		{"2027-08-14,domani", nil, `"domani"`},
		{"2027-02-30", nil, `"2027-02-30"`},
		{"14/08/2027", nil, `"14/08/2027"`},
		{"2027-08-14;2027-12-24", nil, `"2027-08-14;2027-12-24"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseClosures(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseClosures(%q) error = %v, want one naming %s", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseClosures(%q) error = %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseClosures(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestExpectedActivationProperties checks every fax day from 2024 to 2030,
// with and without a closure, against the definition.
func TestExpectedActivationProperties(t *testing.T) {
	for _, c := range []*Calendar{New(), New(d(2027, time.August, 16), d(2028, time.December, 27))} {
		for fax := d(2024, time.January, 1); fax.Year <= 2030; fax = fax.AddDays(1) {
			got := c.ExpectedActivation(fax)
			if !c.IsWorkingDay(got) {
				t.Errorf("%v → %v: not a working day", fax, got)
			}
			if n := fax.DaysUntil(got); n < 5 || n > 15 {
				t.Errorf("%v → %v: %d calendar days, want 5..15", fax, got, n)
			}
			working := 0
			for day := fax.AddDays(1); !day.After(got); day = day.AddDays(1) {
				if c.IsWorkingDay(day) {
					working++
				}
			}
			if working != ActivationWorkingDays {
				t.Errorf("%v → %v: %d working days in between, want %d", fax, got, working, ActivationWorkingDays)
			}
			// The explanation accounts for every extra calendar day.
			if gaps := len(c.NonWorkingBetween(fax, got)); fax.DaysUntil(got) != ActivationWorkingDays+gaps {
				t.Errorf("%v → %v: %d non-working days do not explain the gap", fax, got, gaps)
			}
		}
	}
}
