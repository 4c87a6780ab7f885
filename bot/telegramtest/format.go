package telegramtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// entity is a MessageEntity; offsets and lengths count UTF-16 code units.
type entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// utf16Len counts the UTF-16 code units of s, as Telegram counts lengths.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // RuneError (invalid UTF-8) counts 1
	}
	return n
}

// parseError is an error of entity parsing, reported by Telegram as
// "Bad Request: can't parse entities: <message>".
type parseError string

func (e parseError) Error() string { return string(e) }

func parseErrorf(format string, args ...any) error {
	return parseError(fmt.Sprintf(format, args...))
}

// parseText parses text in the given parse mode and returns the text as the
// user sees it and its entities. An empty mode means plain text.
func parseText(text, mode string) (string, []entity, error) {
	switch strings.ToLower(mode) {
	case "":
		return text, nil, nil
	case "html":
		return parseHTML(text)
	case "markdownv2":
		return parseMarkdownV2(text)
	case "markdown":
		return parseMarkdown(text)
	}
	return "", nil, fmt.Errorf("unsupported parse_mode")
}

// textBuilder accumulates parsed text and counts its UTF-16 length.
type textBuilder struct {
	b   strings.Builder
	u16 int
}

func (t *textBuilder) add(s string) {
	t.b.WriteString(s)
	t.u16 += utf16Len(s)
}

func (t *textBuilder) addRune(r rune) {
	t.b.WriteRune(r)
	t.u16 += utf16.RuneLen(r)
}

func sortEntities(es []entity) []entity {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Offset != es[j].Offset {
			return es[i].Offset < es[j].Offset
		}
		return es[i].Length > es[j].Length
	})
	return es
}

// htmlTags are the tags Telegram's HTML parse mode supports, with the entity
// type each one makes.
var htmlTags = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type openTag struct {
	name  string
	start int // UTF-16 offset in the parsed text
	ent   entity
}

// parseHTML parses Telegram's HTML parse mode. It is stricter than Telegram
// in one way, following the Bot API documentation: every &, < and > that is
// not part of a tag or an entity must be escaped (Telegram tolerates a bare &
// or > that cannot be misread).
func parseHTML(s string) (string, []entity, error) {
	var out textBuilder
	var stack []openTag
	var ents []entity
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '&':
			r, n := htmlEntity(s[i:])
			if n == 0 {
				end := strings.IndexAny(s[i+1:], "; \t\n<&")
				if end > 0 && s[i+1+end] == ';' && end < 12 {
					return "", nil, parseErrorf("Unsupported HTML entity %q at byte offset %d", s[i:i+end+2], i)
				}
				return "", nil, parseErrorf("Character '&' at byte offset %d must be escaped as &amp;", i)
			}
			out.addRune(r)
			i += n
		case '>':
			return "", nil, parseErrorf("Character '>' at byte offset %d must be escaped as &gt;", i)
		case '<':
			end := tagEnd(s, i)
			if end < 0 {
				return "", nil, parseErrorf("Unclosed start tag at byte offset %d", i)
			}
			if strings.HasPrefix(s[i:], "</") {
				name := strings.ToLower(strings.TrimSpace(s[i+2 : end]))
				if len(stack) == 0 {
					return "", nil, parseErrorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return "", nil, parseErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				e := top.ent
				e.Offset, e.Length = top.start, out.u16-top.start
				if top.name == "code" && e.Language != "" && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
					// <pre><code class="language-x">: one pre entity with a language.
					stack[len(stack)-1].ent.Language = e.Language
				} else if e.Length > 0 {
					e.Language = ifElse(e.Type == "pre", e.Language, "")
					ents = append(ents, e)
				}
				i = end + 1
				continue
			}
			tag, err := parseStartTag(s, i, end)
			if err != nil {
				return "", nil, err
			}
			tag.start = out.u16
			stack = append(stack, tag)
			i = end + 1
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			out.addRune(r)
			i += n
		}
	}
	if len(stack) > 0 {
		return "", nil, parseErrorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	return out.b.String(), sortEntities(ents), nil
}

func ifElse[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// tagEnd finds the '>' closing the tag starting at s[i] == '<', skipping
// quoted attribute values, or returns -1.
func tagEnd(s string, i int) int {
	var quote byte
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j
		case c == '<':
			return -1
		}
	}
	return -1
}

// parseStartTag parses the start tag s[i:end+1] and checks it against
// Telegram's rules.
func parseStartTag(s string, i, end int) (openTag, error) {
	body := s[i+1 : end]
	n := 0
	for n < len(body) && (isAlnum(body[n]) || body[n] == '-') {
		n++
	}
	name := strings.ToLower(body[:n])
	typ, ok := htmlTags[name]
	if !ok {
		return openTag{}, parseErrorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
	}
	attrs, err := parseAttrs(body[n:], name, i)
	if err != nil {
		return openTag{}, err
	}
	t := openTag{name: name, ent: entity{Type: typ}}
	switch name {
	case "a":
		href, ok := attrs["href"]
		if !ok || strings.TrimSpace(href) == "" {
			return openTag{}, parseErrorf("Tag \"a\" at byte offset %d must have a non-empty href attribute", i)
		}
		t.ent.URL = href
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return openTag{}, parseErrorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", i)
		}
	case "code":
		if lang, ok := strings.CutPrefix(attrs["class"], "language-"); ok {
			t.ent.Language = lang
		}
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			t.ent.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		id := attrs["emoji-id"]
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return openTag{}, parseErrorf("Custom emoji entity must contain a valid custom emoji identifier at byte offset %d", i)
		}
		t.ent.CustomEmojiID = id
	}
	return t, nil
}

// parseAttrs parses `name="value" name='value' name=value name` attributes.
func parseAttrs(s, tag string, offset int) (map[string]string, error) {
	attrs := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return attrs, nil
		}
		n := 0
		for n < len(s) && (isAlnum(s[n]) || s[n] == '-' || s[n] == '_') {
			n++
		}
		if n == 0 {
			return nil, parseErrorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag, offset)
		}
		name := strings.ToLower(s[:n])
		s = strings.TrimLeft(s[n:], " \t\r\n")
		if !strings.HasPrefix(s, "=") {
			attrs[name] = ""
			continue
		}
		s = strings.TrimLeft(s[1:], " \t\r\n")
		var raw string
		if s != "" && (s[0] == '"' || s[0] == '\'') {
			j := strings.IndexByte(s[1:], s[0])
			if j < 0 {
				return nil, parseErrorf("Unclosed attribute value in the tag \"%s\" at byte offset %d", tag, offset)
			}
			raw, s = s[1:1+j], s[2+j:]
		} else {
			j := strings.IndexAny(s, " \t\r\n")
			if j < 0 {
				j = len(s)
			}
			raw, s = s[:j], s[j:]
		}
		val, err := unescapeAttr(raw, tag, offset)
		if err != nil {
			return nil, err
		}
		attrs[name] = val
	}
}

func unescapeAttr(s, tag string, offset int) (string, error) {
	if !strings.Contains(s, "&") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			r, n := htmlEntity(s[i:])
			if n == 0 {
				return "", parseErrorf("Character '&' in an attribute of the tag \"%s\" at byte offset %d must be escaped as &amp;", tag, offset)
			}
			b.WriteRune(r)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), nil
}

// htmlEntity decodes the entity at the start of s (&lt; &gt; &amp; &quot; and
// numeric ones, the only ones Telegram supports) and returns the rune and the
// number of bytes it takes, or 0 bytes if s does not start with one.
func htmlEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return 0, 0
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if len(num) > 0 && (num[0] == 'x' || num[0] == 'X') {
			num, base = num[1:], 16
		}
		n, err := strconv.ParseUint(num, base, 32)
		if err != nil || n == 0 || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
			return 0, 0
		}
		return rune(n), end + 1
	}
	return 0, 0
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

type mdOpen struct {
	typ    string
	offset int // byte offset of the entity's start in the source
	start  int // UTF-16 offset in the parsed text
	pos    int // byte offset in the parsed text (for links without a URL)
	lang   string
}

// parseMarkdownV2 parses Telegram's MarkdownV2 parse mode, following the
// algorithm of TDLib's parse_markdown_v2, including its error messages.
func parseMarkdownV2(s string) (string, []entity, error) {
	var out textBuilder
	var stack []mdOpen
	var ents []entity
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	lineStart := true
	quote := -1 // UTF-16 start of the current blockquote, or -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		wasLineStart := lineStart
		lineStart = false
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			out.add(s[i : i+1])
			lineStart = s[i] == '\n'
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!"
		inCode := len(stack) > 0 && (stack[len(stack)-1].typ == "code" || stack[len(stack)-1].typ == "pre")
		if inCode {
			reserved = "`"
		}
		if c == '>' && wasLineStart && len(stack) == 0 {
			// A quoted line; consecutive ones make one blockquote.
			if quote < 0 {
				quote = out.u16
			}
			continue
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			if c == '\n' {
				lineStart = true
				if quote >= 0 && at(i+1) != '>' && len(stack) == 0 {
					if out.u16 > quote {
						ents = append(ents, entity{Type: "blockquote", Offset: quote, Length: out.u16 - quote})
					}
					quote = -1
				}
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			out.addRune(r)
			i += n - 1
			continue
		}
		isEnd := false
		if len(stack) > 0 {
			switch stack[len(stack)-1].typ {
			case "bold":
				isEnd = c == '*'
			case "italic":
				isEnd = c == '_' && at(i+1) != '_'
			case "code":
				isEnd = c == '`'
			case "pre":
				isEnd = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case "text_link", "custom_emoji":
				isEnd = c == ']'
			case "underline":
				isEnd = c == '_' && at(i+1) == '_'
			case "strikethrough":
				isEnd = c == '~'
			case "spoiler":
				isEnd = c == '|' && at(i+1) == '|'
			}
		}
		if !isEnd {
			o := mdOpen{offset: i}
			switch c {
			case '_':
				if at(i+1) == '_' {
					o.typ = "underline"
					i++
				} else {
					o.typ = "italic"
				}
			case '*':
				o.typ = "bold"
			case '~':
				o.typ = "strikethrough"
			case '|':
				if at(i+1) != '|' {
					return "", nil, parseErrorf("Character '|' is reserved and must be escaped with the preceding '\\'")
				}
				i++
				o.typ = "spoiler"
			case '[':
				o.typ = "text_link"
			case '`':
				if at(i+1) == '`' && at(i+2) == '`' {
					i += 3
					o.typ = "pre"
					j := i
					for j < len(s) && !isSpace(s[j]) && s[j] != '`' {
						j++
					}
					if j != i && j < len(s) && s[j] != '`' {
						o.lang = s[i:j]
						i = j
					}
					if at(i) == '\n' || at(i) == '\r' {
						if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
							i += 2
						} else {
							i++
						}
					}
					i--
				} else {
					o.typ = "code"
				}
			case '!':
				if at(i+1) == '[' {
					i++
					o.typ = "custom_emoji"
					break
				}
				fallthrough
			default:
				return "", nil, parseErrorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
			}
			o.start, o.pos = out.u16, out.b.Len()
			stack = append(stack, o)
			continue
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := entity{Type: top.typ, Offset: top.start, Length: out.u16 - top.start}
		switch top.typ {
		case "underline", "spoiler":
			i++
		case "pre":
			i += 2
			e.Language = top.lang
		case "text_link":
			if at(i+1) != '(' {
				e.URL = out.b.String()[top.pos:]
			} else {
				i += 2
				begin := i
				var u strings.Builder
				for i < len(s) && s[i] != ')' {
					if s[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
						u.WriteByte(s[i+1])
						i += 2
						continue
					}
					u.WriteByte(s[i])
					i++
				}
				if at(i) != ')' {
					return "", nil, parseErrorf("Can't find end of a URL at byte offset %d", begin)
				}
				e.URL = u.String()
			}
		case "custom_emoji":
			if at(i+1) != '(' {
				return "", nil, parseErrorf("Custom emoji entity must contain a tg://emoji URL")
			}
			i += 2
			begin := i
			for i < len(s) && s[i] != ')' {
				i++
			}
			if at(i) != ')' {
				return "", nil, parseErrorf("Can't find end of a custom emoji URL at byte offset %d", begin)
			}
			id, ok := strings.CutPrefix(s[begin:i], "tg://emoji?id=")
			if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
				return "", nil, parseErrorf("Custom emoji URL must have an emoji identifier")
			}
			e.CustomEmojiID = id
		}
		if e.Length > 0 && (e.Type != "text_link" || e.URL != "") {
			ents = append(ents, e)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", nil, parseErrorf("Can't find end of %s entity at byte offset %d", mdTypeName(top.typ), top.offset)
	}
	if quote >= 0 && out.u16 > quote {
		ents = append(ents, entity{Type: "blockquote", Offset: quote, Length: out.u16 - quote})
	}
	return out.b.String(), sortEntities(ents), nil
}

func mdTypeName(typ string) string {
	switch typ {
	case "bold":
		return "Bold"
	case "italic":
		return "Italic"
	case "underline":
		return "Underline"
	case "strikethrough":
		return "Strikethrough"
	case "spoiler":
		return "Spoiler"
	case "code":
		return "Code"
	case "pre":
		return "Pre"
	case "text_link":
		return "TextUrl"
	case "custom_emoji":
		return "CustomEmoji"
	}
	return typ
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// parseMarkdown parses Telegram's legacy Markdown parse mode, following
// TDLib's parse_markdown.
func parseMarkdown(s string) (string, []entity, error) {
	var out textBuilder
	var ents []entity
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && (at(i+1) == '_' || at(i+1) == '*' || at(i+1) == '`' || at(i+1) == '[') {
			i++
			out.add(s[i : i+1])
			continue
		}
		if c != '_' && c != '*' && c != '`' && c != '[' {
			r, n := utf8.DecodeRuneInString(s[i:])
			out.addRune(r)
			i += n - 1
			continue
		}
		begin := i
		endChar := c
		if c == '[' {
			endChar = ']'
		}
		i++
		isPre := false
		lang := ""
		if c == '`' && at(i) == '`' && at(i+1) == '`' {
			i += 2
			isPre = true
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '`' {
				j++
			}
			if j != i && j < len(s) && s[j] != '`' {
				lang = s[i:j]
				i = j
			}
			if at(i) == '\n' || at(i) == '\r' {
				if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
					i += 2
				} else {
					i++
				}
			}
		}
		start := out.u16
		textStart := out.b.Len()
		for i < len(s) && (s[i] != endChar || (isPre && !(at(i+1) == '`' && at(i+2) == '`'))) {
			r, n := utf8.DecodeRuneInString(s[i:])
			out.addRune(r)
			i += n
		}
		if i == len(s) {
			return "", nil, parseErrorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		e := entity{Offset: start, Length: out.u16 - start}
		switch {
		case isPre:
			e.Type, e.Language = "pre", lang
			i += 2
		case c == '_':
			e.Type = "italic"
		case c == '*':
			e.Type = "bold"
		case c == '`':
			e.Type = "code"
		case c == '[':
			e.Type = "text_link"
			if at(i+1) == '(' {
				i += 2
				j := strings.IndexByte(s[i:], ')')
				if j < 0 {
					return "", nil, parseErrorf("Can't find end of a URL at byte offset %d", i)
				}
				e.URL = s[i : i+j]
				i += j
			} else {
				e.URL = out.b.String()[textStart:]
			}
		}
		if e.Length > 0 && (e.Type != "text_link" || e.URL != "") {
			ents = append(ents, e)
		}
	}
	return out.b.String(), sortEntities(ents), nil
}
