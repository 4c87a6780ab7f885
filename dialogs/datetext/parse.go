// Package datetext turns a date typed by a member, in Italian or English,
// into a calendar.Date or a typed reason why it is not one.
//
// Why not github.com/markusmobius/go-dateparser v1.4.7 (measured, Go 1.26, amd64):
// it adds 8.6 MB to a binary (2.5 -> 11.1 MB) and its package init costs ~250 ms
// and 97 MB allocated (37 MB live) in every process, before the first parse.
// With DateOrder DMY it still gets our inputs wrong: "2025-03-12" -> 3 Dec,
// "00/01/2025" -> 1 Jun, "12" and "99999999" (-> 9999-09-09) are dates, "12/3"
// silently takes this year, and "31/02/2025" fails exactly like "ciao". A wrapper
// would re-check every shape itself, so this is time.Month plus a month-name table.
//
// It is pure: no I/O and no clock; "today" is passed in.
package datetext

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// Kind says how much of a date the member gave.
type Kind int

const (
	// Exact is a day, month and year.
	Exact Kind = iota + 1
	// NoYear is a day and month; the caller asks which year (Date.Year is 0).
	NoYear
	// MonthOnly is a month and year; Date.Day is 0.
	MonthOnly
)

// String names the kind for logs and test failures.
func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case NoYear:
		return "no year"
	case MonthOnly:
		return "month only"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Parsed is what the member typed, understood.
//
// Date has zero fields for what was not given, so Date.String, which
// normalises like time.Date, is wrong for NoYear and MonthOnly (March 2025
// prints as 2025-02-28): read the fields, or use Parsed.String.
type Parsed struct {
	Kind Kind
	Date calendar.Date
}

// String writes p in ISO 8601 for logs: 2025-03-12, --03-12 without a year,
// 2025-03 for a month; "" for the zero Parsed.
func (p Parsed) String() string {
	switch p.Kind {
	case Exact:
		return p.Date.String()
	case NoYear:
		return fmt.Sprintf("--%02d-%02d", p.Date.Month, p.Date.Day)
	case MonthOnly:
		return fmt.Sprintf("%04d-%02d", p.Date.Year, p.Date.Month)
	}
	return ""
}

// Reason says why a text is not a usable date; the dialog turns it into a message.
type Reason int

const (
	// NotADate is nothing recognisable as a date: "ciao", "boh", "12".
	NotADate Reason = iota + 1
	// NoSuchDay is a clear date shape naming a day that does not exist:
	// 31/02/2025, 30 febbraio, 00/01/2025, 13/13/2025, or a weekday that
	// does not match the date ("martedì 3 marzo 2025").
	NoSuchDay
	// TooOld is a date before MinYear, e.g. 1/1/1900 or 12/03/99.
	TooOld
	// TooFarAhead is a date more than MaxYearsAhead years after today.
	TooFarAhead
)

// String names the reason for logs and test failures.
func (r Reason) String() string {
	switch r {
	case NotADate:
		return "not a date"
	case NoSuchDay:
		return "no such day"
	case TooOld:
		return "too old"
	case TooFarAhead:
		return "too far ahead"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Error is a refused text: Reason plus what was understood (for the message).
//
// Text is the understood date written the Italian way ("31/02/2025", "30/02"
// without a year, "03/1999" for a month), so that a message can show how a
// two-digit year was read; for NotADate it is the trimmed input, valid UTF-8
// and cut to maxEchoBytes, so a message never echoes a huge or broken text.
type Error struct {
	Reason Reason
	Text   string
}

// Error describes the refusal for logs; members see the dialog's message instead.
func (e *Error) Error() string {
	return fmt.Sprintf("datetext: %s: %q", e.Reason, e.Text)
}

// MinYear is the first year accepted: no PEC box or fax in these dialogs is older.
const MinYear = 2000

// MaxYearsAhead is how far after today a date may be: a date more than 10 years
// after today is absurd for these questions (a PEC box expiry, a fax sent).
const MaxYearsAhead = 10

const (
	// maxInputBytes caps the work done on one message: no date is this long,
	// and a bound keeps the parser cheap on pasted or hostile text.
	maxInputBytes = 200
	// maxEchoBytes caps Error.Text for NotADate, which a message may quote.
	maxEchoBytes = 64
	// leapYear checks a day without a year: 29 February exists in some year.
	leapYear = 2000
)

// Parse reads a date typed by a member, in Italian (the default) or English.
//
// Numeric dates are always day-month-year (12/03/2025 is 12 March), except
// when the first number has four digits, which is ISO year-month-day
// (2025-03-12). Month names, "oggi"/"today", "ieri"/"yesterday", "l'altro
// ieri"/"day before yesterday", "domani"/"tomorrow" and "3 giorni fa"/"3 days
// ago" are understood; a leading weekday is checked against the date.
// Two-digit years 00-69 are 2000-2069 and 70-99 are 1970-1999, also written
// with an apostrophe after a month name ("12 marzo '26").
//
// Lead-in and trailing words from a closed list ("è scaduta il 12 marzo",
// "l'ho mandato ieri", "yesterday morning", see leadIns) are dropped, but only
// when what remains reads as a date: "è scaduta" and "ho pagato 20 euro" are
// NotADate. Texts longer than 200 bytes are NotADate.
// The error, when not nil, is always an *Error.
func Parse(text string, today calendar.Date) (Parsed, error) {
	if len(text) > maxInputBytes {
		return Parsed{}, notADate(text)
	}
	s := normalize(text)
	if s == "" {
		return Parsed{}, notADate(text)
	}
	p, err := parse(s, text, today)
	if err == nil || err.Reason != NotADate {
		return p, wrap(err)
	}
	if t := stripLeadIns(s); t != "" && t != s {
		if p, e := parse(t, text, today); e == nil || e.Reason != NotADate {
			return p, wrap(e)
		}
	}
	return Parsed{}, err
}

// wrap returns e as an error, nil when e is nil (not a nil *Error in an error).
func wrap(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// parse reads s, already normalized, as a whole date; text is what was
// typed, echoed by NotADate.
func parse(s, text string, today calendar.Date) (Parsed, *Error) {
	if days, ok := relativeDays[s]; ok {
		return checkBounds(Parsed{Kind: Exact, Date: today.AddDays(days)}, today)
	}
	if days, ok := daysAgo(s); ok {
		return checkBounds(Parsed{Kind: Exact, Date: today.AddDays(-days)}, today)
	}
	toks, ok := tokenize(s)
	if !ok {
		return Parsed{}, notADate(text)
	}
	read := words
	if allNumbers(toks) {
		read = numeric
	}
	p, ok := read(toks)
	if !ok {
		return Parsed{}, notADate(text)
	}
	return p.resolve(text, today)
}

// relativeDays maps words for a day near today (normalized as by normalize)
// to the days to add to today.
var relativeDays = map[string]int{
	"oggi":                     0,
	"today":                    0,
	"ieri":                     -1,
	"yesterday":                -1,
	"stamattina":               0,
	"stasera":                  0,
	"tonight":                  0,
	"l'altro ieri":             -2,
	"l'altroieri":              -2,
	"l' altro ieri":            -2,
	"l altro ieri":             -2,
	"l altroieri":              -2,
	"laltro ieri":              -2,
	"laltroieri":               -2,
	"altro ieri":               -2,
	"altroieri":                -2,
	"ieri l'altro":             -2, // old-fashioned, but the same day
	"avantieri":                -2,
	"avant'ieri":               -2,
	"avant ieri":               -2,
	"day before yesterday":     -2,
	"the day before yesterday": -2,
	"domani":                   1,
	"tomorrow":                 1,
}

// maxDaysAgo bounds "N giorni fa": a year back is as far as anyone counts.
const maxDaysAgo = 365

// agoUnits are the units of "N giorni fa" / "N days ago", in days, by the
// word that closes the phrase; "un"/"una"/"a"/"one" stand for N = 1.
var agoUnits = map[string]map[string]int{
	"fa":  {"giorno": 1, "giorni": 1, "settimana": 7, "settimane": 7},
	"ago": {"day": 1, "days": 1, "week": 7, "weeks": 7},
}

// agoOne are the words for N = 1 of agoUnits, by the same closing word.
var agoOne = map[string]map[string]bool{
	"fa":  {"un": true, "una": true},
	"ago": {"a": true, "one": true},
}

// daysAgo reads "3 giorni fa", "un giorno fa", "una settimana fa", "3 days
// ago", "a week ago": N (1-3 digits, or a word for one) and a unit in the
// same language, at most maxDaysAgo days.
func daysAgo(s string) (int, bool) {
	f := strings.Split(s, " ")
	if len(f) != 3 {
		return 0, false
	}
	units, ok := agoUnits[f[2]]
	if !ok {
		return 0, false
	}
	unit, ok := units[f[1]]
	if !ok {
		return 0, false
	}
	var n int
	switch {
	case agoOne[f[2]][f[0]]:
		n = 1
	case isDigits(f[0]) && len(f[0]) <= 3:
		n = token{digits: f[0]}.value()
	default:
		return 0, false
	}
	if n*unit > maxDaysAgo {
		return 0, false
	}
	return n * unit, true
}

// monthNames holds Italian and English month names and abbreviations. They
// never clash (mar, feb, nov mean the same month in both), so the language
// need not be known.
var monthNames = map[string]time.Month{
	"gennaio": time.January, "gen": time.January, "january": time.January, "jan": time.January,
	"febbraio": time.February, "feb": time.February, "february": time.February,
	"marzo": time.March, "mar": time.March, "march": time.March,
	"aprile": time.April, "apr": time.April, "april": time.April,
	"maggio": time.May, "mag": time.May, "may": time.May,
	"giugno": time.June, "giu": time.June, "june": time.June, "jun": time.June,
	"luglio": time.July, "lug": time.July, "july": time.July, "jul": time.July,
	"agosto": time.August, "ago": time.August, "august": time.August, "aug": time.August,
	"settembre": time.September, "set": time.September, "sett": time.September,
	"september": time.September, "sep": time.September, "sept": time.September,
	"ottobre": time.October, "ott": time.October, "october": time.October, "oct": time.October,
	"novembre": time.November, "nov": time.November, "november": time.November,
	"dicembre": time.December, "dic": time.December, "december": time.December, "dec": time.December,
}

// weekdayNames holds weekday names (accents already folded by normalize).
// Italian "mar" (martedì) is left out: it would clash with "mar" for March.
var weekdayNames = map[string]time.Weekday{
	"lunedi": time.Monday, "lun": time.Monday, "monday": time.Monday, "mon": time.Monday,
	"martedi": time.Tuesday, "tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"mercoledi": time.Wednesday, "mer": time.Wednesday, "wednesday": time.Wednesday, "wed": time.Wednesday,
	"giovedi": time.Thursday, "gio": time.Thursday, "thursday": time.Thursday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"venerdi": time.Friday, "ven": time.Friday, "friday": time.Friday, "fri": time.Friday,
	"sabato": time.Saturday, "sab": time.Saturday, "saturday": time.Saturday, "sat": time.Saturday,
	"domenica": time.Sunday, "dom": time.Sunday, "sunday": time.Sunday, "sun": time.Sunday,
}

// fillers are words people put around a date that add nothing:
// "il 3 marzo", "l' 8 marzo", "the 12th of March".
var fillers = map[string]bool{"il": true, "l'": true, "the": true, "of": true}

// leadIns are the words people put before or after a date in a sentence:
// "è scaduta il 12 marzo", "l'ho mandato ieri", "sì, ieri", "it expired on
// March 12, 2025", "ieri mattina". Parse drops them from both ends only when
// what remains reads as a date, so the list may hold common words. It must
// never hold a digit, a month or a weekday name (TestLeadIns checks it).
// Words are written as typed and kept normalized; "in data" is two words.
var leadIns = wordSet(
	// Articles and prepositions.
	"il", "lo", "la", "l'", "in data", "del", "dell'", "on", "the",
	// Verbs and participles, Italian then English.
	"è", "e'", "era", "sono", "scade", "scadrà", "scaduta", "scaduto", "scadeva",
	"mandato", "mandata", "inviato", "inviata", "spedito", "spedita", "ho", "l'ho",
	"it", "expired", "expires", "expiring", "sent", "i",
	// Yes words.
	"sì", "si", "yes", "ok",
	// Times of day ("stamattina", "stasera", "tonight" are days: relativeDays).
	"mattina", "pomeriggio", "sera", "morning", "afternoon", "evening",
)

// maxLeadInWords is the most words in one entry of leadIns.
const maxLeadInWords = 2

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[normalize(w)] = true
	}
	return m
}

// isLeadIn reports whether w (one or more words) is in leadIns, ignoring
// the punctuation that may follow it: "sì,", "ok:".
func isLeadIn(w string) bool {
	return leadIns[strings.TrimRight(w, ",;:!")]
}

// stripLeadIns drops words of leadIns from both ends of s (normalized),
// with a trailing "?" or "!" ("scade domani?"). Within the date nothing is
// dropped, and a word glued by a comma is split off only when it is in
// leadIns ("sì,ieri"). The work is linear in the words of s.
func stripLeadIns(s string) string {
	f := strings.Split(strings.TrimRight(s, "?!. "), " ")
	i, j := 0, len(f)
	for i < j {
		if n := leadInAt(f[i:j], true); n > 0 {
			i += n
			continue
		}
		head, tail, ok := strings.Cut(f[i], ",")
		if !ok || tail == "" || !leadIns[head] {
			break
		}
		f[i] = tail
	}
	for i < j {
		if n := leadInAt(f[i:j], false); n > 0 {
			j -= n
			continue
		}
		k := strings.LastIndexByte(f[j-1], ',')
		if k <= 0 || !leadIns[f[j-1][k+1:]] {
			break
		}
		f[j-1] = f[j-1][:k]
	}
	return strings.TrimRight(strings.Join(f[i:j], " "), ",;: ")
}

// leadInAt returns how many words of leadIns begin (front) or end f, 0 for none.
func leadInAt(f []string, front bool) int {
	for n := min(maxLeadInWords, len(f)); n > 0; n-- {
		w := f[len(f)-n:]
		if front {
			w = f[:n]
		}
		if isLeadIn(strings.Join(w, " ")) {
			return n
		}
	}
	return 0
}

// folder folds accents and apostrophes (after lowercasing), so that
// "lunedì", "lunedi'" and "Lunedí" (phone keyboards vary) read the same.
var folder = strings.NewReplacer(
	"à", "a", "á", "a", "è", "e", "é", "e", "ì", "i", "í", "i",
	"ò", "o", "ó", "o", "ù", "u", "ú", "u",
	"’", "'", "‘", "'", "`", "'", "´", "'",
)

// normalize lowercases s, folds accents and apostrophes, collapses spaces and
// drops trailing dots ("12/03/2025.", "ieri."), which people type by habit.
func normalize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = folder.Replace(strings.ToLower(s))
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, ". ")
}

// token is one part of a date: a number (ASCII digits, maybe with an ordinal
// mark as in "1°" or "1st", or two digits after an apostrophe, a year as in
// "'26") or a lowercase word.
type token struct {
	digits  string
	ordinal bool
	year    bool
	word    string
}

func (t token) isNumber() bool { return t.digits != "" }

// value is the number's value; digits are at most 4, so it cannot overflow.
func (t token) value() int {
	n := 0
	for i := 0; i < len(t.digits); i++ {
		n = n*10 + int(t.digits[i]-'0')
	}
	return n
}

// isPunct reports the separators allowed between parts of a date.
func isPunct(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ',' }

// tokenize splits s on spaces and at most one of / - . , between two parts,
// so "12 / 03 / 2025" and "March 12, 2025" split, but "-1/-1/-1", "12//03"
// and "/12/03" are not dates. Fillers are dropped; false means not a date.
func tokenize(s string) ([]token, bool) {
	var (
		toks  []token
		part  strings.Builder
		punct int
	)
	flush := func() bool {
		if part.Len() == 0 {
			return true
		}
		t, ok := classify(part.String())
		part.Reset()
		if !ok {
			return false
		}
		if !fillers[t.word] {
			toks = append(toks, t)
		}
		punct = 0
		return true
	}
	started := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			if !flush() {
				return nil, false
			}
		case isPunct(r):
			if !flush() {
				return nil, false
			}
			punct++
			if !started || punct > 1 {
				return nil, false
			}
		default:
			started = true
			part.WriteRune(r)
		}
	}
	if !flush() || punct > 0 {
		return nil, false
	}
	return toks, len(toks) > 0
}

// classify reads one part: a number of 1-4 ASCII digits (with "l'" before it,
// as in "l'8 marzo", or an ordinal mark after it), or a known word.
func classify(p string) (token, bool) {
	if fillers[p] {
		return token{word: p}, true
	}
	if y, ok := strings.CutPrefix(p, "'"); ok && len(y) == 2 && isDigits(y) { // '26
		return token{digits: y, year: true}, true
	}
	for _, elided := range []string{"l'", "dell'"} { // "l'8 marzo", "dell'8 marzo"
		if d, ok := strings.CutPrefix(p, elided); ok {
			p = d
			break
		}
	}
	if d, ok := strings.CutSuffix(p, "'"); ok && d != "" { // "lunedi'"
		p = d
	}
	num, ord := p, false
	for _, suf := range []string{"°", "º", "ª", "st", "nd", "rd", "th"} {
		if d, ok := strings.CutSuffix(p, suf); ok && d != "" && isDigits(d) {
			num, ord = d, true
			break
		}
	}
	if isDigits(num) {
		if len(num) > 4 {
			return token{}, false
		}
		return token{digits: num, ordinal: ord}, true
	}
	if _, ok := monthNames[p]; ok {
		return token{word: p}, true
	}
	if _, ok := weekdayNames[p]; ok {
		return token{word: p}, true
	}
	return token{}, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allNumbers(toks []token) bool {
	for _, t := range toks {
		if !t.isNumber() {
			return false
		}
	}
	return true
}

// parts is a date as typed, before it is checked. year holds the typed
// digits ("" when none) so the century rule sees "99" and "0099" apart;
// hasDay tells "00/01/2025" (a day that does not exist) from "01/2025".
type parts struct {
	day     int
	hasDay  bool
	month   int
	year    string
	weekday time.Weekday
	hasWDay bool
}

// numeric reads all-number dates: day-month-year in Italian order, or
// year-month-day when the first number has four digits (ISO). Only the day
// may carry an ordinal mark.
func numeric(toks []token) (parts, bool) {
	for i, t := range toks {
		if (t.ordinal && i > 0) || t.year {
			return parts{}, false
		}
	}
	first := toks[0]
	short := func(t token) bool { return len(t.digits) <= 2 }
	switch len(toks) {
	case 2:
		second := toks[1]
		switch {
		case len(first.digits) == 4 && !first.ordinal && short(second): // 2025-03
			return parts{month: second.value(), year: first.digits}, true
		case short(first) && !first.ordinal && len(second.digits) == 4: // 03/2025
			return parts{month: first.value(), year: second.digits}, true
		case short(first) && short(second): // 12/03
			return parts{day: first.value(), hasDay: true, month: second.value()}, true
		}
	case 3:
		switch {
		case len(first.digits) == 4 && !first.ordinal && short(toks[1]) && short(toks[2]): // 2025-03-12
			return parts{day: toks[2].value(), hasDay: true, month: toks[1].value(), year: first.digits}, true
		case short(first) && short(toks[1]): // 12/03/2025
			return parts{day: first.value(), hasDay: true, month: toks[1].value(), year: toks[2].digits}, true
		}
	}
	return parts{}, false
}

// words reads dates with a month name: "12 marzo 2025", "March 12, 2025",
// "marzo 2025", "12 marzo", maybe after a weekday. A year may be written
// "'26", never a day.
func words(toks []token) (parts, bool) {
	var p parts
	if wd, ok := weekdayNames[toks[0].word]; ok && !toks[0].isNumber() {
		p.weekday, p.hasWDay = wd, true
		toks = toks[1:]
	}
	// shape has one letter per token: N for a number, M for a month.
	var shape strings.Builder
	for _, t := range toks {
		switch _, isMonth := monthNames[t.word]; {
		case t.isNumber():
			shape.WriteByte('N')
		case isMonth:
			shape.WriteByte('M')
		default:
			return parts{}, false // a weekday elsewhere, or a second one
		}
	}
	var day, year token
	switch shape.String() {
	case "NM": // 12 marzo
		day = toks[0]
		p.month = int(monthNames[toks[1].word])
	case "NMN": // 12 marzo 2025
		day, year = toks[0], toks[2]
		p.month = int(monthNames[toks[1].word])
	case "MN": // March 12, or marzo 2025
		p.month = int(monthNames[toks[0].word])
		if (len(toks[1].digits) == 4 && !toks[1].ordinal) || toks[1].year {
			if p.hasWDay {
				return parts{}, false // "lunedì marzo 2025"
			}
			p.year = toks[1].digits
			return p, true
		}
		day = toks[1]
	case "MNN": // March 12, 2025
		p.month = int(monthNames[toks[0].word])
		day, year = toks[1], toks[2]
	default:
		return parts{}, false
	}
	if len(day.digits) > 2 || day.year || year.ordinal {
		return parts{}, false
	}
	p.day, p.hasDay = day.value(), true
	p.year = year.digits
	return p, true
}

// resolve checks the typed parts and turns them into a Parsed. A day that
// does not exist, a year out of range or a weekday that does not match is
// refused with the understood date in Error.Text; text is what was typed.
func (p parts) resolve(text string, today calendar.Date) (Parsed, *Error) {
	kind := Exact
	switch {
	case p.year == "":
		kind = NoYear
	case !p.hasDay:
		kind = MonthOnly
	}
	year, yearOK := fullYear(p.year)
	// Impossible day and month numbers come first: "0/0/0" is a date
	// shape with no such day, whatever its year.
	if p.month < 1 || p.month > 12 || (p.hasDay && (p.day < 1 || p.day > 31)) {
		return Parsed{}, &Error{Reason: NoSuchDay, Text: p.text(kind, year)}
	}
	month := time.Month(p.month)
	if kind == NoYear {
		if !calendar.Valid(leapYear, month, p.day) {
			return Parsed{}, &Error{Reason: NoSuchDay, Text: p.text(kind, 0)}
		}
		return Parsed{Kind: NoYear, Date: calendar.Date{Month: month, Day: p.day}}, nil
	}
	if !yearOK {
		return Parsed{}, notADate(text)
	}
	if kind == MonthOnly {
		return checkBounds(Parsed{Kind: MonthOnly, Date: calendar.Date{Year: year, Month: month}}, today)
	}
	if !calendar.Valid(year, month, p.day) {
		return Parsed{}, &Error{Reason: NoSuchDay, Text: p.text(kind, year)}
	}
	d := calendar.Date{Year: year, Month: month, Day: p.day}
	if p.hasWDay && d.Weekday() != p.weekday {
		return Parsed{}, &Error{Reason: NoSuchDay, Text: p.text(kind, year)}
	}
	return checkBounds(Parsed{Kind: Exact, Date: d}, today)
}

// fullYear applies the century rule to typed year digits: two digits 00-69
// are 2000-2069 and 70-99 are 1970-1999; four digits are the year itself.
// One or three digits are no year anyone means.
func fullYear(digits string) (int, bool) {
	y := token{digits: digits}.value()
	switch len(digits) {
	case 2:
		if y < 70 {
			return 2000 + y, true
		}
		return 1900 + y, true
	case 4:
		return y, true
	}
	return 0, false
}

// text writes the understood date the Italian way for Error.Text; a year
// that could not be read is written as typed.
func (p parts) text(kind Kind, year int) string {
	y := fmt.Sprintf("%04d", year)
	if year == 0 {
		y = p.year
	}
	switch kind {
	case NoYear:
		return fmt.Sprintf("%02d/%02d", p.day, p.month)
	case MonthOnly:
		return fmt.Sprintf("%02d/%s", p.month, y)
	}
	return fmt.Sprintf("%02d/%02d/%s", p.day, p.month, y)
}

// checkBounds refuses dates before MinYear and after today + MaxYearsAhead
// years; a month counts from its first day.
func checkBounds(p Parsed, today calendar.Date) (Parsed, *Error) {
	d := p.Date
	if p.Kind == MonthOnly {
		d.Day = 1
	}
	limit := calendar.NewDate(today.Year+MaxYearsAhead, today.Month, today.Day)
	switch {
	case d.Year < MinYear:
		return Parsed{}, &Error{Reason: TooOld, Text: format(p)}
	case d.After(limit):
		return Parsed{}, &Error{Reason: TooFarAhead, Text: format(p)}
	}
	return p, nil
}

// format writes a checked date the Italian way for Error.Text.
func format(p Parsed) string {
	if p.Kind == MonthOnly {
		return fmt.Sprintf("%02d/%04d", p.Date.Month, p.Date.Year)
	}
	return fmt.Sprintf("%02d/%02d/%04d", p.Date.Day, p.Date.Month, p.Date.Year)
}

// notADate builds the NotADate error, echoing at most maxEchoBytes of valid
// UTF-8 so that a message may quote it safely.
func notADate(text string) *Error {
	s := strings.TrimSpace(strings.ToValidUTF8(text, ""))
	if len(s) > maxEchoBytes {
		cut := maxEchoBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return &Error{Reason: NotADate, Text: s}
}
