package telegramtest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// apiError is an answer {"ok":false,...}.
type apiError struct {
	status      int
	description string
	retryAfter  int
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// formatted is a text after entity parsing.
type formatted struct {
	raw       string // as sent
	parseMode string
	plain     string   // as the user sees it
	entities  []entity // parsed from parse_mode, or nil
	explicit  any      // the entities parameter, when given instead of parse_mode
}

func (f formatted) entitiesJSON() any {
	if f.explicit != nil {
		return f.explicit
	}
	if len(f.entities) == 0 {
		return nil
	}
	return f.entities
}

// checkText parses and checks a text (or caption) parameter: well-formed in
// its parse mode and min..max UTF-16 code units long after entity parsing.
// what names it in error messages: "message text" or "message caption".
func checkText(p map[string]any, field, entitiesField string, min, max int) (formatted, *apiError) {
	what := "message text"
	tooLong := "message is too long"
	if field == "caption" {
		what, tooLong = "message caption", "message caption is too long"
	}
	var f formatted
	raw, isStr := p[field].(string)
	if v := p[field]; v != nil && !isStr {
		raw = fmt.Sprint(v)
	}
	f.raw = raw
	f.parseMode, _ = str(p, "parse_mode")
	if !utf8.ValidString(raw) {
		return f, badRequest("%s must be encoded in UTF-8", field)
	}
	if ents, ok := p[entitiesField]; ok && ents != nil {
		if _, ok := ents.([]any); !ok {
			return f, badRequest("can't parse entities JSON object")
		}
		f.plain, f.explicit = raw, ents
	} else {
		plain, ents, err := parseText(raw, f.parseMode)
		if err != nil {
			if _, ok := err.(parseError); ok {
				return f, badRequest("can't parse entities: %v", err)
			}
			return f, badRequest("%v", err)
		}
		f.plain, f.entities = plain, ents
	}
	n := utf16Len(strings.TrimFunc(f.plain, unicode.IsSpace))
	if n == 0 && min > 0 {
		return f, badRequest("%s is empty", what)
	}
	if n > max {
		return f, badRequest("%s", tooLong)
	}
	return f, nil
}

// buttonActions are the optional fields of InlineKeyboardButton of which a
// button must use exactly one (text, icon_custom_emoji_id and style aside).
var buttonActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// checkReplyMarkup checks a reply_markup parameter; inlineOnly for the
// editMessage* methods, which take an InlineKeyboardMarkup only.
func checkReplyMarkup(v any, inlineOnly bool) *apiError {
	m, ok := v.(map[string]any)
	if !ok {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	ik, ok := m["inline_keyboard"]
	if !ok {
		if inlineOnly && len(m) > 0 {
			return badRequest("inline keyboard expected")
		}
		if kb, ok := m["keyboard"]; ok {
			rows, ok := kb.([]any)
			if !ok {
				return badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
			}
			for _, row := range rows {
				btns, ok := row.([]any)
				if !ok {
					return badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays")
				}
				for _, b := range btns {
					switch b := b.(type) {
					case string:
					case map[string]any:
						if _, ok := b["text"].(string); !ok {
							return badRequest("can't parse keyboard button: Field \"text\" must be of type String")
						}
					default:
						return badRequest("can't parse keyboard button: KeyboardButton must be a String or an Object")
					}
				}
			}
		}
		return nil
	}
	rows, ok := ik.([]any)
	if !ok {
		return badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
	}
	for _, row := range rows {
		btns, ok := row.([]any)
		if !ok {
			return badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
		}
		for _, b := range btns {
			bm, ok := b.(map[string]any)
			if !ok {
				return badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
			}
			if e := checkButton(bm); e != nil {
				return e
			}
		}
	}
	return nil
}

func checkButton(b map[string]any) *apiError {
	bad := func(format string, args ...any) *apiError {
		return badRequest("can't parse inline keyboard button: "+format, args...)
	}
	if _, ok := b["text"].(string); !ok {
		return bad("Field \"text\" must be of type String")
	}
	if st, ok := b["style"]; ok && st != nil {
		if s, _ := st.(string); s != "danger" && s != "success" && s != "primary" {
			return bad("Field \"style\" must be one of \"danger\", \"success\" or \"primary\"")
		}
	}
	var used []string
	for _, k := range buttonActions {
		v, ok := b[k]
		if !ok || v == nil || (k == "pay" && v == false) {
			continue
		}
		used = append(used, k)
	}
	// Check the fields' contents first: a present-but-empty copy_text (as
	// go-telegram/bot's models.InlineKeyboardButton always sends) is the
	// likelier mistake, and the more useful message.
	for _, k := range used {
		v := b[k]
		switch k {
		case "copy_text":
			ct, ok := v.(map[string]any)
			text, _ := ct["text"].(string)
			if !ok || text == "" || utf16Len(text) > 256 {
				return bad("Field \"copy_text\" must be a CopyTextButton with a text of 1-256 characters, got %s", compactJSON(v))
			}
		case "callback_data":
			s, ok := v.(string)
			if !ok || len(s) == 0 || len(s) > 64 {
				return badRequest("BUTTON_DATA_INVALID")
			}
		case "url":
			if s, ok := v.(string); !ok || strings.TrimSpace(s) == "" {
				return badRequest("BUTTON_URL_INVALID")
			}
		case "web_app", "login_url":
			o, ok := v.(map[string]any)
			if s, _ := o["url"].(string); !ok || s == "" {
				return bad("Field \"%s\" must be an Object with a non-empty url", k)
			}
		case "switch_inline_query", "switch_inline_query_current_chat":
			if _, ok := v.(string); !ok {
				return bad("Field \"%s\" must be of type String", k)
			}
		case "switch_inline_query_chosen_chat", "callback_game":
			if _, ok := v.(map[string]any); !ok {
				return bad("Field \"%s\" must be an Object", k)
			}
		case "pay":
			if _, ok := v.(bool); !ok {
				return bad("Field \"pay\" must be of type Boolean")
			}
		}
	}
	switch len(used) {
	case 0:
		return bad("Text buttons are unallowed in the inline keyboard")
	case 1:
		return nil
	}
	sort.Strings(used)
	return bad("exactly one of the optional fields must be used, got %s", strings.Join(used, ", "))
}

// checkCommands checks the commands parameter of setMyCommands.
func checkCommands(v any) *apiError {
	cmds, ok := v.([]any)
	if !ok {
		return badRequest("parameter \"commands\" is required and must be an Array of BotCommand")
	}
	if len(cmds) > 100 {
		return badRequest("too many commands specified")
	}
	for _, c := range cmds {
		m, _ := c.(map[string]any)
		cmd, _ := m["command"].(string)
		desc, _ := m["description"].(string)
		if n := utf8.RuneCountInString(cmd); n < 1 || n > 32 || strings.Trim(cmd, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(desc)); n < 1 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	return nil
}

// checkChatID checks a chat_id (or from_chat_id) parameter and returns the
// numeric id, or 0 for a @username.
func checkChatID(p map[string]any, field string) (int64, *apiError) {
	v, ok := p[field]
	switch v := v.(type) {
	case int64:
		if v == 0 {
			return 0, badRequest("chat not found")
		}
		return v, nil
	case string:
		if v == "" {
			return 0, badRequest("%s is empty", field)
		}
		if strings.HasPrefix(v, "@") && len(v) > 1 {
			return 0, nil
		}
		return 0, badRequest("chat not found")
	case nil:
		if ok {
			return 0, badRequest("chat not found")
		}
		return 0, badRequest("%s is empty", field)
	}
	return 0, badRequest("chat not found")
}
