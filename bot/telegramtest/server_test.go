package telegramtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
)

const token = "123456:TEST-token_abc"

// answer is a decoded Bot API answer.
type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func do(t *testing.T, req *http.Request) (int, answer, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if a.OK != (resp.StatusCode == http.StatusOK) || (!a.OK && a.ErrorCode != resp.StatusCode) {
		t.Errorf("status %d with answer %s", resp.StatusCode, body)
	}
	return resp.StatusCode, a, string(body)
}

// postJSON calls method with a JSON body.
func postJSON(t *testing.T, s *telegramtest.Server, method string, params any) (int, answer, string) {
	t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/bot"+token+"/"+method, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func mustOK(t *testing.T, s *telegramtest.Server, method string, params any, result any) {
	t.Helper()
	status, a, body := postJSON(t, s, method, params)
	if status != http.StatusOK || !a.OK {
		t.Fatalf("%s: %d %s", method, status, body)
	}
	if result != nil {
		if err := json.Unmarshal(a.Result, result); err != nil {
			t.Fatalf("%s result %s: %v", method, a.Result, err)
		}
	}
}

func TestGetMe(t *testing.T) {
	s := telegramtest.New(t, token)
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/bot"+token+"/getMe", nil)
	status, a, body := do(t, req)
	if status != 200 {
		t.Fatalf("getMe: %s", body)
	}
	var me struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
		Name     string `json:"first_name"`
	}
	json.Unmarshal(a.Result, &me)
	if me.ID != 123456 || !me.IsBot || me.Username != "pecbot_test" || me.Name == "" {
		t.Errorf("getMe = %+v", me)
	}
	if c := s.CallsOf("getMe"); len(c) != 1 || c[0].Status != 200 || c[0].At.IsZero() {
		t.Errorf("calls %+v", c)
	}
}

func TestTokenAndUnknownMethod(t *testing.T) {
	s := telegramtest.New(t, token)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/bot654321:other/getMe", nil)
	status, _, body := do(t, req)
	if status != 401 || body != `{"ok":false,"error_code":401,"description":"Unauthorized"}` {
		t.Errorf("wrong token: %d %s", status, body)
	}
	req, _ = http.NewRequest(http.MethodPost, s.URL()+"/bot"+token+"/sendMesage", nil)
	if status, a, _ := do(t, req); status != 404 || a.Description != "Not Found" {
		t.Errorf("unknown method: %d %+v", status, a)
	}
	// Method names are case-insensitive, as in the Bot API.
	req, _ = http.NewRequest(http.MethodGet, s.URL()+"/bot"+token+"/GETME", nil)
	if status, _, body := do(t, req); status != 200 {
		t.Errorf("GETME: %s", body)
	}
	calls := s.Calls()
	if len(calls) != 3 || calls[0].Rejected != "Unauthorized" || calls[1].Method != "sendMesage" ||
		calls[1].Status != 404 || calls[2].Method != "getMe" || calls[2].Rejected != "" {
		t.Errorf("calls %+v", calls)
	}
}

const keyboard = `{"inline_keyboard":[[{"text":"Yes","callback_data":"yes"},{"text":"Site","url":"https://example.org"}]]}`

// TestEncodings sends one sendMessage in each encoding a client may use and
// checks that the recorded parameters are the same.
func TestEncodings(t *testing.T) {
	s := telegramtest.New(t, token)
	endpoint := s.URL() + "/bot" + token + "/sendMessage"
	text := "<b>Hi</b> &amp; bye"

	jsonReq, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(
		`{"chat_id":42,"text":"<b>Hi</b> &amp; bye","parse_mode":"HTML","disable_notification":true,"reply_markup":`+keyboard+`}`))
	jsonReq.Header.Set("Content-Type", "application/json; charset=utf-8")

	// Telegram also accepts JSON-serialized objects and numbers as strings
	// in JSON bodies.
	quotedReq, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(
		`{"chat_id":"42","text":"<b>Hi</b> &amp; bye","parse_mode":"HTML","disable_notification":"true","reply_markup":`+
			mustQuote(keyboard)+`}`))
	quotedReq.Header.Set("Content-Type", "application/json")

	form := url.Values{"chat_id": {"42"}, "text": {text}, "parse_mode": {"HTML"},
		"disable_notification": {"true"}, "reply_markup": {keyboard}}
	formReq, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	formReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	var mp strings.Builder
	w := multipart.NewWriter(&mp)
	for _, k := range []string{"chat_id", "text", "parse_mode", "disable_notification", "reply_markup"} {
		w.WriteField(k, form.Get(k))
	}
	w.Close()
	mpReq, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(mp.String()))
	mpReq.Header.Set("Content-Type", w.FormDataContentType())

	getReq, _ := http.NewRequest(http.MethodGet, endpoint+"?"+form.Encode(), nil)

	for _, req := range []*http.Request{jsonReq, quotedReq, formReq, mpReq, getReq} {
		if status, _, body := do(t, req); status != 200 {
			t.Fatalf("%s %s: %s", req.Method, req.Header.Get("Content-Type"), body)
		}
	}
	want := map[string]any{
		"chat_id": int64(42), "text": text, "parse_mode": "HTML", "disable_notification": true,
		"reply_markup": map[string]any{"inline_keyboard": []any{[]any{
			map[string]any{"text": "Yes", "callback_data": "yes"},
			map[string]any{"text": "Site", "url": "https://example.org"},
		}}},
	}
	calls := s.CallsOf("sendMessage")
	for i, c := range calls {
		if !reflect.DeepEqual(c.Params, want) {
			t.Errorf("call %d params %#v", i, c.Params)
		}
	}
	sent := s.Sent(42)
	if len(sent) != 5 {
		t.Fatalf("sent %d", len(sent))
	}
	wantSent := telegramtest.Sent{
		Text: text, Plain: "Hi & bye", ParseMode: "HTML", MessageID: sent[0].MessageID,
		Buttons: [][]telegramtest.Button{{{Text: "Yes", CallbackData: "yes"}, {Text: "Site", URL: "https://example.org"}}},
	}
	if !reflect.DeepEqual(sent[0], wantSent) {
		t.Errorf("sent %+v", sent[0])
	}
	if sent[1].MessageID == sent[0].MessageID {
		t.Error("message ids are not fresh")
	}
}

// jsonEqual reports whether the JSON texts a and b encode the same value.
func jsonEqual(a json.RawMessage, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func mustQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestSendMessageAnswer(t *testing.T) {
	s := telegramtest.New(t, token)
	var msg struct {
		MessageID int `json:"message_id"`
		Date      int64
		Chat      struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		}
		From struct {
			IsBot bool `json:"is_bot"`
		}
		Text     string
		Entities []struct {
			Type           string
			Offset, Length int
			URL            string
		}
		ReplyMarkup json.RawMessage `json:"reply_markup"`
	}
	mustOK(t, s, "sendMessage", map[string]any{"chat_id": 7, "parse_mode": "HTML",
		"text": `😀 <a href="https://x.org/?a=1&amp;b=2">link</a>`, "reply_markup": json.RawMessage(keyboard)}, &msg)
	if msg.MessageID == 0 || msg.Date == 0 || msg.Chat.ID != 7 || msg.Chat.Type != "private" || !msg.From.IsBot ||
		msg.Text != "😀 link" || len(msg.Entities) != 1 || msg.Entities[0].Offset != 3 || msg.Entities[0].Length != 4 ||
		msg.Entities[0].URL != "https://x.org/?a=1&b=2" || !jsonEqual(msg.ReplyMarkup, keyboard) {
		t.Errorf("message %+v", msg)
	}
}

func TestValidation(t *testing.T) {
	s := telegramtest.New(t, token)
	button := func(b string) json.RawMessage {
		return json.RawMessage(`{"inline_keyboard":[[` + b + `]]}`)
	}
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   string // description; "" if accepted
	}{
		{"plain", map[string]any{"text": "a < b & c"}, ""},
		{"no chat", map[string]any{"chat_id": nil, "text": "x"}, "Bad Request: chat not found"},
		{"empty", map[string]any{"text": ""}, "Bad Request: message text is empty"},
		{"blank", map[string]any{"text": " \n "}, "Bad Request: message text is empty"},
		{"null text", map[string]any{"text": nil}, "Bad Request: message text is empty"},
		{"empty after parsing", map[string]any{"text": "<b></b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"},
		{"4096", map[string]any{"text": strings.Repeat("a", 4096)}, ""},
		{"4097", map[string]any{"text": strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		// Lengths count UTF-16 code units: an emoji counts 2.
		{"2048 emoji", map[string]any{"text": strings.Repeat("😀", 2048)}, ""},
		{"2049 emoji", map[string]any{"text": strings.Repeat("😀", 2049)}, "Bad Request: message is too long"},
		{"tags do not count", map[string]any{"text": strings.Repeat("<b>a</b>", 4096), "parse_mode": "HTML"}, ""},
		{"entities count 1", map[string]any{"text": strings.Repeat("&lt;", 4096), "parse_mode": "HTML"}, ""},
		{"entities count 1 too", map[string]any{"text": strings.Repeat("&amp;", 4097), "parse_mode": "HTML"}, "Bad Request: message is too long"},
		{"html ok", map[string]any{"parse_mode": "HTML", "text": `<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>i</ins>` +
			`<s>s</s><strike>s</strike><del>d</del><span class="tg-spoiler">x</span><tg-spoiler>x</tg-spoiler>` +
			`<a href="tg://user?id=1">u</a><code>c</code><pre><code class="language-go">x := 1</code></pre>` +
			`<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &quot;&#33;&#x21;`}, ""},
		{"html lower-case mode", map[string]any{"parse_mode": "html", "text": "<b>x</b>"}, ""},
		{"bare <", map[string]any{"parse_mode": "HTML", "text": "a < b"}, "Bad Request: can't parse entities: Unclosed start tag at byte offset 2"},
		{"bare &", map[string]any{"parse_mode": "HTML", "text": "Tom & Jerry"}, "Bad Request: can't parse entities: Character '&' at byte offset 4 must be escaped as &amp;"},
		{"bare >", map[string]any{"parse_mode": "HTML", "text": "a > b"}, "Bad Request: can't parse entities: Character '>' at byte offset 2 must be escaped as &gt;"},
		{"named entity", map[string]any{"parse_mode": "HTML", "text": "a&nbsp;b"}, "Bad Request: can't parse entities: Unsupported HTML entity \"&nbsp;\" at byte offset 1"},
		{"unsupported tag", map[string]any{"parse_mode": "HTML", "text": "a<br>b"}, "Bad Request: can't parse entities: Unsupported start tag \"br\" at byte offset 1"},
		{"unclosed", map[string]any{"parse_mode": "HTML", "text": "<b>bold"}, "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""},
		{"misnested", map[string]any{"parse_mode": "HTML", "text": "<b><i>x</b></i>"}, "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""},
		{"stray end", map[string]any{"parse_mode": "HTML", "text": "x</b>"}, "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"},
		{"span class", map[string]any{"parse_mode": "HTML", "text": "<span>x</span>"}, "Bad Request: can't parse entities: Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"},
		{"a href", map[string]any{"parse_mode": "HTML", "text": "<a>x</a>"}, "Bad Request: can't parse entities: Tag \"a\" at byte offset 0 must have a non-empty href attribute"},
		{"bad parse mode", map[string]any{"parse_mode": "Markup", "text": "x"}, "Bad Request: unsupported parse_mode"},
		{"markdownv2", map[string]any{"parse_mode": "MarkdownV2", "text": "*bold* _it_ \\. [l](https://x.org)"}, ""},
		{"markdownv2 reserved", map[string]any{"parse_mode": "MarkdownV2", "text": "Done."}, "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'"},
		{"markdownv2 unclosed", map[string]any{"parse_mode": "MarkdownV2", "text": "a *b"}, "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 2"},
		{"markdown unclosed", map[string]any{"parse_mode": "Markdown", "text": "snake_case"}, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5"},

		{"callback", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x"}`)}, ""},
		{"url", map[string]any{"reply_markup": button(`{"text":"a","url":"https://x.org","style":"success"}`)}, ""},
		{"copy_text", map[string]any{"reply_markup": button(`{"text":"a","copy_text":{"text":"code"}}`)}, ""},
		{"pay false is absent", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x","pay":false}`)}, ""},
		{"text only", map[string]any{"reply_markup": button(`{"text":"a"}`)},
			"Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
		{"no text", map[string]any{"reply_markup": button(`{"callback_data":"x"}`)},
			"Bad Request: can't parse inline keyboard button: Field \"text\" must be of type String"},
		{"two actions", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x","url":"https://x.org"}`)},
			"Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, got callback_data, url"},
		{"empty copy_text", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x","copy_text":{}}`)},
			"Bad Request: can't parse inline keyboard button: Field \"copy_text\" must be a CopyTextButton with a text of 1-256 characters, got {}"},
		{"blank copy_text", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x","copy_text":{"text":""}}`)},
			"Bad Request: can't parse inline keyboard button: Field \"copy_text\" must be a CopyTextButton with a text of 1-256 characters, got {\"text\":\"\"}"},
		{"empty callback_data", map[string]any{"reply_markup": button(`{"text":"a","callback_data":""}`)}, "Bad Request: BUTTON_DATA_INVALID"},
		{"64 bytes", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"` + strings.Repeat("é", 32) + `"}`)}, ""},
		{"65 bytes", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"` + strings.Repeat("é", 32) + `x"}`)}, "Bad Request: BUTTON_DATA_INVALID"},
		{"style", map[string]any{"reply_markup": button(`{"text":"a","callback_data":"x","style":"red"}`)},
			"Bad Request: can't parse inline keyboard button: Field \"style\" must be one of \"danger\", \"success\" or \"primary\""},
		{"not rows", map[string]any{"reply_markup": json.RawMessage(`{"inline_keyboard":[{"text":"a"}]}`)},
			"Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"},
		{"bad markup", map[string]any{"reply_markup": "{"}, "Bad Request: can't parse reply keyboard markup JSON object"},
		{"reply keyboard", map[string]any{"reply_markup": json.RawMessage(`{"keyboard":[["a",{"text":"b"}]],"resize_keyboard":true}`)}, ""},
		{"remove keyboard", map[string]any{"reply_markup": json.RawMessage(`{"remove_keyboard":true}`)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := map[string]any{"chat_id": 99, "text": "hello"}
			for k, v := range tc.params {
				p[k] = v
			}
			before := len(s.Sent(99))
			status, a, body := postJSON(t, s, "sendMessage", p)
			calls := s.CallsOf("sendMessage")
			last := calls[len(calls)-1]
			if tc.want == "" {
				if status != 200 || last.Rejected != "" || len(s.Sent(99)) != before+1 {
					t.Errorf("rejected: %s", body)
				}
				return
			}
			if status != 400 || a.Description != tc.want || a.ErrorCode != 400 {
				t.Errorf("got %d %s\nwant %s", status, body, tc.want)
			}
			if last.Rejected != tc.want || last.Status != 400 {
				t.Errorf("recorded %+v", last)
			}
			if len(s.Sent(99)) != before {
				t.Error("a rejected message was recorded as sent")
			}
		})
	}
}

func TestEdits(t *testing.T) {
	s := telegramtest.New(t, token)
	var msg struct {
		MessageID int `json:"message_id"`
	}
	mustOK(t, s, "sendMessage", map[string]any{"chat_id": 5, "text": "<b>Q?</b>", "parse_mode": "HTML",
		"reply_markup": json.RawMessage(keyboard)}, &msg)

	// The same content, even spelled otherwise, is not a modification.
	status, a, _ := postJSON(t, s, "editMessageText", map[string]any{"chat_id": 5, "message_id": msg.MessageID,
		"text": "*Q?*", "parse_mode": "MarkdownV2", "reply_markup": json.RawMessage(keyboard)})
	if status != 400 || !strings.HasPrefix(a.Description, "Bad Request: message is not modified") {
		t.Errorf("same content: %d %+v", status, a)
	}
	var edited struct {
		MessageID   int             `json:"message_id"`
		Text        string          `json:"text"`
		EditDate    int64           `json:"edit_date"`
		ReplyMarkup json.RawMessage `json:"reply_markup"`
	}
	// Without reply_markup, the keyboard goes.
	mustOK(t, s, "editMessageText", map[string]any{"chat_id": 5, "message_id": msg.MessageID, "text": "<b>Q?</b>", "parse_mode": "HTML"}, &edited)
	if edited.MessageID != msg.MessageID || edited.Text != "Q?" || edited.EditDate == 0 || edited.ReplyMarkup != nil {
		t.Errorf("edited %+v", edited)
	}
	status, a, _ = postJSON(t, s, "editMessageReplyMarkup", map[string]any{"chat_id": 5, "message_id": msg.MessageID})
	if status != 400 || !strings.HasPrefix(a.Description, "Bad Request: message is not modified") {
		t.Errorf("same markup: %d %+v", status, a)
	}
	mustOK(t, s, "editMessageReplyMarkup", map[string]any{"chat_id": 5, "message_id": msg.MessageID,
		"reply_markup": json.RawMessage(keyboard)}, &edited)
	if edited.Text != "Q?" || !jsonEqual(edited.ReplyMarkup, keyboard) {
		t.Errorf("edited %+v", edited)
	}
	status, a, _ = postJSON(t, s, "editMessageReplyMarkup", map[string]any{"chat_id": 5, "message_id": msg.MessageID,
		"reply_markup": json.RawMessage(`{"keyboard":[["a"]]}`)})
	if status != 400 || a.Description != "Bad Request: inline keyboard expected" {
		t.Errorf("reply keyboard: %d %+v", status, a)
	}
	status, a, _ = postJSON(t, s, "editMessageText", map[string]any{"chat_id": 5, "text": "x"})
	if status != 400 || a.Description != "Bad Request: message identifier is not specified" {
		t.Errorf("no message_id: %d %+v", status, a)
	}
	// Inline messages answer True.
	var ok bool
	mustOK(t, s, "editMessageText", map[string]any{"inline_message_id": "AAA", "text": "x"}, &ok)
	if !ok {
		t.Error("inline edit did not answer true")
	}
	sent := s.Sent(5)
	if len(sent) != 2 || sent[1].Plain != "Q?" || !sent[1].Edited || sent[1].Buttons != nil || sent[1].MessageID != msg.MessageID {
		t.Errorf("sent %+v", sent)
	}
	var copied struct {
		MessageID int `json:"message_id"`
	}
	mustOK(t, s, "copyMessage", map[string]any{"chat_id": 6, "from_chat_id": 5, "message_id": msg.MessageID}, &copied)
	if copied.MessageID <= msg.MessageID {
		t.Errorf("copyMessage = %+v", copied)
	}
}

func TestCallbacksAndCommands(t *testing.T) {
	s := telegramtest.New(t, token)
	var msg struct {
		MessageID int `json:"message_id"`
	}
	mustOK(t, s, "sendMessage", map[string]any{"chat_id": 5, "text": "Q?", "reply_markup": json.RawMessage(keyboard)}, &msg)
	s.PushCallback(5, "yes", msg.MessageID)
	s.PushMessage(5, "/start@pecbot_test now, then /help")
	var ups []struct {
		UpdateID      int64 `json:"update_id"`
		CallbackQuery *struct {
			ID      string
			From    struct{ ID int64 }
			Data    string
			Message struct {
				MessageID   int `json:"message_id"`
				Date        int64
				Text        string
				ReplyMarkup json.RawMessage `json:"reply_markup"`
			}
		} `json:"callback_query"`
		Message *struct {
			Text     string
			Chat     struct{ ID int64 }
			From     struct{ ID int64 }
			Entities []struct {
				Type           string
				Offset, Length int
			}
		}
	}
	mustOK(t, s, "getUpdates", map[string]any{}, &ups)
	if len(ups) != 2 || ups[0].CallbackQuery == nil || ups[1].Message == nil || ups[1].UpdateID != ups[0].UpdateID+1 {
		t.Fatalf("updates %+v", ups)
	}
	cq := ups[0].CallbackQuery
	if cq.ID == "" || cq.From.ID != 5 || cq.Data != "yes" || cq.Message.MessageID != msg.MessageID ||
		cq.Message.Text != "Q?" || cq.Message.Date == 0 || !jsonEqual(cq.Message.ReplyMarkup, keyboard) {
		t.Errorf("callback query %+v", cq)
	}
	m := ups[1].Message
	if m.Chat.ID != 5 || m.From.ID != 5 || len(m.Entities) != 2 || m.Entities[0].Type != "bot_command" ||
		m.Entities[0].Offset != 0 || m.Entities[0].Length != len("/start@pecbot_test") || m.Entities[1].Offset != 29 {
		t.Errorf("message %+v", m)
	}
	mustOK(t, s, "answerCallbackQuery", map[string]any{"callback_query_id": cq.ID}, nil)
	status, a, _ := postJSON(t, s, "answerCallbackQuery", map[string]any{"callback_query_id": "123"})
	if status != 400 || a.Description != "Bad Request: query is too old and response timeout expired or query ID is invalid" {
		t.Errorf("unknown query: %d %+v", status, a)
	}

	cmds := []any{map[string]any{"command": "start", "description": "Start"}}
	mustOK(t, s, "setMyCommands", map[string]any{"commands": cmds}, nil)
	var got []any
	mustOK(t, s, "getMyCommands", nil, &got)
	if !reflect.DeepEqual(got, []any{map[string]any{"command": "start", "description": "Start"}}) {
		t.Errorf("getMyCommands = %v", got)
	}
	status, a, _ = postJSON(t, s, "setMyCommands", map[string]any{"commands": []any{map[string]any{"command": "Start", "description": "x"}}})
	if status != 400 || a.Description != "Bad Request: BOT_COMMAND_INVALID" {
		t.Errorf("bad command: %d %+v", status, a)
	}
	// A method without a dedicated answer answers as the spec says.
	mustOK(t, s, "sendChatAction", map[string]any{"chat_id": 5, "action": "typing"}, nil)
	status, _, _ = postJSON(t, s, "getChat", map[string]any{"chat_id": 5})
	if status != http.StatusNotImplemented {
		t.Errorf("getChat: %d", status)
	}
}

// getUpdates runs a getUpdates call in the background.
func getUpdates(t *testing.T, ctx context.Context, s *telegramtest.Server, params map[string]any) <-chan answer {
	ch := make(chan answer, 1)
	body, _ := json.Marshal(params)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/bot"+token+"/getUpdates", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	go func() {
		defer close(ch)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		var a answer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Errorf("getUpdates answer: %v", err)
		}
		ch <- a
	}()
	return ch
}

func updateIDs(t *testing.T, a answer) []int64 {
	t.Helper()
	if !a.OK {
		t.Fatalf("getUpdates: %+v", a)
	}
	var ups []struct {
		UpdateID int64 `json:"update_id"`
	}
	json.Unmarshal(a.Result, &ups)
	ids := []int64{}
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

func TestLongPolling(t *testing.T) {
	s := telegramtest.New(t, token)
	ch := getUpdates(t, t.Context(), s, map[string]any{"timeout": 30})
	s.WaitCalls(t, "getUpdates", 1) // the poll is pending
	select {
	case a := <-ch:
		t.Fatalf("answered before any update: %+v", a)
	default:
	}
	id := s.PushMessage(10, "hi")
	if ids := updateIDs(t, <-ch); !reflect.DeepEqual(ids, []int64{id}) {
		t.Fatalf("ids %v, want [%d]", ids, id)
	}
	if s.Pending() != 1 || s.Confirmed() != 0 {
		t.Errorf("before confirmation: pending %d, confirmed %d", s.Pending(), s.Confirmed())
	}
	// Unconfirmed updates come again.
	if ids := updateIDs(t, <-getUpdates(t, t.Context(), s, nil)); !reflect.DeepEqual(ids, []int64{id}) {
		t.Fatalf("ids %v", ids)
	}
	// The offset confirms them; with nothing left, the poll waits for its timeout.
	start := time.Now()
	if ids := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"offset": id + 1, "timeout": 1})); len(ids) != 0 {
		t.Fatalf("ids %v after confirmation", ids)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("timeout 1 answered after %v", d)
	}
	if s.Pending() != 0 || s.Confirmed() != id {
		t.Errorf("after confirmation: pending %d, confirmed %d", s.Pending(), s.Confirmed())
	}
	calls := s.CallsOf("getUpdates")
	if len(calls) != 3 || calls[2].Params["offset"] != id+1 || calls[2].Status != 200 {
		t.Errorf("calls %+v", calls)
	}
}

func TestGetUpdatesParams(t *testing.T) {
	s := telegramtest.New(t, token)
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, s.PushMessage(1, "m"))
	}
	if got := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"limit": 2})); !reflect.DeepEqual(got, ids[:2]) {
		t.Errorf("limit 2: %v", got)
	}
	// A negative offset keeps the last updates only.
	if got := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"offset": -2})); !reflect.DeepEqual(got, ids[3:]) {
		t.Errorf("offset -2: %v", got)
	}
	if s.Confirmed() != ids[2] || s.Pending() != 2 {
		t.Errorf("confirmed %d pending %d", s.Confirmed(), s.Pending())
	}
	// allowed_updates: updates of other types are not delivered, and the
	// setting stays for the next calls.
	cb := s.PushCallback(1, "x", 1)
	if got := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"allowed_updates": []string{"callback_query"}})); !reflect.DeepEqual(got, []int64{cb}) {
		t.Errorf("allowed callback_query: %v", got)
	}
	s.PushMessage(1, "dropped")
	explicit := s.Push(map[string]any{"update_id": 5000, "callback_query": map[string]any{"id": "q1", "data": "d"}})
	if explicit != 5000 {
		t.Errorf("Push kept update_id %d", explicit)
	}
	if got := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"offset": cb + 1})); !reflect.DeepEqual(got, []int64{5000}) {
		t.Errorf("allowed kept: %v", got)
	}
	if next := s.PushMessage(1, "m"); next != 5001 {
		t.Errorf("next update_id %d", next)
	}
	// chat_member is not delivered by default.
	s.Push(map[string]any{"chat_member": map[string]any{}})
	if got := updateIDs(t, <-getUpdates(t, t.Context(), s, map[string]any{"offset": 5001, "allowed_updates": []string{}})); !reflect.DeepEqual(got, []int64{5001}) {
		t.Errorf("default allowed: %v", got)
	}
}

func TestGetUpdatesConflicts(t *testing.T) {
	s := telegramtest.New(t, token)
	first := getUpdates(t, t.Context(), s, map[string]any{"timeout": 30})
	s.WaitCalls(t, "getUpdates", 1)
	second := getUpdates(t, t.Context(), s, map[string]any{"timeout": 30})
	a := <-first
	if a.OK || a.ErrorCode != 409 || a.Description != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
		t.Errorf("first poll: %+v", a)
	}
	mustOK(t, s, "setWebhook", map[string]any{"url": "https://example.org/hook"}, nil)
	if a := <-second; a.ErrorCode != 409 || a.Description != "Conflict: terminated by setWebhook request" {
		t.Errorf("second poll: %+v", a)
	}
	if a := <-getUpdates(t, t.Context(), s, nil); a.ErrorCode != 409 || !strings.Contains(a.Description, "webhook is active") {
		t.Errorf("poll with webhook: %+v", a)
	}
	// A poll whose client gives up is no longer pending.
	mustOK(t, s, "deleteWebhook", nil, nil)
	ctx, cancel := context.WithCancel(t.Context())
	gone := getUpdates(t, ctx, s, map[string]any{"timeout": 30})
	s.WaitCalls(t, "getUpdates", 4)
	cancel()
	<-gone
	if c := s.CallsOf("getUpdates"); c[3].Status != 0 {
		t.Errorf("abandoned poll status %d", c[3].Status)
	}
}

// TestShutdownReleasesPolls checks that the server's cleanup ends pending
// long polls and hung calls instead of waiting for them.
func TestShutdownReleasesPolls(t *testing.T) {
	var poll, hung <-chan answer
	t.Run("server", func(t *testing.T) {
		s := telegramtest.New(t, token)
		poll = getUpdates(t, context.Background(), s, map[string]any{"timeout": 3600})
		s.Fail("sendMessage", 1, telegramtest.Hang())
		ch := make(chan answer, 1)
		hung = ch
		go func() {
			defer close(ch)
			resp, err := http.Post(s.URL()+"/bot"+token+"/sendMessage?chat_id=1&text=x", "", nil)
			if err == nil {
				resp.Body.Close()
				ch <- answer{}
			}
		}()
		s.WaitCalls(t, "getUpdates", 1)
		s.WaitCalls(t, "sendMessage", 1)
	})
	if _, ok := <-poll; ok {
		t.Error("the long poll was answered instead of dropped")
	}
	if _, ok := <-hung; ok {
		t.Error("the hung call was answered")
	}
}

func TestFaults(t *testing.T) {
	s := telegramtest.New(t, token)
	s.Fail("sendMessage", 2, telegramtest.TooMany(7))
	s.Fail("SENDMESSAGE", 1, telegramtest.Blocked())
	p := map[string]any{"chat_id": 1, "text": "x"}
	for i := 0; i < 2; i++ {
		status, _, body := postJSON(t, s, "sendMessage", p)
		if status != 429 || body != `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}` {
			t.Errorf("429: %d %s", status, body)
		}
	}
	if status, _, body := postJSON(t, s, "sendMessage", p); status != 403 ||
		body != `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}` {
		t.Errorf("403: %d %s", status, body)
	}
	mustOK(t, s, "sendMessage", p, nil)
	s.Fail("getMe", 1, telegramtest.ServerError())
	if status, _, body := postJSON(t, s, "getMe", nil); status != 500 ||
		body != `{"ok":false,"error_code":500,"description":"Internal Server Error"}` {
		t.Errorf("500: %d %s", status, body)
	}
	calls := s.CallsOf("sendMessage")
	if len(calls) != 4 || calls[0].Fault == nil || calls[0].Fault.RetryAfter != 7 || calls[0].Status != 429 ||
		calls[0].Rejected != "" || calls[3].Fault != nil {
		t.Errorf("calls %+v", calls)
	}
	if len(s.Sent(1)) != 1 {
		t.Errorf("failed calls were sent: %+v", s.Sent(1))
	}

	s.Fail("sendMessage", 1, telegramtest.Hang())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/bot"+token+"/sendMessage?chat_id=1&text=x", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
	if c := s.WaitCalls(t, "sendMessage", 5); len(c) != 5 || c[4].Status != 0 || c[4].Fault == nil || !c[4].Fault.Hang {
		t.Errorf("hung call %+v", c[4])
	}
	mustOK(t, s, "sendMessage", p, nil)
}

// receiver is a webhook endpoint that checks the secret header and answers
// 200 to the first update, then 503 with Retry-After.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	updates []map[string]any
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook request %s %q", req.Method, req.Header.Get("Content-Type"))
		}
		if req.Header.Get("X-Telegram-Bot-Api-Secret-Token") != secret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var u map[string]any
		if err := json.NewDecoder(req.Body).Decode(&u); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.updates = append(r.updates, u)
		if len(r.updates) > 1 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

func TestWebhook(t *testing.T) {
	s := telegramtest.New(t, token)
	if _, _, err := s.Deliver(t.Context(), map[string]any{"message": map[string]any{}}); err == nil {
		t.Error("Deliver without a webhook did not fail")
	}
	rcv := newReceiver(t, "s3cr3t_-X")
	status, a, _ := postJSON(t, s, "setWebhook", map[string]any{"url": rcv.URL, "secret_token": "bad secret!"})
	if status != 400 || a.Description != "Bad Request: secret token contains unallowed characters" {
		t.Errorf("bad secret: %d %+v", status, a)
	}
	mustOK(t, s, "setWebhook", map[string]any{"url": rcv.URL, "secret_token": "wrong"}, nil)
	if st, _, err := s.Deliver(t.Context(), map[string]any{"message": map[string]any{"text": "x"}}); err != nil || st != 401 {
		t.Errorf("wrong secret: %d %v", st, err)
	}
	var info struct {
		URL              string `json:"url"`
		Pending          int    `json:"pending_update_count"`
		LastErrorDate    int64  `json:"last_error_date"`
		LastErrorMessage string `json:"last_error_message"`
		AllowedUpdates   []string
		MaxConnections   int `json:"max_connections"`
	}
	mustOK(t, s, "getWebhookInfo", nil, &info)
	if info.URL != rcv.URL || info.LastErrorDate == 0 || info.LastErrorMessage != "Wrong response from the webhook: 401 Unauthorized" || info.MaxConnections != 40 {
		t.Errorf("webhook info %+v", info)
	}

	mustOK(t, s, "setWebhook", map[string]any{"url": rcv.URL, "secret_token": "s3cr3t_-X", "allowed_updates": []string{"message"}}, nil)
	if u, secret := s.Webhook(); u != rcv.URL || secret != "s3cr3t_-X" {
		t.Errorf("Webhook() = %q, %q", u, secret)
	}
	st, retry, err := s.Deliver(t.Context(), map[string]any{"message": map[string]any{"text": "one"}})
	if err != nil || st != 200 || retry != "" {
		t.Errorf("first delivery: %d %q %v", st, retry, err)
	}
	st, retry, err = s.Deliver(t.Context(), map[string]any{"update_id": 77, "message": map[string]any{"text": "two"}})
	if err != nil || st != 503 || retry != "3" {
		t.Errorf("second delivery: %d %q %v", st, retry, err)
	}
	if _, _, err := s.Deliver(t.Context(), map[string]any{"callback_query": map[string]any{"id": "1"}}); err == nil {
		t.Error("an update type not allowed was delivered")
	}
	rcv.mu.Lock()
	if len(rcv.updates) != 2 || rcv.updates[0]["update_id"] == nil || rcv.updates[1]["update_id"] != float64(77) {
		t.Errorf("received %v", rcv.updates)
	}
	rcv.mu.Unlock()

	mustOK(t, s, "deleteWebhook", nil, nil)
	if u, _ := s.Webhook(); u != "" {
		t.Errorf("webhook %q after deleteWebhook", u)
	}
}
