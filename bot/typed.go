package bot

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
)

// understand turns free text into the event a member meant, when that is
// clear: a button's label typed instead of tapped ("sì, è arrivata", or just
// "sì" when only one button starts so), or a command word without its slash
// ("menu", "aiuto"). Anything else stays text, for the dialog to read as a
// date or to answer with a hint.
func (c *Conversation) understand(s dialogs.State, text string, buttons [][]dialogs.Button) dialogs.Event {
	typed := fold(text)
	if typed == "" {
		return dialogs.Event{Kind: dialogs.Text, Text: text}
	}
	if name, ok := dialogs.CommandFor(typed); ok {
		return dialogs.Event{Kind: dialogs.Command, Name: name}
	}
	var found []dialogs.Button
	for _, row := range buttons {
		for _, b := range row {
			label, err := c.Texts.Render(s.Lang, b.Label, b.LabelArgs)
			if err != nil {
				continue
			}
			l := fold(locales.PlainText(label))
			if l == typed {
				found = []dialogs.Button{b}
				break
			}
			if strings.HasPrefix(l, typed+" ") {
				found = append(found, b)
			}
		}
	}
	if len(found) != 1 {
		return dialogs.Event{Kind: dialogs.Text, Text: text}
	}
	return dialogs.Event{Kind: dialogs.Press, Action: found[0].Action, Arg: found[0].Arg, From: s.Step}
}

// foldAccents drops accents: "sì" and "si" are the same answer. A chain
// keeps state and buffers between calls: each call takes one of its own
// from the pool, since members type at once.
var foldAccents = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// fold reduces a text to lower-case letters and digits separated by single
// spaces, without accents, emoji or punctuation.
func fold(s string) string {
	s = strings.ToLower(s)
	if !isASCII(s) { // ASCII has no accents to drop
		t := foldAccents.Get().(transform.Transformer)
		folded, _, err := transform.String(t, s)
		foldAccents.Put(t) // String resets it before use
		if err != nil {
			return ""
		}
		s = folded
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
