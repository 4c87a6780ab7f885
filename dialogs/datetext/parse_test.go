package datetext

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/omceo-latina/pecbot/dialogs/calendar"
)

// june15 is the default "today" of the table: a Sunday, mid-year, so that
// yesterday and the ten-year limit are easy to read.
var june15 = calendar.Date{Year: 2025, Month: time.June, Day: 15}

func exact(y int, m time.Month, d int) Parsed {
	return Parsed{Kind: Exact, Date: calendar.Date{Year: y, Month: m, Day: d}}
}

func noYear(m time.Month, d int) Parsed {
	return Parsed{Kind: NoYear, Date: calendar.Date{Month: m, Day: d}}
}

func monthOnly(y int, m time.Month) Parsed {
	return Parsed{Kind: MonthOnly, Date: calendar.Date{Year: y, Month: m}}
}

var march12 = exact(2025, time.March, 12)

// parseCases is the whole contract of Parse. today zero means june15; want is
// checked when reason is 0, otherwise the error's Reason (and Text if set).
var parseCases = []struct {
	name   string
	input  string
	today  calendar.Date
	want   Parsed
	reason Reason
	text   string
}{
	// Numeric, Italian order (day-month-year).
	{name: "slashes", input: "12/03/2025", want: march12},
	{name: "dashes two-digit year", input: "12-3-25", want: march12},
	{name: "dots", input: "12.03.2025", want: march12},
	{name: "single digits", input: "1/3/2025", want: exact(2025, time.March, 1)},
	{name: "spaces between numbers", input: "12 03 2025", want: march12},
	{name: "spaces around slashes", input: "12 / 03 / 2025", want: march12},
	{name: "surrounding spaces", input: "  \t12/03/2025 \n", want: march12},
	{name: "non-breaking space", input: "\u00a012/03/2025\u00a0", want: march12},
	{name: "trailing dot", input: "12/03/2025.", want: march12},
	{name: "mixed separators", input: "12/03-2025", want: march12},
	{name: "ordinal day numeric", input: "1°/3/2025", want: exact(2025, time.March, 1)},

	// ISO is year-month-day: the first number has four digits.
	{name: "ISO", input: "2025-03-12", want: march12},
	{name: "ISO slashes", input: "2025/3/12", want: march12},
	{name: "ISO month", input: "2025-03", want: monthOnly(2025, time.March)},

	// The wrong-order trap: never month-first.
	{name: "trap not 3 December", input: "12/03/2025", want: march12},
	{name: "trap ISO not 3 December", input: "2025-12-03", want: exact(2025, time.December, 3)},
	{name: "trap US order refused", input: "03/13/2025", reason: NoSuchDay, text: "03/13/2025"},

	// Italian month names.
	{name: "it full", input: "12 marzo 2025", want: march12},
	{name: "it abbreviated", input: "12 mar 2025", want: march12},
	{name: "it abbreviated dot", input: "12 mar. 2025", want: march12},
	{name: "it upper", input: "12 MARZO 2025", want: march12},
	{name: "it two-digit year", input: "12 marzo 25", want: march12},
	{name: "it degree ordinal", input: "1° marzo 2025", want: exact(2025, time.March, 1)},
	{name: "it masculine ordinal", input: "1º marzo 2025", want: exact(2025, time.March, 1)},
	{name: "it article", input: "il 12 marzo 2025", want: march12},
	{name: "it elided article", input: "l'8 marzo 2025", want: exact(2025, time.March, 8)},
	{name: "it elided spaced", input: "l' 8 marzo 2025", want: exact(2025, time.March, 8)},
	{name: "it elided curly apostrophe", input: "l’11 settembre 2024", want: exact(2024, time.September, 11)},
	{name: "it sett", input: "3 sett 2024", want: exact(2024, time.September, 3)},
	{name: "it dicembre dashes", input: "24-dic-2024", want: exact(2024, time.December, 24)},
	{name: "it weekday", input: "lunedì 3 marzo 2025", want: exact(2025, time.March, 3)},
	{name: "it weekday no accent", input: "Lunedi 3 marzo 2025", want: exact(2025, time.March, 3)},
	{name: "it weekday apostrophe", input: "lunedi' 3 marzo 2025", want: exact(2025, time.March, 3)},
	{name: "it weekday comma", input: "mercoledì, 12 marzo 2025", want: march12},
	{name: "it weekday abbreviated", input: "mer 12 marzo 2025", want: march12},
	{name: "it weekday wrong", input: "martedì 3 marzo 2025", reason: NoSuchDay, text: "03/03/2025"},
	{name: "it weekday without year", input: "lunedì 3 marzo", want: noYear(time.March, 3)},
	{name: "it weekday alone", input: "lunedì", reason: NotADate},
	{name: "it weekday with month only", input: "lunedì marzo 2025", reason: NotADate},

	// English month names.
	{name: "en month first comma", input: "March 12, 2025", want: march12},
	{name: "en day first", input: "12 March 2025", want: march12},
	{name: "en abbreviated no comma", input: "Mar 12 2025", want: march12},
	{name: "en ordinal", input: "1st March 2025", want: exact(2025, time.March, 1)},
	{name: "en ordinal month first", input: "March 3rd, 2025", want: exact(2025, time.March, 3)},
	{name: "en the of", input: "the 12th of March 2025", want: march12},
	{name: "en weekday", input: "Wednesday, March 12, 2025", want: march12},
	{name: "en may", input: "5 May 2025", want: exact(2025, time.May, 5)},

	// Month and year only.
	{name: "it month", input: "marzo 2025", want: monthOnly(2025, time.March)},
	{name: "it month capital", input: "Marzo 2025", want: monthOnly(2025, time.March)},
	{name: "en month", input: "march 2025", want: monthOnly(2025, time.March)},
	{name: "en month abbreviated", input: "Sept 2027", want: monthOnly(2027, time.September)},
	{name: "numeric month", input: "03/2025", want: monthOnly(2025, time.March)},
	{name: "month this June", input: "giugno 2035", want: monthOnly(2035, time.June)},
	{name: "month too far", input: "luglio 2035", reason: TooFarAhead, text: "07/2035"},
	{name: "month too old", input: "marzo 1999", reason: TooOld, text: "03/1999"},
	{name: "month zero", input: "00/2025", reason: NoSuchDay},
	{name: "month alone", input: "marzo", reason: NotADate},

	// Without a year: the caller asks which one.
	{name: "numeric no year", input: "12/3", want: noYear(time.March, 12)},
	{name: "numeric no year zeros", input: "12/03", want: noYear(time.March, 12)},
	{name: "it no year", input: "12 marzo", want: noYear(time.March, 12)},
	{name: "en no year", input: "March 12", want: noYear(time.March, 12)},
	{name: "en no year two digits", input: "Mar 25", want: noYear(time.March, 25)},
	{name: "no year 29 February", input: "29 febbraio", want: noYear(time.February, 29)},
	{name: "no year 30 February", input: "30 febbraio", reason: NoSuchDay, text: "30/02"},
	{name: "no year 31/04", input: "31/4", reason: NoSuchDay, text: "31/04"},

	// Words for days near today.
	{name: "oggi", input: "oggi", want: exact(2025, time.June, 15)},
	{name: "Oggi dot", input: "Oggi.", want: exact(2025, time.June, 15)},
	{name: "ieri", input: "ieri", want: exact(2025, time.June, 14)},
	{name: "ieri upper", input: " IERI ", want: exact(2025, time.June, 14)},
	{name: "l'altro ieri", input: "l'altro ieri", want: exact(2025, time.June, 13)},
	{name: "l' altro ieri", input: "l' altro ieri", want: exact(2025, time.June, 13)},
	{name: "altroieri", input: "altroieri", want: exact(2025, time.June, 13)},
	{name: "domani", input: "domani", want: exact(2025, time.June, 16)},
	{name: "today", input: "Today", want: exact(2025, time.June, 15)},
	{name: "yesterday", input: "yesterday", want: exact(2025, time.June, 14)},
	{name: "day before yesterday", input: "the day before yesterday", want: exact(2025, time.June, 13)},
	{name: "tomorrow", input: "tomorrow", want: exact(2025, time.June, 16)},
	{name: "ieri across a year", input: "ieri", today: calendar.Date{Year: 2025, Month: time.January, Day: 1},
		want: exact(2024, time.December, 31)},
	{name: "ieri in a leap March", input: "ieri", today: calendar.Date{Year: 2024, Month: time.March, Day: 1},
		want: exact(2024, time.February, 29)},
	{name: "l altro ieri", input: "l altro ieri", want: exact(2025, time.June, 13)},
	{name: "laltro ieri", input: "laltro ieri", want: exact(2025, time.June, 13)},
	{name: "avantieri", input: "avantieri", want: exact(2025, time.June, 13)},
	{name: "avant'ieri", input: "avant'ieri", want: exact(2025, time.June, 13)},
	{name: "avant’ieri curly", input: "avant’ieri", want: exact(2025, time.June, 13)},
	{name: "altro ieri", input: "altro ieri", want: exact(2025, time.June, 13)},
	{name: "ieri l'altro is two days back", input: "ieri l'altro", want: exact(2025, time.June, 13)},
	{name: "stamattina", input: "stamattina", want: exact(2025, time.June, 15)},
	{name: "stasera", input: "stasera", want: exact(2025, time.June, 15)},
	{name: "tonight", input: "tonight", want: exact(2025, time.June, 15)},

	// Days ago: N 0-365 as digits, or one day or week in words.
	{name: "giorni fa", input: "3 giorni fa", want: exact(2025, time.June, 12)},
	{name: "days ago", input: "3 days ago", want: exact(2025, time.June, 12)},
	{name: "0 giorni fa", input: "0 giorni fa", want: exact(2025, time.June, 15)},
	{name: "1 giorno fa", input: "1 giorno fa", want: exact(2025, time.June, 14)},
	{name: "un giorno fa", input: "un giorno fa", want: exact(2025, time.June, 14)},
	{name: "a day ago", input: "A day ago", want: exact(2025, time.June, 14)},
	{name: "una settimana fa", input: "una settimana fa", want: exact(2025, time.June, 8)},
	{name: "a week ago", input: "a week ago", want: exact(2025, time.June, 8)},
	{name: "2 settimane fa", input: "2 settimane fa", want: exact(2025, time.June, 1)},
	{name: "365 giorni fa", input: "365 giorni fa", want: exact(2024, time.June, 15)},
	{name: "366 giorni fa", input: "366 giorni fa", reason: NotADate},
	{name: "53 settimane fa", input: "53 settimane fa", reason: NotADate},
	{name: "1000 days ago", input: "1000 days ago", reason: NotADate},
	{name: "negative days ago", input: "-3 giorni fa", reason: NotADate},
	{name: "giorni without fa", input: "3 giorni", reason: NotADate},
	{name: "fa without N", input: "giorni fa", reason: NotADate},
	{name: "days ago languages mixed", input: "3 days fa", reason: NotADate},
	{name: "un days ago", input: "un day ago", reason: NotADate},
	{name: "days ago before 2000", input: "100 giorni fa", today: calendar.Date{Year: 2000, Month: time.February, Day: 1},
		reason: TooOld, text: "24/10/1999"},

	// Lead-in and trailing words around a date are dropped when the rest is one.
	{name: "lead è scaduta il", input: "è scaduta il 12 marzo", want: noYear(time.March, 12)},
	{name: "lead È scaduta il year", input: "È scaduta il 12 marzo 2025", want: march12},
	{name: "lead scade il", input: "scade il 30/09/2028", want: exact(2028, time.September, 30)},
	{name: "lead scadrà", input: "scadrà il 30 settembre 2028", want: exact(2028, time.September, 30)},
	{name: "lead scadeva", input: "scadeva il 1° marzo 2025", want: exact(2025, time.March, 1)},
	{name: "lead e' scaduto l'8", input: "e' scaduto l'8 marzo 2025", want: exact(2025, time.March, 8)},
	{name: "lead era il", input: "era il 12/03/2025", want: march12},
	{name: "lead scaduta ieri", input: "scaduta ieri", want: exact(2025, time.June, 14)},
	{name: "lead l'ho mandato ieri", input: "l'ho mandato ieri", want: exact(2025, time.June, 14)},
	{name: "lead l’ho mandata curly", input: "L’ho mandata ieri", want: exact(2025, time.June, 14)},
	{name: "lead ho spedito", input: "ho spedito l'altro ieri", want: exact(2025, time.June, 13)},
	{name: "lead l'ho spedita stamattina", input: "l'ho spedita stamattina", want: exact(2025, time.June, 15)},
	{name: "lead sì, ieri", input: "sì, ieri", want: exact(2025, time.June, 14)},
	{name: "lead si ieri", input: "si ieri", want: exact(2025, time.June, 14)},
	{name: "lead sì,ieri glued", input: "sì,ieri", want: exact(2025, time.June, 14)},
	{name: "lead sì l'altro ieri", input: "sì, l'altro ieri", want: exact(2025, time.June, 13)},
	{name: "lead ok", input: "ok 12/03/2025", want: march12},
	{name: "lead inviato il", input: "inviato il 28/9", want: noYear(time.September, 28)},
	{name: "lead in data", input: "in data 12/03/2026", want: exact(2026, time.March, 12)},
	{name: "lead in data colon", input: "In data: 12/03/2026", want: exact(2026, time.March, 12)},
	{name: "lead del", input: "del 12 marzo", want: noYear(time.March, 12)},
	{name: "lead dell' glued", input: "dell'8 marzo 2025", want: exact(2025, time.March, 8)},
	{name: "lead inviata dell'", input: "inviata dell' 8 marzo 2025", want: exact(2025, time.March, 8)},
	{name: "lead days ago", input: "scaduta 3 giorni fa", want: exact(2025, time.June, 12)},
	{name: "lead en expired on", input: "it expired on March 12, 2025", want: march12},
	{name: "lead en expires", input: "expires 30/09/2028", want: exact(2028, time.September, 30)},
	{name: "lead en expiring the of", input: "expiring on the 12th of March 2025", want: march12},
	{name: "lead en sent it", input: "sent it yesterday", want: exact(2025, time.June, 14)},
	{name: "lead en I sent it", input: "I sent it yesterday", want: exact(2025, time.June, 14)},
	{name: "lead en yes", input: "yes yesterday", want: exact(2025, time.June, 14)},
	{name: "lead en yes comma dot", input: "Yes, yesterday.", want: exact(2025, time.June, 14)},
	{name: "lead en expires tonight", input: "expires tonight", want: exact(2025, time.June, 15)},
	{name: "lead en a week ago", input: "sent it a week ago", want: exact(2025, time.June, 8)},
	{name: "trail ieri mattina", input: "ieri mattina", want: exact(2025, time.June, 14)},
	{name: "trail ieri sera", input: "ieri sera", want: exact(2025, time.June, 14)},
	{name: "trail oggi pomeriggio", input: "oggi pomeriggio", want: exact(2025, time.June, 15)},
	{name: "trail domani sera", input: "domani sera", want: exact(2025, time.June, 16)},
	{name: "trail yesterday morning", input: "yesterday morning", want: exact(2025, time.June, 14)},
	{name: "trail ieri, mattina", input: "ieri, mattina", want: exact(2025, time.June, 14)},
	{name: "both ends", input: "l'ho mandato ieri sera", want: exact(2025, time.June, 14)},
	{name: "question mark", input: "scade domani?", want: exact(2025, time.June, 16)},
	{name: "question mark alone", input: "12/03/2025?", want: march12},
	{name: "question mark trailing slash", input: "12/03/?", reason: NotADate},
	{name: "lead no such day", input: "è scaduta il 31/02/2025", reason: NoSuchDay, text: "31/02/2025"},
	{name: "lead too far", input: "scade il 12/03/2045", reason: TooFarAhead, text: "12/03/2045"},
	{name: "lead too old", input: "scaduta il 12/03/99", reason: TooOld, text: "12/03/1999"},
	{name: "lead only è scaduta", input: "è scaduta", reason: NotADate, text: "è scaduta"},
	{name: "lead only sì", input: "sì", reason: NotADate},
	{name: "lead only si", input: "si", reason: NotADate},
	{name: "lead only ok", input: "OK!", reason: NotADate},
	{name: "lead only in data", input: "in data", reason: NotADate},
	{name: "lead only question marks", input: "???", reason: NotADate},
	{name: "lead number not a date", input: "ho pagato 20 euro", reason: NotADate, text: "ho pagato 20 euro"},
	{name: "lead lone number", input: "ho 20", reason: NotADate},
	{name: "lead lone day", input: "scade il 12", reason: NotADate},
	{name: "lead time", input: "sono le 12 e 30", reason: NotADate},
	{name: "lead unknown word", input: "ciao ieri", reason: NotADate},
	{name: "lead in the middle", input: "ieri e oggi", reason: NotADate},
	{name: "lead words after", input: "l'ho mandato ieri alle 10", reason: NotADate},
	{name: "lead garbage", input: "è scaduta la pec", reason: NotADate},
	{name: "lead glued unknown", input: "ciao,ieri", reason: NotADate},

	// A two-digit year after an apostrophe, with a month name.
	{name: "apostrophe year", input: "12 marzo '26", want: exact(2026, time.March, 12)},
	{name: "apostrophe year abbreviated", input: "12 mar '26", want: exact(2026, time.March, 12)},
	{name: "apostrophe year curly", input: "12 mar ’26", want: exact(2026, time.March, 12)},
	{name: "apostrophe year month first", input: "March 12 '26", want: exact(2026, time.March, 12)},
	{name: "apostrophe year month only", input: "marzo '26", want: monthOnly(2026, time.March)},
	{name: "apostrophe year lead", input: "scade il 12 marzo '26", want: exact(2026, time.March, 12)},
	{name: "apostrophe year 99", input: "12 marzo '99", reason: TooOld, text: "12/03/1999"},
	{name: "apostrophe year numeric", input: "12/03/'26", reason: NotADate},
	{name: "apostrophe day", input: "'12 marzo 2026", reason: NotADate},
	{name: "apostrophe four digits", input: "12 marzo '2026", reason: NotADate},
	{name: "apostrophe one digit", input: "12 marzo '6", reason: NotADate},
	{name: "apostrophe alone", input: "'26", reason: NotADate},
	{name: "apostrophe weekday month", input: "lunedì marzo '26", reason: NotADate},

	// Days that do not exist.
	{name: "29/02 leap", input: "29/02/2024", want: exact(2024, time.February, 29)},
	{name: "29/02 non-leap", input: "29/02/2025", reason: NoSuchDay, text: "29/02/2025"},
	{name: "29 febbraio non-leap", input: "29 febbraio 2025", reason: NoSuchDay},
	{name: "31/02", input: "31/02/2025", reason: NoSuchDay, text: "31/02/2025"},
	{name: "31/04", input: "31/04/2025", reason: NoSuchDay},
	{name: "30 febbraio year", input: "30 febbraio 2024", reason: NoSuchDay},
	{name: "day zero", input: "00/01/2025", reason: NoSuchDay, text: "00/01/2025"},
	{name: "month 13", input: "13/13/2025", reason: NoSuchDay},
	{name: "day 32", input: "32 marzo 2025", reason: NoSuchDay},
	{name: "all zero", input: "0/0/0", reason: NoSuchDay},
	{name: "ISO month 13", input: "2025-13-01", reason: NoSuchDay},

	// Years out of range, and the two-digit century rule.
	{name: "1900", input: "1/1/1900", reason: TooOld, text: "01/01/1900"},
	{name: "99 is 1999", input: "12/03/99", reason: TooOld, text: "12/03/1999"},
	{name: "70 is 1970", input: "12/03/70", reason: TooOld, text: "12/03/1970"},
	{name: "69 is 2069", input: "12/03/69", reason: TooFarAhead, text: "12/03/2069"},
	{name: "00 is 2000", input: "1/1/00", want: exact(2000, time.January, 1)},
	{name: "last day of 1999", input: "31/12/1999", reason: TooOld},
	{name: "ten years ahead", input: "15/06/2035", want: exact(2035, time.June, 15)},
	{name: "ten years and a day", input: "16/06/2035", reason: TooFarAhead, text: "16/06/2035"},
	{name: "twenty years ahead", input: "12/03/2045", reason: TooFarAhead},
	{name: "twenty years ahead 2-digit", input: "12/03/45", reason: TooFarAhead, text: "12/03/2045"},
	{name: "year 9999", input: "31/12/9999", reason: TooFarAhead},
	{name: "year 0000", input: "01/01/0000", reason: TooOld},

	// Not dates at all.
	{name: "empty", input: "", reason: NotADate},
	{name: "blank", input: " \t\n ", reason: NotADate},
	{name: "ciao", input: "ciao", reason: NotADate, text: "ciao"},
	{name: "boh", input: "boh", reason: NotADate},
	{name: "lone day", input: "12", reason: NotADate},
	{name: "lone year", input: "2025", reason: NotADate},
	{name: "four parts", input: "12/03/2025/1", reason: NotADate},
	{name: "emoji", input: "📅", reason: NotADate},
	{name: "emoji in date", input: "12/03/2025 📅", reason: NotADate},
	{name: "negatives", input: "-1/-1/-1", reason: NotADate},
	{name: "eight digits", input: "99999999", reason: NotADate},
	{name: "compact ISO", input: "20250312", reason: NotADate},
	{name: "double slash", input: "12//03/2025", reason: NotADate},
	{name: "trailing slash", input: "12/03/", reason: NotADate},
	{name: "three-digit year", input: "12/03/202", reason: NotADate},
	{name: "one-digit year", input: "12/03/5", reason: NotADate},
	{name: "time after date", input: "12/03/2025 10:30", reason: NotADate},
	{name: "words after date", input: "12 marzo 2025 alle 10", reason: NotADate},
	{name: "relative weekday not supported", input: "lunedì scorso", reason: NotADate},
	{name: "arabic digits", input: "١٢/٠٣/٢٠٢٥", reason: NotADate},
	{name: "ordinal on month", input: "12/3rd/2025", reason: NotADate},
	{name: "ordinal on year", input: "12 marzo 2025th", reason: NotADate},
	{name: "two months", input: "marzo aprile 2025", reason: NotADate},
	{name: "only fillers", input: "the of", reason: NotADate},
	{name: "invalid UTF-8", input: "12/03/\xff2025", reason: NotADate},
	{name: "too long", input: "12/03/2025" + strings.Repeat(" ", 200), reason: NotADate},

	// Fixed bugs. go-dateparser v1.4.7 (DMY order, it+en) got these wrong;
	// they are why it is not used (see parse.go) and must stay right here.
	{name: "dateparser: ISO read day-first (3 December)", input: "2025-03-12", want: march12},
	{name: "dateparser: day 0 became 1 June", input: "00/01/2025", reason: NoSuchDay},
	{name: "dateparser: lone number was a day", input: "12", reason: NotADate},
	{name: "dateparser: 99999999 was 9999-09-09", input: "99999999", reason: NotADate},
	{name: "dateparser: 20250312 was 5031-02-20", input: "20250312", reason: NotADate},
	{name: "dateparser: 2025-13-01 became 13 January", input: "2025-13-01", reason: NoSuchDay},
	{name: "dateparser: 12/3 silently took this year", input: "12/3", want: noYear(time.March, 12)},
	{name: "dateparser: 31/02 failed like garbage", input: "31/02/2025", reason: NoSuchDay},
	{name: "dateparser: l'altro ieri unknown", input: "l'altro ieri", want: exact(2025, time.June, 13)},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			today := tc.today
			if today.IsZero() {
				today = june15
			}
			got, err := Parse(tc.input, today)
			if tc.reason == 0 {
				if err != nil {
					t.Fatalf("Parse(%q) error %v, want %v %v", tc.input, err, tc.want.Kind, tc.want.Date)
				}
				if got != tc.want {
					t.Fatalf("Parse(%q) = %v %+v, want %v %+v", tc.input, got.Kind, got.Date, tc.want.Kind, tc.want.Date)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %v %+v, %v; want *Error %v", tc.input, got.Kind, got.Date, err, tc.reason)
			}
			if e.Reason != tc.reason {
				t.Fatalf("Parse(%q) reason %v (%q), want %v", tc.input, e.Reason, e.Text, tc.reason)
			}
			if tc.text != "" && e.Text != tc.text {
				t.Errorf("Parse(%q) text %q, want %q", tc.input, e.Text, tc.text)
			}
			if got != (Parsed{}) {
				t.Errorf("Parse(%q) returned %+v with an error", tc.input, got)
			}
		})
	}
}

// TestLeadIns checks that no lead-in word could be part of a date, that one
// alone is not a date, and that one is dropped before or after a date.
func TestLeadIns(t *testing.T) {
	yesterday := exact(2025, time.June, 14)
	for w := range leadIns {
		for _, f := range strings.Fields(w) {
			if _, ok := monthNames[strings.TrimSuffix(f, "'")]; ok || strings.ContainsAny(f, "0123456789") {
				t.Errorf("lead-in %q holds a month or a digit", w)
			}
			if _, ok := weekdayNames[strings.TrimSuffix(f, "'")]; ok {
				t.Errorf("lead-in %q holds a weekday", w)
			}
		}
		if _, ok := relativeDays[w]; ok {
			t.Errorf("lead-in %q is a day word", w)
		}
		var e *Error
		if _, err := Parse(w, june15); !errors.As(err, &e) || e.Reason != NotADate {
			t.Errorf("Parse(%q) = %v, want not a date", w, err)
		}
		for _, in := range []string{w + " ieri", "ieri " + w, w + ", ieri"} {
			if got, err := Parse(in, june15); err != nil || got != yesterday {
				t.Errorf("Parse(%q) = %+v, %v; want yesterday", in, got, err)
			}
		}
	}
}

// TestNotADateText checks that a refused text is echoed short and valid, since
// a message may quote it to the member.
func TestNotADateText(t *testing.T) {
	long := strings.Repeat("è", 150) // 300 bytes, over the input cap
	_, err := Parse(long, june15)
	var e *Error
	if !errors.As(err, &e) || e.Reason != NotADate {
		t.Fatalf("Parse(long) = %v, want NotADate", err)
	}
	if len(e.Text) > maxEchoBytes || !utf8.ValidString(e.Text) || e.Text == "" {
		t.Errorf("Text %q: %d bytes, valid %v", e.Text, len(e.Text), utf8.ValidString(e.Text))
	}
	_, err = Parse("ci\xffao", june15)
	if !errors.As(err, &e) || !utf8.ValidString(e.Text) {
		t.Errorf("Parse(invalid UTF-8) = %v, want valid Text", err)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Reason: NoSuchDay, Text: "31/02/2025"}
	if got, want := e.Error(), `datetext: no such day: "31/02/2025"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := Reason(99).String(); got != "Reason(99)" {
		t.Errorf("Reason(99) = %q", got)
	}
	for p, want := range map[Parsed]string{
		march12:                     "2025-03-12",
		noYear(time.March, 12):      "--03-12",
		monthOnly(2025, time.March): "2025-03",
		{}:                          "",
	} {
		if got := p.String(); got != want {
			t.Errorf("%#v.String() = %q, want %q", p, got, want)
		}
	}
	if got := Kind(0).String(); got != "Kind(0)" {
		t.Errorf("Kind(0) = %q", got)
	}
}

// TestRoundTrip writes every day of a leap and a non-leap year in the forms
// the bot itself might suggest, and reads them back.
func TestRoundTrip(t *testing.T) {
	itMonths := []string{"", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
		"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
	for d := (calendar.Date{Year: 2024, Month: time.January, Day: 1}); d.Year < 2026; d = d.AddDays(1) {
		want := Parsed{Kind: Exact, Date: d}
		for _, in := range []string{
			d.String(),
			d.At(12, 0, time.UTC).Format("02/01/2006"),
			d.At(12, 0, time.UTC).Format("2-1-06"),
			d.At(12, 0, time.UTC).Format("January 2, 2006"),
			d.At(12, 0, time.UTC).Format("2 Jan 2006"),
			strings.Join([]string{d.At(12, 0, time.UTC).Format("2"), itMonths[d.Month], d.At(12, 0, time.UTC).Format("2006")}, " "),
		} {
			if got, err := Parse(in, june15); err != nil || got != want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
			}
		}
	}
}
