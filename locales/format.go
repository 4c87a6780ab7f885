package locales

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// The fmt.* keys of every message file are not messages: they are the words
// dates, times and lists are written with in that language. New reads them
// once per language.
const (
	keyWeekdays = "fmt.weekdays"  // 7 names, space-separated, from Sunday
	keyMonths   = "fmt.months"    // 12 names, space-separated, from January
	keyDateTime = "fmt.date_time" // template with {{.Date}} and {{.Time}}
	keyAnd      = "fmt.and"       // the word before the last item of a list
	keyHoliday  = "fmt.holiday"   // template with {{.Date}} and {{.Name}}
	keyClosure  = "fmt.closure"   // the name of a closure day
)

// calendarClosure is what calendar.Calendar.Holiday calls a closure day
// configured by the operator; it is shown as the fmt.closure word.
const calendarClosure = "chiusura"

// words are the fmt.* texts of one language, checked and ready to use.
type words struct {
	weekdays [7]string
	months   [12]string
	and      string
	closure  string
	dateTime *template.Template
	holiday  *template.Template
}

// parseWords reads the fmt.* keys from msgs, the messages of lang's file.
// The error says which key is missing or malformed.
func parseWords(lang string, msgs map[string]any) (words, error) {
	var w words
	text := func(key string) (string, error) {
		s, ok := msgs[key].(string)
		if s = strings.TrimSpace(s); !ok || s == "" {
			return "", fmt.Errorf("%s.toml: %s is missing or empty", lang, key)
		}
		return s, nil
	}
	names := func(key string, into []string, what string) error {
		s, err := text(key)
		if err != nil {
			return err
		}
		f := strings.Fields(s)
		if len(f) != len(into) {
			return fmt.Errorf("%s.toml: %s has %d names, want %d (%s), separated by spaces", lang, key, len(f), len(into), what)
		}
		copy(into, f)
		return nil
	}
	tmpl := func(key string, args ...string) (*template.Template, error) {
		s, err := text(key)
		if err != nil {
			return nil, err
		}
		t, err := template.New(key).Option("missingkey=error").Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s.toml: %s: %w", lang, key, err)
		}
		// Try it once, so that it cannot fail later, and check that it
		// shows every argument.
		sample := map[string]string{}
		for _, a := range args {
			sample[a] = "\x00" + a + "\x00"
		}
		var b strings.Builder
		if err := t.Execute(&b, sample); err != nil {
			return nil, fmt.Errorf("%s.toml: %s: %w", lang, key, err)
		}
		for _, a := range args {
			if !strings.Contains(b.String(), sample[a]) {
				return nil, fmt.Errorf("%s.toml: %s does not show {{.%s}}", lang, key, a)
			}
		}
		return t, nil
	}
	var err error
	if err = names(keyWeekdays, w.weekdays[:], "Sunday to Saturday"); err != nil {
		return w, err
	}
	if err = names(keyMonths, w.months[:], "January to December"); err != nil {
		return w, err
	}
	if w.and, err = text(keyAnd); err != nil {
		return w, err
	}
	if w.closure, err = text(keyClosure); err != nil {
		return w, err
	}
	if w.dateTime, err = tmpl(keyDateTime, "Date", "Time"); err != nil {
		return w, err
	}
	if w.holiday, err = tmpl(keyHoliday, "Date", "Name"); err != nil {
		return w, err
	}
	return w, nil
}

// fill executes t, which parseWords has tried with the same argument names.
func fill(t *template.Template, args map[string]string) string {
	var b strings.Builder
	if err := t.Execute(&b, args); err != nil {
		panic(fmt.Sprintf("locales: %s, checked by New, failed: %v", t.Name(), err)) // cannot happen
	}
	return b.String()
}

// FormatDate writes d as a member reads it: "venerdì 8 ottobre 2027",
// "Friday 8 October 2027". A date without a day ("marzo 2025") is written
// as month and year, one without a year ("15 agosto") as day and month.
// Languages not spoken get Italian.
func (r *Renderer) FormatDate(lang string, d calendar.Date) string {
	if d.Month < time.January || d.Month > time.December {
		return ""
	}
	w := r.words[spoken(lang)]
	month := w.months[d.Month-1]
	if d.Day == 0 {
		return fmt.Sprintf("%s %d", month, d.Year)
	}
	if d.Year == 0 {
		return fmt.Sprintf("%d %s", d.Day, month)
	}
	return fmt.Sprintf("%s %d %s %d", w.weekdays[d.Weekday()], d.Day, month, d.Year)
}

// FormatTime writes t with date and hour, in the renderer's zone:
// "venerdì 8 ottobre 2027 alle 10:00".
func (r *Renderer) FormatTime(lang string, t time.Time) string {
	t = t.In(r.loc)
	return fill(r.words[spoken(lang)].dateTime, map[string]string{
		"Date": r.FormatDate(lang, calendar.DateOf(t)),
		"Time": t.Format("15:04"),
	})
}

// formatDays writes days as a list, "a, b e c", each holiday or closure
// followed by its name when the renderer knows holidays (WithHolidays).
func (r *Renderer) formatDays(lang string, days []calendar.Date) string {
	w := r.words[spoken(lang)]
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = r.FormatDate(lang, d)
		if name, ok := r.holidayName(w, d); ok {
			parts[i] = fill(w.holiday, map[string]string{"Date": parts[i], "Name": name})
		}
	}
	return joinList(w.and, parts)
}

// holidayName returns the name to show for d, escaped for HTML, if d is a
// holiday or a closure.
func (r *Renderer) holidayName(w words, d calendar.Date) (string, bool) {
	if r.holiday == nil {
		return "", false
	}
	name, ok := r.holiday(d)
	switch {
	case !ok || name == "":
		return "", false
	case name == calendarClosure:
		return w.closure, true
	}
	return html.EscapeString(name), true
}

// joinList writes "a, b e c" / "a, b and c".
func joinList(and string, parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + and + " " + parts[len(parts)-1]
}

func spoken(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

var tag = regexp.MustCompile(`</?(b|i|u|s|code|pre)>|<a href="[^"]*">|</a>`)

// PlainText turns a rendered text into what a terminal shows: the markup
// dropped, entities decoded.
func PlainText(s string) string {
	return html.UnescapeString(tag.ReplaceAllString(s, ""))
}
