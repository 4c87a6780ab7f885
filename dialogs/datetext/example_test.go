package datetext_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/dialogs/datetext"
)

func ExampleParse() {
	today := calendar.Date{Year: 2025, Month: time.June, Day: 15}
	for _, text := range []string{"12/03/2025", "2025-03-12", "ieri", "12 marzo", "marzo 2025", "31/02/2025", "ciao"} {
		p, err := datetext.Parse(text, today)
		var e *datetext.Error
		if errors.As(err, &e) {
			fmt.Printf("%-12s refused: %v (%s)\n", text, e.Reason, e.Text)
			continue
		}
		fmt.Printf("%-12s %-10v %s\n", text, p.Kind, p)
	}
	// Output:
	// 12/03/2025   exact      2025-03-12
	// 2025-03-12   exact      2025-03-12
	// ieri         exact      2025-06-14
	// 12 marzo     no year    --03-12
	// marzo 2025   month only 2025-03
	// 31/02/2025   refused: no such day (31/02/2025)
	// ciao         refused: not a date (ciao)
}
