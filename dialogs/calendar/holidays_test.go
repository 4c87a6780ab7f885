package calendar

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// d is shorthand for a date in tables.
func d(y int, m time.Month, day int) Date { return Date{Year: y, Month: m, Day: day} }

// easterMonday lists Easter Monday by hand, independently of rickar's
// algorithm. 2011 and 2038 are kept because Easter meets 25 April.
var easterMonday = map[int]Date{
	2011: d(2011, time.April, 25), // same day as the Liberazione
	2024: d(2024, time.April, 1),
	2025: d(2025, time.April, 21),
	2026: d(2026, time.April, 6),
	2027: d(2027, time.March, 29),
	2028: d(2028, time.April, 17),
	2029: d(2029, time.April, 2),
	2030: d(2030, time.April, 22),
	2038: d(2038, time.April, 26), // Easter Sunday is 25 April
}

// wantHolidays is the authoritative national list for year, built by hand.
func wantHolidays(year int) []Date {
	fixed := []struct {
		m   time.Month
		day int
	}{
		{time.January, 1}, {time.January, 6}, {time.April, 25}, {time.May, 1},
		{time.June, 2}, {time.August, 15}, {time.November, 1},
		{time.December, 8}, {time.December, 25}, {time.December, 26},
	}
	if year >= 2026 {
		fixed = append(fixed, struct {
			m   time.Month
			day int
		}{time.October, 4})
	}
	days := []Date{easterMonday[year]}
	for _, f := range fixed {
		days = append(days, d(year, f.m, f.day))
	}
	slices.SortFunc(days, Date.Compare)
	return slices.Compact(days) // 2011: Easter Monday is 25 April
}

// TestHolidaySetIsExact scans every day of each year and checks that the
// holidays found are exactly the national list: nothing missing, nothing
// extra from the library (no patron saints, no Good Friday).
func TestHolidaySetIsExact(t *testing.T) {
	c := New()
	for year := range easterMonday {
		t.Run(strconv.Itoa(year), func(t *testing.T) {
			var got []Date
			for day := d(year, time.January, 1); day.Year == year; day = day.AddDays(1) {
				if _, ok := c.Holiday(day); ok {
					got = append(got, day)
				}
			}
			if want := wantHolidays(year); !slices.Equal(got, want) {
				t.Errorf("holidays in %d:\n got %v\nwant %v", year, got, want)
			}
		})
	}
}

func TestHolidayNames(t *testing.T) {
	c := New()
	tests := []struct {
		day  Date
		want string
	}{
		{d(2027, time.January, 1), "Capodanno"},
		{d(2027, time.January, 6), "Epifania"},
		{d(2027, time.March, 29), "Pasquetta"},
		{d(2027, time.April, 25), "Festa della Liberazione"},
		{d(2027, time.May, 1), "Festa del Lavoro"},
		{d(2027, time.June, 2), "Festa della Repubblica"},
		{d(2027, time.August, 15), "Assunzione"},
		{d(2027, time.October, 4), "San Francesco d'Assisi"},
		{d(2027, time.November, 1), "Tutti i santi"},
		{d(2027, time.December, 8), "Immacolata Concezione"},
		{d(2027, time.December, 25), "Natale"},
		{d(2027, time.December, 26), "Santo Stefano"},
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			if got, ok := c.Holiday(tt.day); !ok || got != tt.want {
				t.Errorf("Holiday(%v) = %q, %v; want %q, true", tt.day, got, ok, tt.want)
			}
		})
	}
}

func TestFixedHolidaysAreNotWorkingDays(t *testing.T) {
	c := New()
	for year := 2020; year <= 2035; year++ {
		for _, day := range wantHolidays(year) {
			if day.IsZero() { // no Easter Monday in the table for this year
				continue
			}
			if c.IsWorkingDay(day) {
				t.Errorf("IsWorkingDay(%v) = true, want false (holiday)", day)
			}
		}
	}
}

func TestEasterMonday(t *testing.T) {
	c := New()
	for year, monday := range easterMonday {
		t.Run(monday.String(), func(t *testing.T) {
			if name, ok := c.Holiday(monday); !ok {
				t.Errorf("Holiday(%v) = %q, false; want Easter Monday", monday, name)
			}
			if c.IsWorkingDay(monday) {
				t.Errorf("IsWorkingDay(%v) = true", monday)
			}
			// Neither Easter Tuesday nor Good Friday is a holiday in Italy.
			if tue := monday.AddDays(1); tue.Month != time.April || tue.Day != 25 {
				if !c.IsWorkingDay(tue) {
					t.Errorf("%d: Easter Tuesday %v is not a working day", year, tue)
				}
			}
			if fri := monday.AddDays(-3); !c.IsWorkingDay(fri) {
				t.Errorf("%d: Good Friday %v is not a working day", year, fri)
			}
		})
	}
}

func TestSanFrancesco(t *testing.T) {
	c := New()
	tests := []struct {
		day         Date
		wantHoliday bool
		wantWorking bool
	}{
		{d(2024, time.October, 4), false, true},  // Friday, before the law
		{d(2025, time.October, 4), false, false}, // Saturday, before the law
		{d(2026, time.October, 4), true, false},  // Sunday: holiday, lost
		{d(2027, time.October, 4), true, false},  // Monday
		{d(2028, time.October, 4), true, false},  // Wednesday
		{d(2030, time.October, 4), true, false},  // Friday
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			if _, ok := c.Holiday(tt.day); ok != tt.wantHoliday {
				t.Errorf("Holiday(%v) ok = %v, want %v", tt.day, ok, tt.wantHoliday)
			}
			if got := c.IsWorkingDay(tt.day); got != tt.wantWorking {
				t.Errorf("IsWorkingDay(%v) = %v, want %v", tt.day, got, tt.wantWorking)
			}
		})
	}
}

func TestClosures(t *testing.T) {
	c := New(
		d(2027, time.August, 16),   // Monday after Ferragosto
		d(2027, time.August, 14),   // Saturday anyway
		d(2027, time.December, 25), // already Natale
	)
	tests := []struct {
		day         Date
		wantName    string
		wantOK      bool
		wantWorking bool
	}{
		{d(2027, time.August, 16), "chiusura", true, false},
		{d(2027, time.August, 14), "chiusura", true, false},
		{d(2027, time.December, 25), "Natale", true, false}, // holiday wins
		{d(2027, time.August, 17), "", false, true},         // ordinary Tuesday
		{d(2027, time.August, 22), "", false, false},        // ordinary Sunday
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			name, ok := c.Holiday(tt.day)
			if name != tt.wantName || ok != tt.wantOK {
				t.Errorf("Holiday(%v) = %q, %v; want %q, %v", tt.day, name, ok, tt.wantName, tt.wantOK)
			}
			if got := c.IsWorkingDay(tt.day); got != tt.wantWorking {
				t.Errorf("IsWorkingDay(%v) = %v, want %v", tt.day, got, tt.wantWorking)
			}
		})
	}
	// Closures belong to their Calendar only.
	if !New().IsWorkingDay(d(2027, time.August, 16)) {
		t.Error("closure leaked into a Calendar built without it")
	}
}
