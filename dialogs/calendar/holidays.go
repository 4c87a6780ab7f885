package calendar

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/it"
)

// sanFrancesco is 4 October, San Francesco d'Assisi, a national holiday again
// from 2026 (Law 151/2025). rickar/cal v2.1.13 does not list it yet.
var sanFrancesco = &cal.Holiday{
	Name:      "San Francesco d'Assisi",
	Type:      cal.ObservancePublic,
	StartYear: 2026,
	Month:     time.October,
	Day:       4,
	Func:      cal.CalcDayOfMonth,
}

// nationalHolidays are the Italian national public holidays. They are named
// one by one rather than taken from it.Holidays, so that a library upgrade
// cannot silently add a day that is not national (a patron saint, say).
var nationalHolidays = []*cal.Holiday{
	it.Capodanno,             // 1 Jan
	it.Epifania,              // 6 Jan
	it.Pasquetta,             // Easter Monday
	it.FestaDellaLiberazione, // 25 Apr
	it.FestaDelLavoro,        // 1 May
	it.FestaDellaRepubblica,  // 2 Jun
	it.Assunzione,            // 15 Aug
	sanFrancesco,             // 4 Oct, since 2026
	it.TuttiISanti,           // 1 Nov
	it.Immacolata,            // 8 Dec
	it.Natale,                // 25 Dec
	it.SantoStefano,          // 26 Dec
}

// nationalHoliday returns the name of the national holiday falling on d.
// Italy has no substitute days: a holiday on a Sunday is simply lost, so
// only the actual date matters, never rickar's "observed" one.
func nationalHoliday(d Date) (name string, ok bool) {
	for _, h := range nationalHolidays {
		actual, _ := h.Calc(d.Year)
		// Calc returns the zero time for years the holiday is not kept
		// (4 October before 2026).
		if !actual.IsZero() && DateOf(actual) == d {
			return h.Name, true
		}
	}
	return "", false
}
