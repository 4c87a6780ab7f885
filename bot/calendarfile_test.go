package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/locales"
)

// The calendar file: an iCalendar object a phone imports with one tap.
// The writer's rules (RFC 5545) first, then the file as the member gets it
// from the conversation and, over HTTP, from the fake Bot API.

// icsComponent is a parsed component: its properties by name (with their
// parameters, such as "DTSTART;VALUE=DATE"), TEXT values unescaped, and
// the components inside it.
type icsComponent struct {
	name  string
	props map[string]string
	subs  []*icsComponent
}

// parseICS is a small reader of what writeICS writes: it checks the line
// ends and the folding, unfolds, and splits the components.
func parseICS(t *testing.T, data []byte) *icsComponent {
	t.Helper()
	text := string(data)
	if !strings.HasSuffix(text, "\r\n") {
		t.Errorf("the file does not end with CRLF")
	}
	if strings.Count(text, "\n") != strings.Count(text, "\r\n") || strings.Count(text, "\r") != strings.Count(text, "\r\n") {
		t.Errorf("a line ends with a bare LF or CR")
	}
	for i, l := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if len(l) > icsMaxLine {
			t.Errorf("line %d is %d octets long: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d is cut inside a UTF-8 sequence: %q", i+1, l)
		}
	}
	unfolded := strings.ReplaceAll(text, "\r\n ", "")
	var stack []*icsComponent
	var root *icsComponent
	for _, l := range strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n") {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("a line without a colon: %q", l)
		}
		switch name {
		case "BEGIN":
			c := &icsComponent{name: value, props: map[string]string{}}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.subs = append(top.subs, c)
			} else if root == nil {
				root = c
			} else {
				t.Fatalf("a second top-level component %s", value)
			}
			stack = append(stack, c)
		case "END":
			if len(stack) == 0 || stack[len(stack)-1].name != value {
				t.Fatalf("END:%s does not close the open component", value)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 {
				t.Fatalf("a property outside any component: %q", l)
			}
			top := stack[len(stack)-1]
			if _, dup := top.props[name]; dup {
				t.Errorf("%s: property %s twice", top.name, name)
			}
			top.props[name] = unescapeText(t, value)
		}
	}
	if len(stack) != 0 || root == nil || root.name != "VCALENDAR" {
		t.Fatalf("not one whole VCALENDAR")
	}
	return root
}

// unescapeText undoes TEXT escaping, and fails on an escape RFC 5545 does
// not define or on a special character left bare.
func unescapeText(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case '\\', ';', ',':
				b.WriteByte(s[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				t.Errorf("unknown escape \\%c in %q", s[i], s)
			}
		case c == '\\' || c == ';' || c == ',':
			t.Errorf("bare %q in the TEXT value %q", c, s)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func civil(y int, m time.Month, day int) calendar.Date {
	return calendar.Date{Year: y, Month: m, Day: day}
}

func TestICSFolding(t *testing.T) {
	// Long values of one-, two-, three- and four-octet characters, shifted
	// so that the cuts fall at every place inside a sequence.
	for _, unit := range []string{"a", "è", "€", "📅", "aè€📅"} {
		for shift := 0; shift < 4; shift++ {
			value := strings.Repeat("x", shift) + strings.Repeat(unit, 120)
			var b bytes.Buffer
			writeFolded(&b, "SUMMARY:"+value)
			lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
			if len(lines) < 2 {
				t.Errorf("%q×120 shifted %d: not folded", unit, shift)
			}
			for i, l := range lines {
				if len(l) > icsMaxLine || !utf8.ValidString(l) || (i > 0) != strings.HasPrefix(l, " ") {
					t.Errorf("%q shifted %d, line %d: %d octets %q", unit, shift, i+1, len(l), l)
				}
				// Only the last line may be short by more than a sequence.
				if i < len(lines)-1 && len(l) < icsMaxLine-3 {
					t.Errorf("%q shifted %d, line %d folded early: %d octets", unit, shift, i+1, len(l))
				}
			}
			if got := strings.ReplaceAll(b.String(), "\r\n ", ""); got != "SUMMARY:"+value+"\r\n" {
				t.Errorf("%q shifted %d: unfolding does not give the line back", unit, shift)
			}
		}
	}
	// Exactly 75 octets stay on one line; 76 are folded.
	for n, want := range map[int]int{75: 1, 76: 2} {
		var b bytes.Buffer
		writeFolded(&b, strings.Repeat("A", n))
		if got := strings.Count(b.String(), "\r\n"); got != want {
			t.Errorf("%d octets: %d lines, want %d", n, got, want)
		}
	}
}

func TestICSEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`C:\cartella`, `C:\\cartella`},
		{"uno; due, tre", `uno\; due\, tre`},
		{"riga 1\nriga 2", `riga 1\nriga 2`},
		{"riga 1\r\nriga 2\rriga 3", `riga 1\nriga 2\nriga 3`},
		{`\n non è un a capo`, `\\n non è un a capo`},
		{"con\ttab e \x00nul\x7f", "con\ttab e nul"},
		{"«rinnova» — 0575 0504", "«rinnova» — 0575 0504"},
	} {
		got := escapeText(tc.in)
		if got != tc.want {
			t.Errorf("escapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if back := unescapeText(t, got); !strings.Contains(tc.in, "\r") && !strings.ContainsAny(tc.in, "\x00\x7f") && back != tc.in {
			t.Errorf("unescape(escape(%q)) = %q", tc.in, back)
		}
	}
}

func TestWriteICS(t *testing.T) {
	stamp := time.Date(2027, 12, 31, 23, 30, 5, 0, rome(t)) // 22:30:05 UTC
	events := []icsEvent{
		{UID: eventUID("expiry", civil(2027, 12, 31)), Date: civil(2027, 12, 31), Summary: "Scade la PEC: rinnovala",
			Description: "Area convenzione, codice OMCEO-LT; voce «rinnova».\nFino a martedì 30 marzo 2028."},
		{UID: eventUID("last-day", civil(2028, 2, 28)), Date: civil(2028, 2, 28), Summary: "PEC, ultimo giorno", Description: "Poi \\ niente"},
	}
	cal := parseICS(t, writeICS(events, stamp))
	for name, want := range map[string]string{
		"VERSION": "2.0", "PRODID": "-//pecbot//calendar file//EN", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH",
	} {
		if got := cal.props[name]; got != want {
			t.Errorf("VCALENDAR %s = %q, want %q", name, got, want)
		}
	}
	if len(cal.subs) != 2 {
		t.Fatalf("%d components, want 2 events", len(cal.subs))
	}
	wants := []map[string]string{{
		"UID": "expiry-20271231@pecbot", "DTSTAMP": "20271231T223005Z",
		"DTSTART;VALUE=DATE": "20271231", "DTEND;VALUE=DATE": "20280101", // over the year's end
		"SUMMARY": events[0].Summary, "DESCRIPTION": events[0].Description, "TRANSP": "TRANSPARENT",
	}, {
		"UID": "last-day-20280228@pecbot", "DTSTAMP": "20271231T223005Z",
		"DTSTART;VALUE=DATE": "20280228", "DTEND;VALUE=DATE": "20280229", // a leap year
		"SUMMARY": events[1].Summary, "DESCRIPTION": events[1].Description, "TRANSP": "TRANSPARENT",
	}}
	for i, ev := range cal.subs {
		if ev.name != "VEVENT" {
			t.Errorf("component %d is %s, want VEVENT", i, ev.name)
			continue
		}
		for name, want := range wants[i] {
			if got := ev.props[name]; got != want {
				t.Errorf("event %d %s = %q, want %q", i, name, got, want)
			}
		}
		if len(ev.props) != len(wants[i]) {
			t.Errorf("event %d has properties %v, want exactly %d", i, ev.props, len(wants[i]))
		}
		if len(ev.subs) != 1 || ev.subs[0].name != "VALARM" {
			t.Fatalf("event %d: no VALARM", i)
		}
		alarm := ev.subs[0].props
		if alarm["ACTION"] != "DISPLAY" || alarm["TRIGGER"] != "-PT15H" || alarm["DESCRIPTION"] != events[i].Summary {
			t.Errorf("event %d alarm %v, want DISPLAY at -PT15H saying the summary", i, alarm)
		}
	}
}

// googleLinkRE is a link as googleLink writes it, its text plain (no tag
// inside; a link with markup in its text is not found, and so counted missing).
var googleLinkRE = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`)

// googleCalendarLink is a link of a caption to Google Calendar: its text,
// and the query of its address once unescaped from HTML and parsed.
type googleCalendarLink struct {
	text  string
	query url.Values
}

// googleLinks returns the links of caption, in order, checking that each
// is escaped for an attribute of Telegram HTML (no bare &, no quote) and
// leads to Google Calendar's page that adds an event.
func googleLinks(t *testing.T, caption string) []googleCalendarLink {
	t.Helper()
	var out []googleCalendarLink
	for _, m := range googleLinkRE.FindAllStringSubmatch(caption, -1) {
		href, text := m[1], m[2]
		if strings.Count(href, "&") != strings.Count(href, "&amp;") || strings.ContainsAny(href, `<>'"`) {
			t.Errorf("href %q is not escaped for HTML (& as &amp;)", href)
		}
		u, err := url.Parse(html.UnescapeString(href))
		if err != nil {
			t.Fatalf("href %q: %v", href, err)
		}
		if u.Scheme != "https" || u.Host != "calendar.google.com" || u.Path != "/calendar/render" {
			t.Errorf("link %q leads to %s, want Google Calendar's render page", text, u)
		}
		out = append(out, googleCalendarLink{text: html.UnescapeString(text), query: u.Query()})
	}
	return out
}

// checkGoogleLinks checks that caption has one link per event of the file
// data, in the same order, labelled as labels say, each adding the same
// event to Google Calendar: its SUMMARY as the title, its DESCRIPTION as the
// notes, its day as an all-day event.
func checkGoogleLinks(t *testing.T, caption string, data []byte, labels ...string) {
	t.Helper()
	events := parseICS(t, data).subs
	links := googleLinks(t, caption)
	if len(links) != len(events) || len(links) != len(labels) {
		t.Fatalf("%d links for %d events, want one each labelled %q, in %q", len(links), len(events), labels, caption)
	}
	for i, ev := range events {
		l := links[i]
		if l.text != labels[i] {
			t.Errorf("link %d says %q, want %q", i, l.text, labels[i])
		}
		for name, want := range map[string]string{
			"action":  "TEMPLATE",
			"text":    ev.props["SUMMARY"],
			"details": ev.props["DESCRIPTION"],
			"dates":   ev.props["DTSTART;VALUE=DATE"] + "/" + ev.props["DTEND;VALUE=DATE"],
		} {
			if got := l.query[name]; len(got) != 1 || got[0] != want {
				t.Errorf("link %q: %s = %q, want %q", l.text, name, got, want)
			}
		}
		if len(l.query) != 4 {
			t.Errorf("link %q: parameters %v, want action, text, dates and details only", l.text, l.query)
		}
	}
}

// A link to Google Calendar carries the event's texts whole, whatever they
// hold: the query escaping keeps & + # / and line ends inside their value,
// and the HTML escaping keeps the address inside its attribute.
func TestGoogleCalendarLink(t *testing.T) {
	e := icsEvent{Date: civil(2027, 12, 31),
		Summary:     `PEC & "firma" + 100% #1 <b>non è markup</b>`,
		Description: "riga 1: a=b&c=d/e?f\nriga 2 «rinnova» — 0575 0504\n'ultima' riga"}
	link := googleLink(e, `scadenza & "rinnovo" <subito>`)
	links := googleLinks(t, link)
	if len(links) != 1 {
		t.Fatalf("link %q is not one link", link)
	}
	l := links[0]
	if l.text != `scadenza & "rinnovo" <subito>` {
		t.Errorf("link text %q", l.text)
	}
	for name, want := range map[string]string{
		"action": "TEMPLATE", "text": e.Summary, "details": e.Description, "dates": "20271231/20280101", // over the year's end
	} {
		if got := l.query.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The address in the form Google hands out: action first, the day and
	// the next one with a bare slash.
	if u := googleCalendarURL(e); !strings.HasPrefix(u, "https://calendar.google.com/calendar/render?action=TEMPLATE&text=") ||
		!strings.Contains(u, "&dates=20271231/20280101&details=") {
		t.Errorf("address %q", u)
	}
	// Telegram counts what the member sees: the address is not part of it.
	if got, want := captionLen("Aggiungi: "+link), utf16Len(`Aggiungi: scadenza & "rinnovo" <subito>`); got != want {
		t.Errorf("captionLen = %d, want %d", got, want)
	}
}

// turnAll plays events through the conversation from a fresh member at now
// and returns the replies to the last one.
func turnAll(t *testing.T, c *Conversation, now time.Time, evs ...dialogs.Event) ([]Reply, dialogs.State) {
	t.Helper()
	var raw []byte
	var out Outcome
	for _, ev := range evs {
		s, _ := dialogs.Decode(raw)
		if ev.Kind == dialogs.Press {
			ev.From = s.Step
		}
		var err error
		if out, err = c.Turn(raw, ev, now); err != nil {
			t.Fatalf("event %+v: %v", ev, err)
		}
		raw = out.Encoded
	}
	return out.Replies, out.State
}

func press(a dialogs.Action, arg string) dialogs.Event {
	return dialogs.Event{Kind: dialogs.Press, Action: a, Arg: arg}
}

// toActWait reaches the wait for the access e-mail: a fax sent today.
var toActWait = []dialogs.Event{
	{Kind: dialogs.Command, Name: "start"}, press(dialogs.ActGoActivate, ""), press(dialogs.ActBought, ""),
	press(dialogs.ActPay, "card"), press(dialogs.ActFaxToday, ""),
}

// toRenew reaches the renewal, the box expiring on expiry (as typed).
func toRenew(expiry string) []dialogs.Event {
	return []dialogs.Event{{Kind: dialogs.Command, Name: "start"}, press(dialogs.ActGoRenew, ""), {Kind: dialogs.Text, Text: expiry}}
}

// onlyDocument is the one reply, which must carry a document as its caption.
func onlyDocument(t *testing.T, replies []Reply) Reply {
	t.Helper()
	if len(replies) != 1 || replies[0].Document == nil {
		t.Fatalf("replies %+v, want one with a document", replies)
	}
	r := replies[0]
	if r.Text != "" || r.Document.Caption == "" {
		t.Errorf("text %q, caption %q: want the text as the caption", r.Text, r.Document.Caption)
	}
	return r
}

// The file as the conversation renders it: named and worded in the
// member's language, plain text, stamped with the time of the press.
func TestCalendarFileRendered(t *testing.T) {
	now := time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t))
	facts := locales.Latina()

	t.Run("activation, Italian", func(t *testing.T) {
		c := newConversation(t, NewMemoryStore(), "it")
		replies, s := turnAll(t, c, now, append(toActWait, press(dialogs.ActCalendar, ""))...)
		if s.Step != dialogs.StepActWaiting {
			t.Errorf("step %s, want to stay at %s", s.Step, dialogs.StepActWaiting)
		}
		r := onlyDocument(t, replies)
		if r.Document.Name != "pec-attivazione.ics" {
			t.Errorf("file name %q", r.Document.Name)
		}
		if !strings.Contains(r.Document.Caption, "venerdì 8 ottobre 2027") {
			t.Errorf("caption %q does not say the day", r.Document.Caption)
		}
		if !hasButton(r, "📅 Aggiungi al calendario") || !hasButton(r, "Sì, è arrivata") {
			t.Errorf("buttons %+v: want the step's, the calendar one included", r.Buttons)
		}
		cal := parseICS(t, r.Document.Data)
		if len(cal.subs) != 1 {
			t.Fatalf("%d events, want 1", len(cal.subs))
		}
		ev := cal.subs[0].props
		for name, want := range map[string]string{
			"UID": "activation-20271008@pecbot", "DTSTAMP": "20270930T080000Z",
			"DTSTART;VALUE=DATE": "20271008", "DTEND;VALUE=DATE": "20271009",
			"SUMMARY": "PEC: dovrebbe arrivare l'e-mail con i dati di accesso",
		} {
			if ev[name] != want {
				t.Errorf("%s = %q, want %q", name, ev[name], want)
			}
		}
		desc := ev["DESCRIPTION"]
		for _, want := range []string{"giovedì 30 settembre 2027", facts.HelpPhone, "\n"} {
			if !strings.Contains(desc, want) {
				t.Errorf("DESCRIPTION %q lacks %q", desc, want)
			}
		}
		if strings.ContainsAny(desc, "<>") || strings.Contains(desc, "&") {
			t.Errorf("DESCRIPTION %q has markup or entities", desc)
		}
		if !strings.Contains(r.Document.Caption, "\nUsi Google Calendar? Aggiungi: <a href=") {
			t.Errorf("caption %q does not end with the Google Calendar line", r.Document.Caption)
		}
		checkGoogleLinks(t, r.Document.Caption, r.Document.Data, "attivazione prevista")
		if l := googleLinks(t, r.Document.Caption); len(l) == 1 && l[0].query.Get("dates") != "20271008/20271009" {
			t.Errorf("dates = %q, want 20271008/20271009", l[0].query.Get("dates"))
		}
	})

	t.Run("renewal, English: expiry and last day in one file", func(t *testing.T) {
		c := newConversation(t, NewMemoryStore(), "en")
		replies, s := turnAll(t, c, now, append(toRenew("15/12/2027"), press(dialogs.ActCalendar, ""))...)
		if s.Step != dialogs.StepRenew {
			t.Errorf("step %s, want to stay at %s", s.Step, dialogs.StepRenew)
		}
		r := onlyDocument(t, replies)
		if r.Document.Name != "pec-renewal.ics" || !hasButton(r, "📅 Add to calendar") {
			t.Errorf("file name %q, buttons %+v", r.Document.Name, r.Buttons)
		}
		cal := parseICS(t, r.Document.Data)
		var got []string
		for _, ev := range cal.subs {
			got = append(got, ev.props["UID"]+" "+ev.props["DTSTART;VALUE=DATE"]+" "+ev.props["SUMMARY"])
			if !strings.Contains(ev.props["DESCRIPTION"], facts.Code) {
				t.Errorf("%s: DESCRIPTION %q lacks the convention code", ev.props["UID"], ev.props["DESCRIPTION"])
			}
		}
		want := []string{
			"expiry-20271215@pecbot 20271215 PEC expires: renew it",
			"last-day-20280314@pecbot 20280314 PEC: last day to renew it",
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("events %q, want %q", got, want)
		}
		if !strings.Contains(r.Document.Caption, "\nUsing Google Calendar? Add: <a href=") {
			t.Errorf("caption %q does not end with the Google Calendar line", r.Document.Caption)
		}
		checkGoogleLinks(t, r.Document.Caption, r.Document.Data, "expiry", "last day to renew")
	})

	t.Run("the button's label typed instead of tapped", func(t *testing.T) {
		c := newConversation(t, NewMemoryStore(), "it")
		replies, _ := turnAll(t, c, now, append(toActWait, dialogs.Event{Kind: dialogs.Text, Text: "Aggiungi al calendario"})...)
		if r := onlyDocument(t, replies); r.Document.Name != "pec-attivazione.ics" {
			t.Errorf("file name %q", r.Document.Name)
		}
	})

	t.Run("renewal already expired: the last day only", func(t *testing.T) {
		c := newConversation(t, NewMemoryStore(), "it")
		replies, _ := turnAll(t, c, now, append(toRenew("1/9/2027"), press(dialogs.ActCalendar, ""))...)
		r := onlyDocument(t, replies)
		cal := parseICS(t, r.Document.Data)
		if len(cal.subs) != 1 || cal.subs[0].props["DTSTART;VALUE=DATE"] != "20271130" {
			t.Errorf("events %+v, want the last day, 30 November 2027, only", cal.subs)
		}
		if strings.Contains(r.Document.Caption, "scadenza della PEC") {
			t.Errorf("caption %q speaks of the expiry, which is past", r.Document.Caption)
		}
		checkGoogleLinks(t, r.Document.Caption, r.Document.Data, "ultimo giorno per rinnovare")
	})

	t.Run("the same event the next day: the same UID, a new stamp", func(t *testing.T) {
		c := newConversation(t, NewMemoryStore(), "it")
		first, s := turnAll(t, c, now, append(toActWait, press(dialogs.ActCalendar, ""))...)
		raw, err := dialogs.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Turn(raw, dialogs.Event{Kind: dialogs.Press, Action: dialogs.ActCalendar, From: s.Step}, now.Add(26*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		again := onlyDocument(t, out.Replies)
		a, b := parseICS(t, first[0].Document.Data).subs[0].props, parseICS(t, again.Document.Data).subs[0].props
		if a["UID"] != b["UID"] || a["DTSTAMP"] == b["DTSTAMP"] {
			t.Errorf("UIDs %q, %q; stamps %q, %q", a["UID"], b["UID"], a["DTSTAMP"], b["DTSTAMP"])
		}
	})
}

func hasButton(r Reply, label string) bool {
	for _, row := range r.Buttons {
		for _, b := range row {
			if b.Label == label {
				return true
			}
		}
	}
	return false
}

// calendarItem plays events from a fresh member speaking lang and returns
// the outbox item of the last reply, which must carry a calendar file.
func calendarItem(t *testing.T, lang string, evs ...dialogs.Event) Outgoing {
	t.Helper()
	c := newConversation(t, NewMemoryStore(), lang)
	replies, _ := turnAll(t, c, time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t)), evs...)
	queued, err := outboxOf(replies, "", KindReply)
	if err != nil {
		t.Fatal(err)
	}
	items := queued.Raw
	var it Outgoing
	if err := json.Unmarshal(items[0], &it); err != nil || it.Doc == nil || !bytes.Equal(it.Doc.Data, replies[0].Document.Data) {
		t.Fatalf("the outbox item %s does not carry the document (%v)", items[0], err)
	}
	return it
}

// The member presses "📅 Add to calendar" and, over HTTP, the fake Bot API
// receives the file as an upload named *.ics, the caption under it in HTML
// (which it parses as Telegram does: the links to Google Calendar included),
// and the step's buttons: the outbox item carries the document through
// Redis.
func TestSenderSendsCalendarFile(t *testing.T) {
	const chat = 120
	r := newSenderRig(t, nil)
	r.queue(t, chat, calendarItem(t, "it", append(toActWait, press(dialogs.ActCalendar, ""))...))

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	docs := r.fake.Documents(chat)
	if len(docs) != 1 {
		t.Fatalf("%d documents sent, want 1 (calls %+v)", len(docs), r.fake.CallsOf("sendDocument"))
	}
	doc := docs[0]
	if !strings.HasSuffix(doc.Upload.Filename, ".ics") || doc.Upload.Filename != "pec-attivazione.ics" {
		t.Errorf("file name %q, want pec-attivazione.ics", doc.Upload.Filename)
	}
	cal := parseICS(t, doc.Upload.Data)
	if len(cal.subs) != 1 || cal.subs[0].props["DTSTART;VALUE=DATE"] != "20271008" {
		t.Errorf("events %+v, want one on 8 October 2027", cal.subs)
	}
	if doc.ParseMode != "HTML" || !strings.Contains(doc.Plain, "venerdì 8 ottobre 2027") || strings.Contains(doc.Plain, "<b>") {
		t.Errorf("caption %q (plain %q, parse mode %q)", doc.Caption, doc.Plain, doc.ParseMode)
	}
	if !strings.HasSuffix(doc.Plain, "\nUsi Google Calendar? Aggiungi: attivazione prevista") || strings.Contains(doc.Plain, "calendar.google.com") {
		t.Errorf("caption as the member sees it %q: want the link's words at the end, not its address", doc.Plain)
	}
	checkGoogleLinks(t, doc.Caption, doc.Upload.Data, "attivazione prevista")
	if len(doc.Buttons) == 0 || doc.Buttons[len(doc.Buttons)-1][1].Text != "🏠 Menu" {
		t.Errorf("buttons %+v, want the step's under the file", doc.Buttons)
	}
	if sent := r.fake.Sent(chat); len(sent) != 0 {
		t.Errorf("text messages sent as well: %q", plains(sent))
	}
	r.settled(t, chat)

	// The renewal file, in English: two links, the caption longer than
	// 1024 characters as sent but not as Telegram counts it (the addresses
	// do not count), so still a caption.
	const chatEn = 122
	it := calendarItem(t, "en", append(toRenew("15/12/2027"), press(dialogs.ActCalendar, ""))...)
	if it.Text != "" || utf16Len(it.Doc.Caption) <= maxCaptionLen {
		t.Errorf("text %q, caption of %d units as sent: want a caption, longer than %d with its addresses",
			it.Text, utf16Len(it.Doc.Caption), maxCaptionLen)
	}
	r.queue(t, chatEn, it)
	if err := r.sender.Deliver(t.Context(), chatEn); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	docs = r.fake.Documents(chatEn)
	if len(docs) != 1 {
		t.Fatalf("%d documents sent, want 1 (calls %+v)", len(docs), r.fake.CallsOf("sendDocument"))
	}
	if !strings.HasSuffix(docs[0].Plain, "\nUsing Google Calendar? Add: expiry, last day to renew") || utf16Len(docs[0].Plain) > maxCaptionLen {
		t.Errorf("caption as the member sees it %q", docs[0].Plain)
	}
	checkGoogleLinks(t, docs[0].Caption, docs[0].Upload.Data, "expiry", "last day to renew")
	r.settled(t, chatEn)
}

// A failed upload is retried whole (the data is read afresh); a text too
// long for a caption follows the file, with the buttons under it.
func TestSenderDocumentRetryAndText(t *testing.T) {
	const chat = 121
	r := newSenderRig(t, nil)
	data := writeICS([]icsEvent{{UID: eventUID("activation", civil(2027, 10, 8)), Date: civil(2027, 10, 8), Summary: "s", Description: "d"}},
		time.Date(2027, 9, 30, 8, 0, 0, 0, time.UTC))
	buttons := [][]ReplyButton{{{Label: "OK", Data: "1|act_wait|arrived|"}}}
	long := strings.Repeat("<b>Lungo</b> ", maxCaptionLen/6)
	r.queue(t, chat,
		Outgoing{Doc: &Document{Name: "pec-attivazione.ics", Data: data, Caption: "<i>Apri</i> il file"}},
		Outgoing{Doc: &Document{Name: "pec-rinnovo.ics", Data: data}, Text: long, Buttons: buttons})
	r.fake.Fail("sendDocument", 1, telegramtest.ServerError())

	if err := r.sender.Deliver(t.Context(), chat); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := fmt.Sprint(statuses(r.fake.CallsOf("sendDocument"))); got != "[500 200 200]" {
		t.Errorf("sendDocument answers %s, want [500 200 200]", got)
	}
	docs := r.fake.Documents(chat)
	if len(docs) != 2 || !bytes.Equal(docs[0].Upload.Data, data) || !bytes.Equal(docs[1].Upload.Data, data) {
		t.Fatalf("documents %+v, want both files whole", docs)
	}
	if docs[0].Plain != "Apri il file" || docs[0].Buttons != nil {
		t.Errorf("first file: caption %q, buttons %+v", docs[0].Plain, docs[0].Buttons)
	}
	if docs[1].Caption != "" || docs[1].Buttons != nil {
		t.Errorf("second file: caption %q, buttons %+v; want neither (they go with the text)", docs[1].Caption, docs[1].Buttons)
	}
	sent := r.fake.Sent(chat)
	if len(sent) != 1 || !strings.HasPrefix(sent[0].Plain, "Lungo Lungo") || len(sent[0].Buttons) != 1 {
		t.Errorf("the text after the file: %+v, want it once, with the buttons", sent)
	}
	r.settled(t, chat)
}
