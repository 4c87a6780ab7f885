package bot

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/locales"
)

// A calendar file is an iCalendar object (RFC 5545) of all-day events,
// written by hand: the handful of properties a phone's calendar needs to
// import an event is less code than a dependency.

// icsEvent is one all-day event, its texts rendered as plain text.
type icsEvent struct {
	UID         string
	Date        calendar.Date
	Summary     string
	Description string
}

// icsAlarmBefore is when an event's alarm rings: an all-day event starts at
// midnight of its day, so 15 hours before is 9:00 the day before, in the
// member's own time zone (the dates are floating, as a day on the wall
// calendar is). The day before leaves time to act (call Aruba, renew), and
// 9:00 is a civil hour, as the bot's own reminders keep.
const icsAlarmBefore = "-PT15H"

// icsMaxLine is the longest a line may be, in octets, without its CRLF.
const icsMaxLine = 75

// googleCalendarOffer is the locale key of the words before the links that
// add a file's events to Google Calendar.
const googleCalendarOffer = "info.cal_google"

// googleCalendarRender is Google Calendar's page that adds an event filled
// in from its query. It is the address Google itself hands out, and the one
// reported to reach the event editor on Android too (.../r/eventedit only
// opens the app there).
const googleCalendarRender = "https://calendar.google.com/calendar/render"

// calendarDocument renders f in lang: its name, and an iCalendar file
// stamped now whose events have their titles and notes in lang. It also
// returns, for the caption, a line of links (Telegram HTML) that add the
// same events to Google Calendar: Google Calendar on Android cannot import
// a file opened from Telegram, and for many doctors it is the only calendar.
func (c *Conversation) calendarDocument(lang string, f *dialogs.CalendarFile, now time.Time) (*Document, string, error) {
	name, err := c.plainText(lang, f.Name, nil)
	if err != nil {
		return nil, "", fmt.Errorf("calendar file name: %w", err)
	}
	events := make([]icsEvent, 0, len(f.Events))
	links := make([]string, 0, len(f.Events))
	for _, e := range f.Events {
		summary, err := c.plainText(lang, e.Title, e.Args)
		if err != nil {
			return nil, "", fmt.Errorf("calendar event %s: %w", e.Kind, err)
		}
		description, err := c.plainText(lang, e.Description, e.Args)
		if err != nil {
			return nil, "", fmt.Errorf("calendar event %s: %w", e.Kind, err)
		}
		label, err := c.plainText(lang, e.Label, e.Args)
		if err != nil {
			return nil, "", fmt.Errorf("calendar event %s: %w", e.Kind, err)
		}
		ev := icsEvent{UID: eventUID(e.Kind, e.Date), Date: e.Date, Summary: summary, Description: description}
		events = append(events, ev)
		links = append(links, googleLink(ev, label))
	}
	offer, err := c.Texts.Render(lang, googleCalendarOffer, nil)
	if err != nil {
		return nil, "", fmt.Errorf("calendar file links: %w", err)
	}
	return &Document{Name: name, Data: writeICS(events, now)}, offer + " " + strings.Join(links, ", "), nil
}

// googleLink is a link, in Telegram HTML, to Google Calendar's page that
// adds e, with label as its text. Both are escaped: the address has & between
// its parameters, which Telegram wants as &amp; in an attribute too.
func googleLink(e icsEvent, label string) string {
	return `<a href="` + html.EscapeString(googleCalendarURL(e)) + `">` + html.EscapeString(label) + `</a>`
}

// googleCalendarURL is the address of Google Calendar's page that adds e,
// filled in as the file has it: the same title and notes, and an all-day
// event whose end, as DTEND, is the next day (exclusive).
func googleCalendarURL(e icsEvent) string {
	return googleCalendarRender + "?action=TEMPLATE" +
		"&text=" + url.QueryEscape(e.Summary) +
		"&dates=" + icsDate(e.Date) + "/" + icsDate(e.Date.AddDays(1)) +
		"&details=" + url.QueryEscape(e.Description)
}

// markup matches a tag of Telegram HTML, attributes included: a rendered
// text has every other < and > escaped.
var markup = regexp.MustCompile(`<[^<>]*>`)

// captionLen is the length of a caption in Telegram HTML as Telegram
// limits it: in UTF-16 units of the text the member sees, after parsing, so
// that the addresses of links do not count.
func captionLen(text string) int {
	return utf16Len(html.UnescapeString(markup.ReplaceAllString(text, "")))
}

// plainText renders key for a calendar, which shows no markup.
func (c *Conversation) plainText(lang, key string, args dialogs.Args) (string, error) {
	text, err := c.Texts.Render(lang, key, args)
	if err != nil {
		return "", err
	}
	return locales.PlainText(text), nil
}

// eventUID names an event by what it is and its day, such as
// activation-20271008@pecbot: the same for every copy of the file, so that
// a calendar given it twice updates the event rather than doubling it, and
// free of anything that identifies the member.
func eventUID(kind string, d calendar.Date) string {
	return kind + "-" + icsDate(d) + "@pecbot"
}

// writeICS writes events as an iCalendar object stamped at stamp.
func writeICS(events []icsEvent, stamp time.Time) []byte {
	var b bytes.Buffer
	line := func(nameAndValue string) { writeFolded(&b, nameAndValue) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//pecbot//calendar file//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + e.UID)
		line("DTSTAMP:" + stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART;VALUE=DATE:" + icsDate(e.Date))
		line("DTEND;VALUE=DATE:" + icsDate(e.Date.AddDays(1))) // exclusive: one whole day
		line("SUMMARY:" + escapeText(e.Summary))
		line("DESCRIPTION:" + escapeText(e.Description))
		line("TRANSP:TRANSPARENT") // a reminder, not a busy day
		line("BEGIN:VALARM")
		line("ACTION:DISPLAY")
		line("DESCRIPTION:" + escapeText(e.Summary))
		line("TRIGGER:" + icsAlarmBefore)
		line("END:VALARM")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// icsDate writes d as an iCalendar DATE.
func icsDate(d calendar.Date) string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// textEscaper escapes a TEXT value: backslash, semicolon, comma and line
// ends (any of CRLF, LF, CR) as \n.
var textEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeText escapes s for a TEXT value. Other control characters, which
// TEXT does not allow, are dropped (tabs are allowed).
func escapeText(s string) string {
	s = textEscaper.Replace(s)
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// writeFolded writes one content line ending in CRLF, folded so that no
// line is longer than icsMaxLine octets: a longer one goes on in lines that
// begin with a space (which counts), and is never cut inside a UTF-8
// sequence.
func writeFolded(b *bytes.Buffer, s string) {
	limit := icsMaxLine
	for len(s) > limit {
		cut := limit
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = icsMaxLine - 1
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
