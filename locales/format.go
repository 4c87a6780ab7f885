package locales

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

var (
	weekdays = map[string][7]string{
		"it": {"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	months = map[string][12]string{
		"it": {"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
)

// FormatDate writes d as a member reads it: "venerdì 8 ottobre 2027",
// "Friday 8 October 2027". A date without a day ("marzo 2025") is written
// as month and year.
func FormatDate(lang string, d calendar.Date) string {
	lang = spoken(lang)
	if d.Month < time.January || d.Month > time.December {
		return ""
	}
	month := months[lang][d.Month-1]
	if d.Day == 0 {
		return fmt.Sprintf("%s %d", month, d.Year)
	}
	if d.Year == 0 {
		return fmt.Sprintf("%d %s", d.Day, month)
	}
	return fmt.Sprintf("%s %d %s %d", weekdays[lang][d.Weekday()], d.Day, month, d.Year)
}

// FormatTime writes t (already in the member's zone) with date and hour.
func FormatTime(lang string, t time.Time) string {
	at := "alle"
	if spoken(lang) == "en" {
		at = "at"
	}
	return fmt.Sprintf("%s %s %s", FormatDate(lang, calendar.DateOf(t)), at, t.Format("15:04"))
}

// joinList writes "a, b e c" / "a, b and c".
func joinList(lang string, parts []string) string {
	and := " e "
	if spoken(lang) == "en" {
		and = " and "
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}

func spoken(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

var tag = regexp.MustCompile(`</?(b|i|u|s|code|pre)>`)

// PlainText turns a rendered text into what a terminal shows: the markup
// dropped, entities decoded.
func PlainText(s string) string {
	return html.UnescapeString(tag.ReplaceAllString(s, ""))
}
