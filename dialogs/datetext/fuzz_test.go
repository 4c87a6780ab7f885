package datetext

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// FuzzParse checks that Parse never panics and that what it returns is
// coherent: a known Kind with the fields that Kind promises, inside the
// bounds, or an *Error with a known Reason and a short, valid Text.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.input)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := Parse(text, june15)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T %v, want *Error", text, err, err)
			}
			if e.Reason < NotADate || e.Reason > TooFarAhead {
				t.Fatalf("Parse(%q) unknown reason %d", text, e.Reason)
			}
			if !utf8.ValidString(e.Text) || len(e.Text) > maxEchoBytes {
				t.Fatalf("Parse(%q) Text %q not short valid UTF-8", text, e.Text)
			}
			if got != (Parsed{}) {
				t.Fatalf("Parse(%q) = %+v with error %v", text, got, err)
			}
			return
		}
		d := got.Date
		limit := calendar.NewDate(june15.Year+MaxYearsAhead, june15.Month, june15.Day)
		switch got.Kind {
		case Exact:
			if !calendar.Valid(d.Year, d.Month, d.Day) || d.Year < MinYear || d.After(limit) {
				t.Fatalf("Parse(%q) = exact %+v, invalid or out of bounds", text, d)
			}
		case NoYear:
			if d.Year != 0 || !calendar.Valid(2000, d.Month, d.Day) {
				t.Fatalf("Parse(%q) = no year %+v", text, d)
			}
		case MonthOnly:
			if d.Day != 0 || d.Month < time.January || d.Month > time.December ||
				d.Year < MinYear || (calendar.Date{Year: d.Year, Month: d.Month, Day: 1}).After(limit) {
				t.Fatalf("Parse(%q) = month only %+v", text, d)
			}
		default:
			t.Fatalf("Parse(%q) unknown kind %d", text, got.Kind)
		}
		// An accepted date written back the Italian way reads the same.
		if got.Kind == Exact {
			back := d.At(12, 0, time.UTC).Format("02/01/2006")
			if again, err := Parse(back, june15); err != nil || again != got {
				t.Fatalf("Parse(%q) = %+v, but Parse(%q) = %+v, %v", text, got, back, again, err)
			}
		}
	})
}
