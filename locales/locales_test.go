package locales_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/locales"
)

// ref is a Keyed argument, as dialogs.Ref is.
type ref string

func (r ref) LocaleKey() string { return string(r) }

func rome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatalf("load Europe/Rome: %v", err)
	}
	return loc
}

func newRenderer(t *testing.T, f locales.Facts) *locales.Renderer {
	t.Helper()
	r, err := locales.New(f, rome(t))
	if err != nil {
		t.Fatalf("locales.New: %v", err)
	}
	return r
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

// argSets are sample arguments for every name the templates use, in
// several variants so that each branch of each {{if}} is taken at least once.
// TestSampleArgsCoverTemplates fails when a template starts using a name
// missing here.
func argSets(t *testing.T) []map[string]any {
	wake := time.Date(2027, 10, 8, 10, 0, 0, 0, rome(t))
	full := map[string]any{
		"Receipt":      true,
		"Pending":      calendar.Date{Month: time.October, Day: 8},
		"Fax":          date(2027, 9, 30),
		"Activation":   date(2027, 10, 8),
		"CalendarDays": 8,
		"Skipped":      []calendar.Date{date(2027, 10, 2), date(2027, 10, 3), date(2027, 10, 4)},
		"Wake":         wake,
		"RemindersOff": false,
		"Past":         true,
		"Recheck":      true,
		"Month":        calendar.Date{Year: 2026, Month: time.March},
		"Expiry":       date(2026, 3, 12),
		"LastDay":      date(2026, 6, 10),
		"Expired":      true,
		"DaysLeft":     5,
		"Days":         7,
		"Step":         ref("where.act_wait"),
		"WakeWhy":      ref("why.act_check"),
		"Example":      "30/09/2027",
		"Date":         date(2027, 10, 8),
		"Item":         ref("check.item0"),
		"Left":         2,
		"Ticked":       true,
		"Late":         true,
		"Time":         "10:00",            // fmt.date_time
		"Name":         "Festa del Lavoro", // fmt.holiday
		// info.staff_stats
		"Members": 120, "Active": 117, "Blocked": 3, "Italian": 115, "English": 5,
		"Activating": 4, "Waiting": 9, "Overdue": 2, "Done": 80, "Renewing": 12, "Lapsed": 3, "Gone": 1,
		"RemindersPending": 21, "RemindersToday": 6,
		// the staff's broadcasts
		"When": wake, "Stopped": true, "Count": 118, "Audience": ref("info.staff_aud_waiting"),
		"Sent": 100, "Total": 118, "Failed": 2, "ETA": "3 min", "By": int64(123456789), "Deleted": true,
	}
	other := map[string]any{}
	for k, v := range full {
		other[k] = v
	}
	for k, v := range map[string]any{
		"Receipt": false, "Skipped": []calendar.Date(nil), "Wake": time.Time{}, "RemindersOff": true,
		"Past": false, "Recheck": false, "Expired": false, "DaysLeft": 0, "Days": 1, "Left": 1,
		"Step": ref("where.menu"), "Ticked": false, "Late": false, "Stopped": false, "ETA": "", "Deleted": false,
	} {
		other[k] = v
	}
	one := map[string]any{}
	for k, v := range other {
		one[k] = v
	}
	one["DaysLeft"] = 1
	one["Wake"] = wake
	one["RemindersOff"] = false
	gone := map[string]any{}
	for k, v := range full {
		gone[k] = v
	}
	gone["DaysLeft"] = -3
	return []map[string]any{full, other, one, gone}
}

// templates returns the message files as key -> template text.
func templates(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(lang + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := toml.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse %s.toml: %v", lang, err)
	}
	return m
}

func factNames() map[string]bool {
	names := map[string]bool{}
	ft := reflect.TypeFor[locales.Facts]()
	for i := 0; i < ft.NumField(); i++ {
		names[ft.Field(i).Name] = true
	}
	return names
}

var (
	action   = regexp.MustCompile(`\{\{(.*?)\}\}`)
	field    = regexp.MustCompile(`\.([A-Z][A-Za-z0-9]*)`)
	printed  = regexp.MustCompile(`\{\{-?\s*\.([A-Z][A-Za-z0-9]*)\s*-?\}\}`)
	htmlTag  = regexp.MustCompile(`<(/?)([a-z]+)>`)
	entity   = regexp.MustCompile(`&(amp|lt|gt|quot|#39|#34);`)
	keyShape = regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+)?$`)
)

// templateArgs returns the argument names (facts excluded) that tmpl uses,
// and those it prints directly ({{.X}}).
func templateArgs(tmpl string) (used, direct []string) {
	facts := factNames()
	for _, a := range action.FindAllStringSubmatch(tmpl, -1) {
		for _, f := range field.FindAllStringSubmatch(a[1], -1) {
			if !facts[f[1]] && !slices.Contains(used, f[1]) {
				used = append(used, f[1])
			}
		}
	}
	for _, p := range printed.FindAllStringSubmatch(tmpl, -1) {
		if !facts[p[1]] {
			direct = append(direct, p[1])
		}
	}
	return used, direct
}

// checkHTML reports what Telegram would refuse in text: unbalanced or
// unknown tags, a bare < or >, a bare &.
func checkHTML(text string) string {
	var stack []string
	for _, m := range htmlTag.FindAllStringSubmatch(text, -1) {
		name := m[2]
		switch name {
		case "b", "i", "code", "u", "s", "pre":
		default:
			return "unknown tag <" + m[1] + name + ">"
		}
		if m[1] == "" {
			stack = append(stack, name)
			continue
		}
		if len(stack) == 0 || stack[len(stack)-1] != name {
			return "unbalanced </" + name + ">"
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		return "unclosed <" + stack[len(stack)-1] + ">"
	}
	rest := htmlTag.ReplaceAllString(text, "")
	if strings.ContainsAny(rest, "<>") {
		return "a bare < or > (must be &lt; &gt;)"
	}
	if strings.Count(rest, "&") != len(entity.FindAllString(rest, -1)) {
		return "a bare & (must be &amp;)"
	}
	return ""
}

func TestSameKeysInEveryLanguage(t *testing.T) {
	it, err := locales.Keys("it")
	if err != nil {
		t.Fatal(err)
	}
	if len(it) == 0 {
		t.Fatal("it.toml has no keys")
	}
	for _, lang := range locales.Languages[1:] {
		other, err := locales.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range it {
			if !slices.Contains(other, k) {
				t.Errorf("key %q is in it.toml but not in %s.toml", k, lang)
			}
		}
		for _, k := range other {
			if !slices.Contains(it, k) {
				t.Errorf("key %q is in %s.toml but not in it.toml", k, lang)
			}
		}
	}
	for _, k := range it {
		if !keyShape.MatchString(k) {
			t.Errorf("key %q is not of the form area.name", k)
		}
	}
}

func TestSameArgumentsInEveryLanguage(t *testing.T) {
	it := templates(t, "it")
	en := templates(t, "en")
	for k, tmpl := range it {
		a, _ := templateArgs(tmpl)
		b, _ := templateArgs(en[k])
		sort.Strings(a)
		sort.Strings(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: it uses %v, en uses %v", k, a, b)
		}
	}
}

func TestSampleArgsCoverTemplates(t *testing.T) {
	sample := argSets(t)[0]
	for _, lang := range locales.Languages {
		for k, tmpl := range templates(t, lang) {
			used, _ := templateArgs(tmpl)
			for _, a := range used {
				if _, ok := sample[a]; !ok {
					t.Errorf("%s.toml %s uses {{.%s}}, which is neither a fact nor in this test's sample arguments", lang, k, a)
				}
			}
		}
	}
}

func TestEveryKeyRenders(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	sets := argSets(t)
	for _, lang := range locales.Languages {
		keys, err := locales.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		tmpls := templates(t, lang)
		for _, k := range keys {
			for i, args := range sets {
				text, err := r.Render(lang, k, args)
				if err != nil {
					t.Errorf("%s %s (args %d): %v", lang, k, i, err)
					continue
				}
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s %s (args %d): empty text", lang, k, i)
				}
				if strings.Contains(text, "<no value>") {
					t.Errorf("%s %s (args %d): <no value> in %q", lang, k, i, text)
				}
				if strings.Contains(text, "{{") || strings.Contains(text, "}}") {
					t.Errorf("%s %s (args %d): template left in %q", lang, k, i, text)
				}
				if p := checkHTML(text); p != "" {
					t.Errorf("%s %s (args %d): %s in %q", lang, k, i, p, text)
				}
			}
			// Without arguments, only a text that prints an argument may be
			// refused (rather than sent with "<no value>"); any other renders.
			text, err := r.Render(lang, k, nil)
			if err != nil {
				if _, direct := templateArgs(tmpls[k]); len(direct) == 0 {
					t.Errorf("%s %s without arguments: %v", lang, k, err)
				}
				continue
			}
			if p := checkHTML(text); p != "" {
				t.Errorf("%s %s without arguments: %s in %q", lang, k, p, text)
			}
		}
	}
}

func TestRenderUnknownKeyAndLanguage(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	if _, err := r.Render("it", "no.such_key", nil); err == nil {
		t.Error("Render of an unknown key: no error")
	}
	it, err := r.Render("it", "step.menu", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fr", "", "IT"} {
		got, err := r.Render(lang, "step.menu", nil)
		if err != nil || got != it {
			t.Errorf("Render(%q) = %q, %v; want the Italian %q", lang, got, err, it)
		}
	}
	en, err := r.Render("en", "step.menu", nil)
	if err != nil || en == it {
		t.Errorf("Render(en) = %q, %v; want English, not %q", en, err, it)
	}
}

func TestRenderArguments(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	loc := rome(t)
	tests := []struct {
		lang, key string
		args      map[string]any
		want      string
	}{
		{"it", "step.act_wait", map[string]any{"Fax": date(2027, 9, 30), "Activation": date(2027, 10, 8), "CalendarDays": 8,
			"Skipped": []calendar.Date{date(2027, 10, 2), date(2027, 10, 3), date(2027, 10, 4)}, "Wake": time.Date(2027, 10, 8, 8, 0, 0, 0, time.UTC)},
			"Fax inviato giovedì 30 settembre 2027.\n" +
				"L'attivazione richiede normalmente <b>5 giorni lavorativi</b>: aspettati la seconda e-mail, <b>con tutti i dati di accesso</b> alla casella, entro <b>venerdì 8 ottobre 2027</b>.\n" +
				"Sono 8 giorni di calendario e non 5 perché si contano solo i giorni lavorativi (sabati, domeniche, festivi e chiusure non contano): qui si saltano sabato 2 ottobre 2027, domenica 3 ottobre 2027 e lunedì 4 ottobre 2027.\n" +
				"Ti scriverò venerdì 8 ottobre 2027 alle 10:00 per sapere se è arrivata."},
		{"en", "step.act_wait", map[string]any{"Fax": date(2027, 9, 30), "Activation": date(2027, 10, 8), "CalendarDays": 8,
			"Skipped": []calendar.Date{date(2027, 10, 2), date(2027, 10, 3), date(2027, 10, 4)}, "Wake": time.Date(2027, 10, 8, 10, 0, 0, 0, loc)},
			"Fax sent on Thursday 30 September 2027.\n" +
				"Activation normally takes <b>5 working days</b>: expect the second e-mail, <b>with all the access data</b> of your box, by <b>Friday 8 October 2027</b>.\n" +
				"That is 8 calendar days and not 5 because only working days count (not Saturdays, Sundays, holidays or closures): here that skips Saturday 2 October 2027, Sunday 3 October 2027 and Monday 4 October 2027.\n" +
				"I will write to you on Friday 8 October 2027 at 10:00 to ask whether it arrived."},
		// No reminder (switched off): a zero time is no time, not year 1.
		{"it", "step.act_wait", map[string]any{"Fax": date(2027, 10, 11), "Activation": date(2027, 10, 18), "CalendarDays": 7,
			"Skipped": []calendar.Date{date(2027, 10, 16), date(2027, 10, 17)}, "Wake": time.Time{}, "RemindersOff": true},
			"Fax inviato lunedì 11 ottobre 2027.\n" +
				"L'attivazione richiede normalmente <b>5 giorni lavorativi</b>: aspettati la seconda e-mail, <b>con tutti i dati di accesso</b> alla casella, entro <b>lunedì 18 ottobre 2027</b>.\n" +
				"Sono 7 giorni di calendario e non 5 perché si contano solo i giorni lavorativi (sabati, domeniche, festivi e chiusure non contano): qui si saltano sabato 16 ottobre 2027 e domenica 17 ottobre 2027."},
		{"it", "step.checklist_left", map[string]any{"Left": 1, "Ticked": true}, "Segnato. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."},
		{"it", "step.checklist_left", map[string]any{"Left": 2, "Ticked": false}, "Tolto il segno. Mancano ancora 2 voci: tocca ogni voce quando l'hai fatta."},
		{"en", "step.checklist_left", map[string]any{"Left": 1, "Ticked": true}, "Ticked. 1 item left: tap it when you have done it."},
		{"en", "remind.expiry_7", map[string]any{"Expiry": date(2026, 3, 12), "Days": 1}, "⏰ Your PEC expires on Thursday 12 March 2026: 1 day left. To renew: convention area of www.pec.it, code <code>OMCEO-LT</code>, item \"rinnova\"."},
		{"it", "remind.lastday_3", map[string]any{"LastDay": date(2026, 6, 10), "DaysLeft": 3},
			"⏰ Ultimi giorni! Dopo mercoledì 10 giugno 2026 la tua PEC verrà cancellata: mancano 3 giorni per rinnovarla mantenendo l'indirizzo. Per rinnovare: area convenzione di www.pec.it, codice <code>OMCEO-LT</code>, voce «rinnova»."},
		{"it", "step.ask_year", map[string]any{"Pending": calendar.Date{Month: time.February, Day: 29}}, "Hai scritto 29 febbraio senza l'anno: di quale anno si tratta?"},
		{"en", "step.ren_day", map[string]any{"Month": calendar.Date{Year: 2026, Month: time.March}},
			"Which day of March 2026? Type just the day (for example <code>12</code>) or the whole date: the deadline depends on it."},
		{"it", "btn.todo", map[string]any{"Item": ref("check.item2")}, "☐ PEC all'Ordine per l'attivazione"},
		{"en", "btn.done", map[string]any{"Item": ref("check.item0")}, "☑️ E-mail for password recovery"},
		{"en", "btn.year", map[string]any{"Date": date(2026, 2, 28)}, "Saturday 28 February 2026"},
		{"it", "info.status", map[string]any{"Step": ref("where.act_wait"), "Fax": date(2027, 9, 30), "Activation": date(2027, 10, 8),
			"Wake": time.Date(2027, 10, 8, 10, 0, 0, 0, loc), "WakeWhy": ref("why.act_check"), "RemindersOff": false},
			"<b>La tua situazione</b>\nSei qui: attivazione, in attesa dei dati di accesso.\n" +
				"Fax inviato: giovedì 30 settembre 2027. Attivazione prevista entro: venerdì 8 ottobre 2027.\n" +
				"Prossimo promemoria: venerdì 8 ottobre 2027 alle 10:00 (è arrivata l'e-mail con i dati di accesso?)."},
		{"en", "info.status", map[string]any{"RemindersOff": true},
			"<b>Your situation</b>\nYou have not started a journey yet.\nReminders: off."},
		// Muted: the reminder is kept, but /status says off, not when it would come.
		{"it", "info.status", map[string]any{"Step": ref("where.act_wait"), "Wake": time.Date(2027, 10, 8, 10, 0, 0, 0, loc),
			"WakeWhy": ref("why.act_check"), "RemindersOff": true},
			"<b>La tua situazione</b>\nSei qui: attivazione, in attesa dei dati di accesso.\nPromemoria: disattivati."},
		{"en", "step.act_late", map[string]any{"Late": false, "Wake": time.Date(2027, 10, 12, 10, 0, 0, 0, loc)},
			"No problem, sometimes it takes a few more days.\nCheck your spam folder too. If it does not arrive, contact Aruba:\n" +
				"• in case of difficulties: <b>0575 0504</b>, then press <b>2</b>;\n• technical assistance: +39 0575 050011;\n" +
				"• contacts for conventions: https://www.pec.it/ContactsConvenzioni.aspx\nI will ask you again on Tuesday 12 October 2027 at 10:00."},
		{"it", "step.act_late", map[string]any{"Late": true, "Wake": time.Time{}},
			"È passato più tempo del previsto: <b>contatta ora Aruba</b>.\n" +
				"• in caso di difficoltà: <b>0575 0504</b>, poi digita <b>2</b>;\n• assistenza tecnica: +39 0575 050011;\n" +
				"• contatti per le convenzioni: https://www.pec.it/ContactsConvenzioni.aspx"},
	}
	for _, tt := range tests {
		got, err := r.Render(tt.lang, tt.key, tt.args)
		if err != nil {
			t.Errorf("%s %s: %v", tt.lang, tt.key, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %s:\n got %q\nwant %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestRenewDaysLeft(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	base := map[string]any{"Expiry": date(2026, 3, 12), "LastDay": date(2026, 6, 10), "Expired": true}
	tests := []struct {
		lang     string
		daysLeft int
		want     string // a part of the text; "" for none of the parenthesis
	}{
		{"it", 0, "(è oggi l'ultimo giorno)"},
		{"it", 1, "(manca 1 giorno)"},
		{"it", 40, "(mancano 40 giorni)"},
		{"it", -1, ""},
		{"en", 0, "(today is the last day)"},
		{"en", 1, "(tomorrow is the last day)"},
		{"en", 40, "(40 days left)"},
		{"en", -1, ""},
	}
	for _, tt := range tests {
		args := map[string]any{"DaysLeft": tt.daysLeft}
		for k, v := range base {
			args[k] = v
		}
		got, err := r.Render(tt.lang, "step.renew", args)
		if err != nil {
			t.Fatal(err)
		}
		if tt.want == "" {
			if strings.Contains(got, "compreso (") || strings.Contains(got, "inclusive (") {
				t.Errorf("%s DaysLeft %d: a count of days in %q", tt.lang, tt.daysLeft, got)
			}
			continue
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s DaysLeft %d: %q not in %q", tt.lang, tt.daysLeft, tt.want, got)
		}
	}
}

func TestFormatDate(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	tests := []struct {
		lang string
		d    calendar.Date
		want string
	}{
		{"it", date(2027, 10, 8), "venerdì 8 ottobre 2027"},
		{"en", date(2027, 10, 8), "Friday 8 October 2027"},
		{"it", date(2027, 10, 4), "lunedì 4 ottobre 2027"},
		{"it", date(2026, 1, 1), "giovedì 1 gennaio 2026"},
		{"en", date(2026, 12, 31), "Thursday 31 December 2026"},
		{"it", date(2028, 2, 29), "martedì 29 febbraio 2028"},
		{"it", date(2027, 9, 5), "domenica 5 settembre 2027"},
		{"en", date(2027, 9, 4), "Saturday 4 September 2027"},
		{"it", calendar.Date{Year: 2025, Month: time.March}, "marzo 2025"},
		{"en", calendar.Date{Year: 2025, Month: time.March}, "March 2025"},
		{"it", calendar.Date{Month: time.August, Day: 15}, "15 agosto"},
		{"en", calendar.Date{Month: time.August, Day: 15}, "15 August"},
		{"fr", date(2027, 10, 8), "venerdì 8 ottobre 2027"}, // not spoken: Italian
		{"it", calendar.Date{}, ""},
		{"en", calendar.Date{Year: 2027, Month: 13, Day: 1}, ""},
	}
	for _, tt := range tests {
		if got := r.FormatDate(tt.lang, tt.d); got != tt.want {
			t.Errorf("FormatDate(%s, %+v) = %q, want %q", tt.lang, tt.d, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	loc := rome(t)
	tests := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"it", time.Date(2027, 10, 8, 10, 0, 0, 0, loc), "venerdì 8 ottobre 2027 alle 10:00"},
		{"en", time.Date(2027, 10, 8, 10, 0, 0, 0, loc), "Friday 8 October 2027 at 10:00"},
		{"en", time.Date(2027, 1, 4, 9, 5, 0, 0, loc), "Monday 4 January 2027 at 09:05"},
		{"it", time.Date(2027, 12, 31, 23, 59, 0, 0, loc), "venerdì 31 dicembre 2027 alle 23:59"},
		{"it", time.Date(2027, 12, 31, 23, 30, 0, 0, time.UTC), "sabato 1 gennaio 2028 alle 00:30"}, // shown in Rome
		{"fr", time.Date(2027, 10, 8, 10, 0, 0, 0, loc), "venerdì 8 ottobre 2027 alle 10:00"},
	}
	for _, tt := range tests {
		if got := r.FormatTime(tt.lang, tt.t); got != tt.want {
			t.Errorf("FormatTime(%s, %v) = %q, want %q", tt.lang, tt.t, got, tt.want)
		}
	}
}

// A time argument is shown in the renderer's zone, whatever zone it comes in:
// 22:30 UTC on 31 October 2027 is already 1 November in Rome (CET).
func TestRenderTimeInZone(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	got, err := r.Render("en", "btn.year", map[string]any{"Date": time.Date(2027, 10, 31, 23, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Monday 1 November 2027 at 00:30"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRenderEscapesArguments(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	for _, lang := range locales.Languages {
		got, err := r.Render(lang, "date.not_a_date", map[string]any{"Example": `<script>alert("x")</script> & co`})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, "<script>") {
			t.Errorf("%s: argument not escaped: %q", lang, got)
		}
		if !strings.Contains(got, "<code>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</code>") {
			t.Errorf("%s: argument not escaped once and exactly: %q", lang, got)
		}
		if p := checkHTML(got); p != "" {
			t.Errorf("%s: %s in %q", lang, p, got)
		}
		if plain := locales.PlainText(got); !strings.Contains(plain, `<script>alert("x")</script> & co`) {
			t.Errorf("%s: PlainText does not give the argument back: %q", lang, plain)
		}
	}
}

func TestRenderEscapesFacts(t *testing.T) {
	f := locales.Latina()
	f.Code = "<b>LT&1</b>"
	f.OrdinePEC = `"ordine"@pec.example`
	r := newRenderer(t, f)
	for _, lang := range locales.Languages {
		for _, key := range []string{"welcome", "step.act_steps", "info.contacts"} {
			got, err := r.Render(lang, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p := checkHTML(got); p != "" {
				t.Errorf("%s %s: %s in %q", lang, key, p, got)
			}
			if strings.Contains(got, "<b>LT") {
				t.Errorf("%s %s: fact not escaped: %q", lang, key, got)
			}
		}
		got, _ := r.Render(lang, "welcome", nil)
		if !strings.Contains(got, "&lt;b&gt;LT&amp;1&lt;/b&gt;") {
			t.Errorf("%s: fact not escaped exactly once: %q", lang, got)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<b>Menu</b> — cosa devi fare?", "Menu — cosa devi fare?"},
		{"codice <code>OMCEO-LT</code>, <i>x</i> <u>u</u> <s>s</s> <pre>p</pre>", "codice OMCEO-LT, x u s p"},
		{"&lt;script&gt; &amp; &quot;q&quot; &#39;a&#39;", `<script> & "q" 'a'`},
		{"&amp;lt;", "&lt;"}, // decoded once only
		{`Aggiungi: <a href="https://calendar.google.com/x?a=1&amp;b=2">scadenza</a>, fine`, "Aggiungi: scadenza, fine"},
		{"no markup", "no markup"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := locales.PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// otherOrdine is a made-up Ordine with a convention of the same kind.
func otherOrdine() locales.Facts {
	return locales.Facts{
		Ordine:        "Ordine dei Medici di Frosinone",
		Code:          "OMCEO-FR",
		ConventionURL: "https://convenzioni.example.test/",
		Site:          "provider.example.test",
		PanelURL:      "https://panel.example.test/",
		ContactsURL:   "https://contacts.example.test/",
		HelpPhone:     "0775 1111",
		HelpKey:       "7",
		AdminPhone:    "+39 0775 2222",
		AdminFax:      "+39 0775 3333",
		TechPhone:     "+39 0775 4444",
		OrdinePEC:     "ordine@pec.frosinone.example.test",
		RenewPrice:    "€ 31",
	}
}

// allTexts renders every key in lang with every sample argument set.
func allTexts(t *testing.T, r *locales.Renderer, lang string) string {
	t.Helper()
	keys, err := locales.Keys(lang)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		for _, args := range argSets(t) {
			text, err := r.Render(lang, k, args)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			b.WriteString(text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// Another Ordine's facts reach the texts, and nothing of Latina's remains:
// the facts are configuration, not words in the message files.
func TestFactsOverride(t *testing.T) {
	other := otherOrdine()
	r := newRenderer(t, other)
	latina := locales.Latina()
	lv := reflect.ValueOf(latina)
	ov := reflect.ValueOf(other)
	for _, lang := range locales.Languages {
		all := locales.PlainText(allTexts(t, r, lang))
		for i := 0; i < ov.NumField(); i++ {
			name := ov.Type().Field(i).Name
			if v := ov.Field(i).String(); !strings.Contains(all, v) {
				t.Errorf("%s: fact %s = %q appears in no text", lang, name, v)
			}
			if v := lv.Field(i).String(); len(v) > 1 && strings.Contains(all, v) {
				t.Errorf("%s: Latina's %s = %q appears although another Ordine is configured", lang, name, v)
			}
		}
		for _, s := range []string{"Latina", "OMCEO-LT", "0575", "pec.it", "ordinemedicilatina"} {
			if strings.Contains(all, s) {
				t.Errorf("%s: %q appears although another Ordine is configured", lang, s)
			}
		}
	}
}

func TestNoFactsInMessageFiles(t *testing.T) {
	forbidden := []string{"OMCEO-LT", "0575", "862020", "050011", "pec.it", "ordinemedicilatina", "Latina", "€ 20", "€20"}
	latina := reflect.ValueOf(locales.Latina())
	for i := 0; i < latina.NumField(); i++ {
		if v := latina.Field(i).String(); len(v) > 3 {
			forbidden = append(forbidden, v)
		}
	}
	for _, lang := range locales.Languages {
		for k, tmpl := range templates(t, lang) {
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(tmpl), strings.ToLower(f)) {
					t.Errorf("%s.toml %s: %q is written literally; use its {{.Field}}", lang, k, f)
				}
			}
		}
	}
}

// Every fact of DOMAIN.md can reach the member, in both languages.
func TestDomainFactsReachable(t *testing.T) {
	common := []string{
		"https://www.pec.it/Convenzioni.aspx", "OMCEO-LT", "Codice convenzione", "ATTIVA", "Aruba PEC", "Aruba S.p.A.",
		"https://gestionemail.pec.it/", "ordine@pec.ordinemedicilatina.it", "rinnova", "assistenza", "€ 20",
		"0575 0504", "https://www.pec.it/ContactsConvenzioni.aspx", "+39 0575 0504", "+39 0575 862020", "+39 0575 050011",
		"www.pec.it", "fax", "password", "90", "dati anagrafici", "bollettino postale", "bonifico bancario",
	}
	perLang := map[string][]string{
		"it": {
			"posta elettronica certificata", "raccomandata", "convenzione", "riservato esclusivamente",
			"suggerisce un contratto di 5 anni", "dati per l'eventuale fatturazione", "contratti mostrati a video",
			"carta di credito, bollettino postale o bonifico bancario", "conferma l'acquisto", "breve guida",
			"e-mail con i contratti da firmare", "via fax", "documento di identità", "ricevuta del pagamento",
			"5 giorni lavorativi", "seconda e-mail", "dati di accesso", "pannello di gestione",
			"recupero della password", "in copia tutti i messaggi", "scrivi dalla tua PEC a quella dell'Ordine",
			"mantenendo lo stesso indirizzo", "90 giorni", "«rinnova»", "menu a sinistra", "viene cancellata",
			"Prima effettua il pagamento", "nome della casella PEC", "ticket di assistenza", "«assistenza»",
			"per cinque anni", "circa € 20", "0575 0504, poi digita 2", "area amministrativa", "assistenza tecnica",
		},
		"en": {
			"certified e-mail", "registered letter", "convention", "reserved exclusively",
			"suggests a 5-year contract", "invoicing details", "contracts shown on screen",
			"credit card, postal bulletin", "bank transfer", "confirm the purchase", "short guide",
			"e-mail with the contracts to sign", "by fax", "identity document", "payment receipt",
			"5 working days", "second e-mail", "access data", "management panel",
			"password recovery", "a copy of every message", "write from your PEC to the Ordine's PEC",
			"keeping the same address", "90 days", `"rinnova"`, "menu on the left", "is deleted",
			"First make the payment", "name of the PEC box", "support ticket", `"assistenza"`,
			"for five years", "about € 20", "0575 0504, then press 2", "administrative area", "technical assistance",
		},
	}
	r := newRenderer(t, locales.Latina())
	for _, lang := range locales.Languages {
		all := locales.PlainText(allTexts(t, r, lang))
		for _, want := range append(append([]string{}, common...), perLang[lang]...) {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no text says %q", lang, want)
			}
		}
	}
}

// keyLiteral is a string that names a locale key in Go code.
var keyLiteral = regexp.MustCompile(`^(step|info|hint|date|remind|btn|forget|lang|check|where|why|cmd|state|fmt|diagram|error)\.[a-z0-9_]+$`)

// codeKeys collects the locale keys named in the non-test Go files of dir:
// string literals shaped like keys, and any literal given as a message Key,
// a button Label or to plain().
func codeKeys(t *testing.T, dir string, keys map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		lit := func(e ast.Expr) (string, bool) {
			b, ok := e.(*ast.BasicLit)
			if !ok || b.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(b.Value)
			return s, err == nil
		}
		// "check.item" + i is a prefix, not a key: the dynamic keys are added by usedKeys.
		prefixes := map[ast.Node]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.ADD {
				prefixes[b.X] = true
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, ok := lit(n); ok && keyLiteral.MatchString(s) && !prefixes[n] {
					keys[s] = fset.Position(n.Pos()).String()
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && (id.Name == "Key" || id.Name == "Label" || id.Name == "label") {
					if s, ok := lit(n.Value); ok && s != "" {
						keys[s] = fset.Position(n.Pos()).String()
					}
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "plain" && len(n.Args) == 1 {
					if s, ok := lit(n.Args[0]); ok {
						keys[s] = fset.Position(n.Pos()).String()
					}
				}
			}
			return true
		})
	}
}

// wakeReasons are the values of the WakeReason constants in dialogs.
func wakeReasons(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../dialogs", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "WakeReason" {
					return true
				}
				for _, v := range vs.Values {
					if b, ok := v.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(b.Value)
						reasons = append(reasons, s)
					}
				}
				return true
			})
		}
	}
	if len(reasons) < 8 {
		t.Fatalf("found only the wake reasons %v in dialogs", reasons)
	}
	return reasons
}

// usedKeys are the keys the program can ask for, with where it does.
func usedKeys(t *testing.T) map[string]string {
	keys := map[string]string{}
	codeKeys(t, "../dialogs", keys)
	codeKeys(t, "../bot", keys)
	codeKeys(t, ".", keys) // the fmt.* words this package writes dates with
	for _, id := range dialogs.Steps() {
		keys["where."+string(id)] = "dialogs.status: where.<step>"
	}
	for _, r := range wakeReasons(t) {
		keys["why."+r] = "dialogs.status: why.<wake reason>"
	}
	for _, c := range dialogs.Commands {
		keys["cmd."+c] = "dialogs.Commands: cmd.<command>"
	}
	for _, a := range []dialogs.Action{dialogs.ActYear, dialogs.ActTick} { // buttons drawn by their step
		keys["diagram."+string(a)] = "dialogs.Diagram: diagram.<action> for a button without a fixed label"
	}
	for i := 0; i < dialogs.ChecklistItems; i++ {
		keys["check.item"+strconv.Itoa(i)] = "dialogs.renderChecklist: check.item<i>"
	}
	for _, r := range []dialogs.WakeReason{dialogs.WakeExpiry30, dialogs.WakeExpiry7, dialogs.WakeLastDay14, dialogs.WakeLastDay3} {
		keys["remind."+string(r)] = "dialogs.renewalReminder: remind.<reason>"
	}
	return keys
}

func TestEveryUsedKeyExists(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d keys in the code: is the scan broken?", len(used))
	}
	for _, lang := range locales.Languages {
		have, err := locales.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for k, where := range used {
			if !slices.Contains(have, k) {
				t.Errorf("%s.toml has no key %q, used at %s", lang, k, where)
			}
		}
	}
}

// unusedOnPurpose are keys nothing in the code asks for yet, kept on purpose.
var unusedOnPurpose = map[string]string{}

func TestNoUnusedKeys(t *testing.T) {
	used := usedKeys(t)
	have, err := locales.Keys(locales.Languages[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range have {
		if _, ok := used[k]; !ok {
			if _, ok := unusedOnPurpose[k]; !ok {
				t.Errorf("key %q is used by nothing (remove it, or list it in unusedOnPurpose with why)", k)
			}
		}
	}
	for k := range unusedOnPurpose {
		if _, ok := used[k]; ok {
			t.Errorf("key %q is listed as unused but is used: remove it from unusedOnPurpose", k)
		}
	}
}

// The weekdays and months are those of each language's message file.
func TestWordsFromMessageFiles(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	for _, lang := range locales.Languages {
		tmpls := templates(t, lang)
		weekdays := strings.Fields(tmpls["fmt.weekdays"])
		months := strings.Fields(tmpls["fmt.months"])
		if len(weekdays) != 7 || len(months) != 12 {
			t.Fatalf("%s.toml: %d weekdays, %d months", lang, len(weekdays), len(months))
		}
		for i := range 7 {
			d := date(2027, 10, 3).AddDays(i) // Sunday 3 October 2027 onwards
			if got, want := r.FormatDate(lang, d), weekdays[i]+" "; !strings.HasPrefix(got, want) {
				t.Errorf("%s: FormatDate(%v) = %q, want it to start with %q", lang, d, got, want)
			}
		}
		for i := range 12 {
			d := calendar.Date{Year: 2025, Month: time.Month(i + 1)}
			if got, want := r.FormatDate(lang, d), months[i]+" 2025"; got != want {
				t.Errorf("%s: FormatDate(%v) = %q, want %q", lang, d, got, want)
			}
		}
	}
	it, en := templates(t, "it"), templates(t, "en")
	for _, k := range []string{"fmt.weekdays", "fmt.months", "fmt.date_time", "fmt.and", "fmt.closure"} {
		if it[k] == en[k] {
			t.Errorf("%s is the same in it and en: %q", k, it[k])
		}
	}
}

// With WithHolidays, the days skipped between the fax and the activation name
// their holiday or closure; ordinary weekends stay unnamed.
func TestHolidaysInLists(t *testing.T) {
	cal := calendar.New(date(2027, 8, 16)) // a closure on the Monday after Ferragosto
	r, err := locales.New(locales.Latina(), rome(t), locales.WithHolidays(cal.Holiday))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang    string
		skipped []calendar.Date
		want    string // the end of the plain text
	}{
		{"it", []calendar.Date{date(2027, 10, 2), date(2027, 10, 3), date(2027, 10, 4)},
			"qui si saltano sabato 2 ottobre 2027, domenica 3 ottobre 2027 e lunedì 4 ottobre 2027 (San Francesco d'Assisi)."},
		{"en", []calendar.Date{date(2027, 10, 2), date(2027, 10, 3), date(2027, 10, 4)},
			"here that skips Saturday 2 October 2027, Sunday 3 October 2027 and Monday 4 October 2027 (San Francesco d'Assisi)."},
		// A holiday on a weekend is named all the same.
		{"it", []calendar.Date{date(2026, 10, 3), date(2026, 10, 4)},
			"qui si saltano sabato 3 ottobre 2026 e domenica 4 ottobre 2026 (San Francesco d'Assisi)."},
		{"en", []calendar.Date{date(2026, 10, 31), date(2026, 11, 1)},
			"here that skips Saturday 31 October 2026 and Sunday 1 November 2026 (Tutti i santi)."},
		// A closure is named in the member's language.
		{"it", []calendar.Date{date(2027, 8, 14), date(2027, 8, 15), date(2027, 8, 16)},
			"qui si saltano sabato 14 agosto 2027, domenica 15 agosto 2027 (Assunzione) e lunedì 16 agosto 2027 (chiusura)."},
		{"en", []calendar.Date{date(2027, 8, 14), date(2027, 8, 15), date(2027, 8, 16)},
			"here that skips Saturday 14 August 2027, Sunday 15 August 2027 (Assunzione) and Monday 16 August 2027 (closure)."},
		// Two holidays in a row.
		{"en", []calendar.Date{date(2027, 12, 25), date(2027, 12, 26)},
			"here that skips Saturday 25 December 2027 (Natale) and Sunday 26 December 2027 (Santo Stefano)."},
	}
	for _, tt := range tests {
		got, err := r.Render(tt.lang, "step.act_wait", map[string]any{"Fax": date(2027, 9, 30), "Activation": date(2027, 10, 8),
			"CalendarDays": 8, "Skipped": tt.skipped, "Wake": time.Time{}})
		if err != nil {
			t.Fatal(err)
		}
		if p := checkHTML(got); p != "" {
			t.Errorf("%s: %s in %q", tt.lang, p, got)
		}
		if plain := locales.PlainText(got); !strings.HasSuffix(plain, tt.want) {
			t.Errorf("%s %v:\n got %q\nwant it to end with %q", tt.lang, tt.skipped, plain, tt.want)
		}
	}
	// A single date is not a list: it is never named.
	got, err := r.Render("it", "btn.year", map[string]any{"Date": date(2027, 10, 4)})
	if err != nil || got != "lunedì 4 ottobre 2027" {
		t.Errorf("btn.year = %q, %v; want the date without its holiday", got, err)
	}
}

// Holiday names are escaped like any argument.
func TestHolidayNamesEscaped(t *testing.T) {
	odd := func(d calendar.Date) (string, bool) { return `<Festa> & "co"`, d.Day == 4 }
	r, err := locales.New(locales.Latina(), rome(t), locales.WithHolidays(odd))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Render("en", "step.act_wait", map[string]any{"Fax": date(2027, 9, 30), "Activation": date(2027, 10, 8),
		"CalendarDays": 8, "Skipped": []calendar.Date{date(2027, 10, 3), date(2027, 10, 4)}})
	if err != nil {
		t.Fatal(err)
	}
	if p := checkHTML(got); p != "" {
		t.Errorf("%s in %q", p, got)
	}
	if want := "Sunday 3 October 2027 and Monday 4 October 2027 (&lt;Festa&gt; &amp; &#34;co&#34;)."; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

// cacheableSets are argSets with only the values whose texts the renderer
// keeps (strings, bools, integers, Keyed): the dates and times dropped.
func cacheableSets(t *testing.T) []map[string]any {
	var sets []map[string]any
	for _, args := range argSets(t) {
		kept := map[string]any{}
		for k, v := range args {
			switch v.(type) {
			case calendar.Date, []calendar.Date, time.Time:
			default:
				kept[k] = v
			}
		}
		sets = append(sets, kept)
	}
	return sets
}

// Rendering twice gives what a renderer that never rendered the text gives
// the first time: for every key of every language, without arguments, with
// the sample arguments (dates: not cached) and with their cacheable part
// (cached; some of those fail for lack of a date, and fail again the same).
func TestRenderCachedEqualsFresh(t *testing.T) {
	shared := newRenderer(t, locales.Latina())
	fresh := newRenderer(t, locales.Latina())
	sets := append([]map[string]any{nil}, argSets(t)...)
	sets = append(sets, cacheableSets(t)...)
	for _, lang := range locales.Languages {
		keys, err := locales.Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			for i, args := range sets {
				want, wantErr := fresh.Render(lang, k, args)
				for n := 1; n <= 2; n++ {
					got, err := shared.Render(lang, k, args)
					if got != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
						t.Errorf("%s %s (args %d), render %d: got %q, %v; want %q, %v", lang, k, i, n, got, err, want, wantErr)
					}
				}
			}
		}
	}
}

// Arguments that differ only in a value's type, or in which name holds which
// value, give their own texts, however often and in whatever order they are
// rendered; the order in which a map was filled does not matter.
func TestRenderCacheDistinguishesArguments(t *testing.T) {
	r := newRenderer(t, locales.Latina())
	tests := []struct {
		key  string
		args map[string]any
		want string // "" for an error
	}{
		{"step.checklist_left", map[string]any{"Left": 1, "Ticked": false}, "Tolto il segno. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."},
		{"step.checklist_left", map[string]any{"Left": 1, "Ticked": "false"}, "Segnato. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."}, // a non-empty string is true
		{"step.checklist_left", map[string]any{"Left": 1, "Ticked": ""}, "Tolto il segno. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."},
		{"step.checklist_left", map[string]any{"Left": int64(2), "Ticked": true}, "Segnato. Mancano ancora 2 voci: tocca ogni voce quando l'hai fatta."},
		{"step.checklist_left", map[string]any{"Left": "1", "Ticked": true}, ""}, // "1" is not 1: eq fails
		{"step.checklist_left", map[string]any{"Left": 1, "Ticked": true}, "Segnato. Manca ancora 1 voce: tocca ogni voce quando l'hai fatta."},
		{"btn.todo", map[string]any{"Item": ref("check.item2")}, "☐ PEC all'Ordine per l'attivazione"},
		{"btn.todo", map[string]any{"Item": "check.item2"}, "☐ check.item2"},
		{"date.not_a_date", map[string]any{"Example": "1"}, "Non riesco a leggere una data. Scrivila per esempio così: <code>1</code>"},
		{"date.not_a_date", map[string]any{"Example": "1:x"}, "Non riesco a leggere una data. Scrivila per esempio così: <code>1:x</code>"},
		{"date.not_a_date", map[string]any{"Example": "1", "X": "x"}, "Non riesco a leggere una data. Scrivila per esempio così: <code>1</code>"},
		{"date.not_a_date", map[string]any{"Example": "<&>"}, "Non riesco a leggere una data. Scrivila per esempio così: <code>&lt;&amp;&gt;</code>"},
	}
	for round := range 3 {
		for i := range tests {
			tt := tests[(i*5+round)%len(tests)] // another order in every round
			got, err := r.Render("it", tt.key, tt.args)
			if tt.want == "" {
				if err == nil {
					t.Errorf("round %d: %s %v = %q, want an error", round, tt.key, tt.args, got)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("round %d: %s %v = %q, %v; want %q", round, tt.key, tt.args, got, err, tt.want)
			}
		}
	}

	// The staff's statistics: the same counts inserted in two orders give one
	// text; two counts swapped give another.
	names := []string{"Members", "Active", "Blocked", "Italian", "English", "Activating", "Waiting", "Overdue",
		"Done", "Renewing", "Lapsed", "Gone", "RemindersPending", "RemindersToday"}
	forward, backward, swapped := map[string]any{}, map[string]any{}, map[string]any{}
	for i, n := range names {
		forward[n] = 100 + i
		swapped[n] = 100 + i
	}
	for i := len(names) - 1; i >= 0; i-- {
		backward[names[i]] = 100 + i
	}
	swapped["Members"], swapped["Active"] = 101, 100
	a, errA := r.Render("en", "info.staff_stats", forward)
	b, errB := r.Render("en", "info.staff_stats", backward)
	c, errC := r.Render("en", "info.staff_stats", swapped)
	if errA != nil || errB != nil || errC != nil {
		t.Fatal(errA, errB, errC)
	}
	if a != b {
		t.Errorf("the same counts in another order:\n%q\n%q", a, b)
	}
	if a == c {
		t.Errorf("Members and Active swapped give the same text %q", a)
	}
	if want, err := newRenderer(t, locales.Latina()).Render("en", "info.staff_stats", swapped); err != nil || c != want {
		t.Errorf("swapped counts: got %q, want %q (%v)", c, want, err)
	}
}

// Goroutines rendering the same texts at once, cached or with dates, get
// the texts a lone renderer gives (run with -race).
func TestRenderConcurrent(t *testing.T) {
	type input struct {
		lang, key string
		args      map[string]any
	}
	var inputs []input
	for _, lang := range locales.Languages {
		for _, k := range []string{"btn.menu", "step.menu", "welcome", "step.checklist_left", "btn.todo", "info.status", "step.act_wait", "btn.year"} {
			for _, args := range []map[string]any{nil, cacheableSets(t)[0], cacheableSets(t)[1], argSets(t)[0]} {
				inputs = append(inputs, input{lang, k, args})
			}
		}
	}
	want := make([]string, len(inputs))
	wantErr := make([]bool, len(inputs))
	lone := newRenderer(t, locales.Latina())
	for i, in := range inputs {
		text, err := lone.Render(in.lang, in.key, in.args)
		want[i], wantErr[i] = text, err != nil
	}
	r := newRenderer(t, locales.Latina())
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for j := range inputs {
					i := (j + g*len(inputs)/4 + round) % len(inputs)
					got, err := r.Render(inputs[i].lang, inputs[i].key, inputs[i].args)
					if got != want[i] || (err != nil) != wantErr[i] {
						t.Errorf("%s %s %v: got %q, %v; want %q (error: %v)", inputs[i].lang, inputs[i].key, inputs[i].args, got, err, want[i], wantErr[i])
					}
				}
			}
		})
	}
	wg.Wait()
}
