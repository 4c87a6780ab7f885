package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// Bad input, end to end: whatever reaches the bot (a malformed or
// oversized webhook call, an update of a kind it does not handle, a
// message without words, a forged button, a bad configuration value) gets
// a clear answer (an HTTP status, a message to the member, an exit code
// naming the variable) or is ignored, and nothing is lost or crashes.
// docs/bad-input.md lists every case and the test that proves it.

const badInputSecret = "bad-input_secret"

// badInputBot is a bot in webhook mode on its own Redis, at Thursday 30
// September 2027 10:00 in Rome, with members seeded by the test.
type badInputBot struct {
	*reminderRig
	listen string // LISTEN_ADDR: the webhook is http://listen/telegram
	stop   func() (error, string)
}

func startBadInputBot(t *testing.T, more ...string) *badInputBot {
	t.Helper()
	r := newReminderRig(t, time.Date(2027, 9, 30, 10, 0, 0, 0, rome(t)))
	listen := freeAddr(t)
	env := botEnv(r.fake, r.rds.Addr(), append([]string{"UPDATES", "webhook", "LISTEN_ADDR", listen,
		"WEBHOOK_URL", "http://" + listen + "/telegram", "WEBHOOK_SECRET", badInputSecret}, more...)...)
	stop := startBotAt(t, env, r.clock)
	r.fake.WaitCalls(t, "setWebhook", 1)
	return &badInputBot{reminderRig: r, listen: listen, stop: stop}
}

// seed stores a member of chat at step (in Italian).
func (b *badInputBot) seed(t *testing.T, chat int64, step dialogs.StepID) {
	t.Helper()
	b.seedMembers(t, chat, []dialogs.State{{Step: step, Lang: "it"}}, nil)
}

// state is chat's stored state, as Redis holds it ("" if none).
func (b *badInputBot) state(t *testing.T, chat int64) string {
	t.Helper()
	s, err := b.rdb.HGet(context.Background(), fmt.Sprintf("pecbot:{%d}:member", chat), "state").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatal(err)
	}
	return s
}

// keysAbout lists what Redis holds about chat.
func keysAbout(t *testing.T, rdb redis.UniversalClient, chat int64) []string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), fmt.Sprintf("pecbot:{%d}:*", chat)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// deliver posts u as Telegram does and wants 200.
func (b *badInputBot) deliver(t *testing.T, u map[string]any) {
	t.Helper()
	if status, _, err := b.fake.Deliver(context.Background(), u); err != nil || status != http.StatusOK {
		t.Fatalf("delivery of %.200v: HTTP %d, %v; want 200", u, status, err)
	}
}

// webhookCall is one HTTP request to the bot's listener.
type webhookCall struct {
	method, path string
	secret       *string // nil: no X-Telegram-Bot-Api-Secret-Token header
	body         []byte
}

// do sends c and returns the status and the Allow header.
func (c webhookCall) do(t *testing.T, listen string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(c.method, "http://"+listen+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.secret != nil {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", *c.secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Allow")
}

// privateUpdate is a message update from member chat in their private
// chat; fields are the message's content (text, sticker, photo, ...).
func privateUpdate(id, chat int64, fields map[string]any) map[string]any {
	m := map[string]any{
		"message_id": id, "date": 1,
		"chat": map[string]any{"id": chat, "type": "private", "first_name": "Anna"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
	}
	for k, v := range fields {
		m[k] = v
	}
	return map[string]any{"update_id": id, "message": m}
}

// updateJSON encodes v.
func updateJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// padWithBlanks pads a JSON object with trailing blanks to n bytes.
func padWithBlanks(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	if len(b) > n {
		t.Fatalf("%d bytes already, over %d", len(b), n)
	}
	return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
}

// TestBadInputWebhookRequests: calls to the webhook that are not an update
// Telegram sent are refused with the status that says why, before anything
// is handled or stored; an update of exactly 1 MiB is still taken.
func TestBadInputWebhookRequests(t *testing.T) {
	const chat, atLimit, overLimit = 9301, 9302, 9303
	b := startBadInputBot(t)
	secret, wrong, prefix, empty, upper := badInputSecret, "wrong", badInputSecret[:6], "", strings.ToUpper(badInputSecret)
	start := updateJSON(t, privateUpdate(1, chat, map[string]any{"text": "/start"}))
	withID := func(id string) []byte {
		return []byte(strings.Replace(string(start), `"update_id":1`, `"update_id":`+id, 1))
	}
	const limit = 1 << 20 // the webhook's bound on a body
	tooBig := padWithBlanks(t, updateJSON(t, privateUpdate(3, overLimit, map[string]any{"text": "/start"})), limit+1)

	for _, tc := range []struct {
		name  string
		call  webhookCall
		want  int
		allow string // the Allow header wanted, if any
	}{
		{"GET on the webhook's path", webhookCall{"GET", "/telegram", &secret, nil}, http.StatusMethodNotAllowed, "POST"},
		{"PUT on the webhook's path", webhookCall{"PUT", "/telegram", &secret, start}, http.StatusMethodNotAllowed, "POST"},
		{"DELETE on the webhook's path", webhookCall{"DELETE", "/telegram", &secret, nil}, http.StatusMethodNotAllowed, "POST"},
		{"POST to another path", webhookCall{"POST", "/telegram/x", &secret, start}, http.StatusNotFound, ""},
		{"POST to a probe", webhookCall{"POST", "/healthz", &secret, start}, http.StatusMethodNotAllowed, ""},
		{"no secret header", webhookCall{"POST", "/telegram", nil, start}, http.StatusUnauthorized, ""},
		{"an empty secret", webhookCall{"POST", "/telegram", &empty, start}, http.StatusUnauthorized, ""},
		{"a wrong secret", webhookCall{"POST", "/telegram", &wrong, start}, http.StatusUnauthorized, ""},
		{"the secret's first characters", webhookCall{"POST", "/telegram", &prefix, start}, http.StatusUnauthorized, ""},
		{"the secret in capitals", webhookCall{"POST", "/telegram", &upper, start}, http.StatusUnauthorized, ""},
		{"over 1 MiB with a wrong secret", webhookCall{"POST", "/telegram", &wrong, tooBig}, http.StatusUnauthorized, ""},
		{"over 1 MiB", webhookCall{"POST", "/telegram", &secret, tooBig}, http.StatusRequestEntityTooLarge, ""},
		{"an empty body", webhookCall{"POST", "/telegram", &secret, nil}, http.StatusBadRequest, ""},
		{"not JSON", webhookCall{"POST", "/telegram", &secret, []byte("update_id=1&text=/start")}, http.StatusBadRequest, ""},
		{"XML", webhookCall{"POST", "/telegram", &secret, []byte("<update><update_id>1</update_id></update>")}, http.StatusBadRequest, ""},
		{"cut short", webhookCall{"POST", "/telegram", &secret, start[:len(start)/2]}, http.StatusBadRequest, ""},
		{"NUL bytes", webhookCall{"POST", "/telegram", &secret, []byte("\x00\x00\x00")}, http.StatusBadRequest, ""},
		{"null", webhookCall{"POST", "/telegram", &secret, []byte("null")}, http.StatusBadRequest, ""},
		{"a number", webhookCall{"POST", "/telegram", &secret, []byte("42")}, http.StatusBadRequest, ""},
		{"a string", webhookCall{"POST", "/telegram", &secret, []byte(`"/start"`)}, http.StatusBadRequest, ""},
		{"an empty array", webhookCall{"POST", "/telegram", &secret, []byte("[]")}, http.StatusBadRequest, ""},
		{"an array of updates", webhookCall{"POST", "/telegram", &secret, []byte("[" + string(start) + "]")}, http.StatusBadRequest, ""},
		{"an empty object", webhookCall{"POST", "/telegram", &secret, []byte("{}")}, http.StatusBadRequest, ""},
		{"no update_id", webhookCall{"POST", "/telegram", &secret, updateJSON(t, map[string]any{"message": privateUpdate(1, chat, map[string]any{"text": "/start"})["message"]})}, http.StatusBadRequest, ""},
		{"update_id 0", webhookCall{"POST", "/telegram", &secret, withID("0")}, http.StatusBadRequest, ""},
		{"update_id as a string", webhookCall{"POST", "/telegram", &secret, withID(`"1"`)}, http.StatusBadRequest, ""},
		{"update_id with a fraction", webhookCall{"POST", "/telegram", &secret, withID("1.5")}, http.StatusBadRequest, ""},
		{"update_id beyond int64", webhookCall{"POST", "/telegram", &secret, withID("1e30")}, http.StatusBadRequest, ""},
		{"update_id null", webhookCall{"POST", "/telegram", &secret, withID("null")}, http.StatusBadRequest, ""},
	} {
		status, allow := tc.call.do(t, b.listen)
		if status != tc.want || (tc.allow != "" && allow != tc.allow) {
			t.Errorf("%s: HTTP %d (Allow %q); want %d (Allow %q)", tc.name, status, allow, tc.want, tc.allow)
		}
	}
	for _, c := range []int64{chat, overLimit} {
		if keys := keysAbout(t, b.rdb, c); len(keys) != 0 {
			t.Errorf("refused calls left %v in Redis", keys)
		}
	}
	if n := len(b.fake.CallsOf("sendMessage")); n != 0 {
		t.Errorf("refused calls made the bot send %d messages", n)
	}

	// Up to the bound, an update is taken: padded with blanks to exactly
	// 1 MiB, it is answered.
	status, _ := webhookCall{"POST", "/telegram", &secret, padWithBlanks(t, updateJSON(t, privateUpdate(2, atLimit, map[string]any{"text": "/start"})), limit)}.do(t, b.listen)
	if status != http.StatusOK {
		t.Fatalf("an update of exactly 1 MiB: HTTP %d, want 200", status)
	}
	waitText(t, b.fake, atLimit, "cosa devi fare?", 10*time.Second)
	// And the member refused above is answered as soon as Telegram
	// delivers their update properly.
	b.deliver(t, privateUpdate(4, chat, map[string]any{"text": "/start"}))
	waitText(t, b.fake, chat, "cosa devi fare?", 10*time.Second)
	_, logs := b.stop()
	if n := strings.Count(logs, "webhook call with a wrong or missing secret refused"); n != 6 {
		t.Errorf("%d refused secrets logged, want 6", n)
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("the log has a panic:\n%s", logs)
	}
}

// TestBadInputUpdatesIgnored: updates of kinds the bot does not handle,
// or that the library cannot read, are acknowledged (200: Telegram must
// not deliver them again and again) and change nothing: no message, nothing
// stored. The bot asks Telegram for messages and button presses only
// (allowed_updates), so these come only from a Telegram newer than the
// bot or from a change of its settings.
func TestBadInputUpdatesIgnored(t *testing.T) {
	const member, group, supergroup, channel = 9311, -9312, -1009313, -1009314
	b := startBadInputBot(t)
	secret := badInputSecret
	text := func(id, chat int64, kind string) map[string]any {
		return map[string]any{
			"message_id": id, "date": 1, "text": "/start",
			"chat": map[string]any{"id": chat, "type": kind, "title": "Medici"},
			"from": map[string]any{"id": member, "is_bot": false, "first_name": "Anna"},
		}
	}
	bot := map[string]any{"id": 123456, "is_bot": true, "first_name": "pecbot"}
	for _, tc := range []struct {
		name   string
		update map[string]any
	}{
		{"a type unknown to the bot and its library", map[string]any{"update_id": 101, "some_future_update": map[string]any{"x": 1}}},
		{"a reaction", map[string]any{"update_id": 102, "message_reaction": map[string]any{
			"chat": map[string]any{"id": member, "type": "private"}, "message_id": 5, "date": 1,
			"user":         map[string]any{"id": member, "is_bot": false, "first_name": "Anna"},
			"old_reaction": []any{}, "new_reaction": []any{map[string]any{"type": "emoji", "emoji": "👍"}}}}},
		{"an edited message", map[string]any{"update_id": 103, "edited_message": text(103, member, "private")}},
		{"a channel post", map[string]any{"update_id": 104, "channel_post": text(104, channel, "channel")}},
		{"a group message", map[string]any{"update_id": 105, "message": text(105, group, "group")}},
		{"a supergroup message", map[string]any{"update_id": 106, "message": text(106, supergroup, "supergroup")}},
		{"the member blocking the bot", map[string]any{"update_id": 107, "my_chat_member": map[string]any{
			"chat": map[string]any{"id": member, "type": "private"}, "date": 1,
			"from":            map[string]any{"id": member, "is_bot": false, "first_name": "Anna"},
			"old_chat_member": map[string]any{"status": "member", "user": bot},
			"new_chat_member": map[string]any{"status": "kicked", "until_date": 0, "user": bot}}}},
		{"a message with a field of the wrong type", privateUpdate(108, member, map[string]any{"text": 42})},
		{"a message whose chat has no type", map[string]any{"update_id": 109, "message": map[string]any{
			"message_id": 109, "date": 1, "text": "/start", "chat": map[string]any{"id": member}}}},
		{"a button press from user 0", map[string]any{"update_id": 110, "callback_query": map[string]any{
			"id": "q-110", "chat_instance": "1", "data": "1|menu|go_act|",
			"from": map[string]any{"id": 0, "is_bot": false, "first_name": "?"}}}},
	} {
		// Posted as Telegram would, bypassing the fake's allowed_updates
		// filter: the bot must cope even with what it did not ask for.
		status, _ := webhookCall{"POST", "/telegram", &secret, updateJSON(t, tc.update)}.do(t, b.listen)
		if status != http.StatusOK {
			t.Errorf("%s: HTTP %d, want 200 (taken, and ignored)", tc.name, status)
		}
	}
	for _, c := range []int64{member, group, supergroup, channel, 0} {
		if keys := keysAbout(t, b.rdb, c); len(keys) != 0 {
			t.Errorf("ignored updates left %v in Redis", keys)
		}
	}
	if calls := append(b.fake.CallsOf("sendMessage"), b.fake.CallsOf("answerCallbackQuery")...); len(calls) != 0 {
		t.Errorf("ignored updates made the bot call Telegram %d times", len(calls))
	}
	// The member is not held up by any of it.
	b.deliver(t, privateUpdate(111, member, map[string]any{"text": "/start"}))
	waitText(t, b.fake, member, "cosa devi fare?", 10*time.Second)
	quietChat(t, b.rdb, member)
	if n := len(b.fake.Sent(member)); n != 2 {
		t.Errorf("%d messages to the member, want 2 (welcome and menu, for /start only)", n)
	}
	_, logs := b.stop()
	if n := strings.Count(logs, "update not understood; skipped"); n != 1 {
		t.Errorf("%d updates logged as not understood, want 1 (text: 42)", n)
	}
	if strings.Contains(logs, "panic") {
		t.Errorf("the log has a panic:\n%s", logs)
	}
}

// TestBadInputMessagesWithoutWords: what a member sends that is not a text
// the step can use (a sticker, a photo, a location, a voice message, a
// file, a contact, a text of 4096 characters, markup) is answered with a
// hint and the question's buttons; the member stays where they were.
func TestBadInputMessagesWithoutWords(t *testing.T) {
	b := startBadInputBot(t)
	const (
		hint    = "Per rispondere, tocca uno dei pulsanti qui sotto."
		notDate = "Non riesco a leggere una data."
	)
	sticker := map[string]any{"sticker": map[string]any{"file_id": "CAAC", "file_unique_id": "AgAD", "type": "regular",
		"width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}}
	photo := map[string]any{"photo": []any{map[string]any{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90}}}
	captioned := map[string]any{"photo": photo["photo"], "caption": "15/12/2027"}
	location := map[string]any{"location": map[string]any{"latitude": 41.4676, "longitude": 12.9036}}
	voice := map[string]any{"voice": map[string]any{"file_id": "AwAC", "file_unique_id": "AgAD", "duration": 3}}
	document := map[string]any{"document": map[string]any{"file_id": "BQAC", "file_unique_id": "AgAD", "file_name": "ricevuta.pdf"}}
	contact := map[string]any{"contact": map[string]any{"phone_number": "+390773000000", "first_name": "Anna"}}
	emoji := map[string]any{"text": strings.Repeat("🙂", 2048)} // 4096 UTF-16 units: Telegram's longest message
	accents := map[string]any{"text": strings.Repeat("è", 4096)}
	dateThenMore := map[string]any{"text": "15/12/2027 " + strings.Repeat("x", 4085)}
	huge := map[string]any{"text": strings.Repeat("12/03/2027 ", 50000)} // 550,000 bytes: Telegram sends at most 4096 characters
	markup := map[string]any{"text": `<b>ciao</b> & <script>alert(1)</script> "&amp;"`}
	blanks := map[string]any{"text": "   \n\t "}
	slash := map[string]any{"text": "/"}
	chat := int64(9320)
	for _, tc := range []struct {
		name    string
		step    dialogs.StepID
		message map[string]any
		want    string
	}{
		{"a sticker at the menu", dialogs.StepMenu, sticker, hint},
		{"a photo at the menu", dialogs.StepMenu, photo, hint},
		{"a location at the menu", dialogs.StepMenu, location, hint},
		{"a voice message at the menu", dialogs.StepMenu, voice, hint},
		{"a file at the menu", dialogs.StepMenu, document, hint},
		{"a contact at the menu", dialogs.StepMenu, contact, hint},
		{"4096 UTF-16 units of emoji at the menu", dialogs.StepMenu, emoji, hint},
		{"4096 accented letters at the menu", dialogs.StepMenu, accents, hint},
		{"markup at the menu", dialogs.StepMenu, markup, hint},
		{"blanks at the menu", dialogs.StepMenu, blanks, hint},
		{"a slash alone at the menu", dialogs.StepMenu, slash, hint},
		{"a sticker for the expiry date", dialogs.StepRenExpiry, sticker, notDate},
		{"a photo captioned with the date, for the expiry date", dialogs.StepRenExpiry, captioned, notDate},
		{"a file for the expiry date", dialogs.StepRenExpiry, document, notDate},
		{"4096 UTF-16 units of emoji for the expiry date", dialogs.StepRenExpiry, emoji, notDate},
		{"a date followed by 4085 letters, for the expiry date", dialogs.StepRenExpiry, dateThenMore, notDate},
		{"markup for the expiry date", dialogs.StepRenExpiry, markup, notDate},
		{"550,000 bytes of dates at the menu", dialogs.StepMenu, huge, hint},
		{"550,000 bytes of dates for the expiry date", dialogs.StepRenExpiry, huge, notDate},
	} {
		chat++
		b.seed(t, chat, tc.step)
		before := b.state(t, chat)
		b.deliver(t, privateUpdate(chat, chat, tc.message))
		waitUntil(t, 10*time.Second, tc.name+": answered", func() bool { return len(b.fake.Sent(chat)) > 0 })
		quietChat(t, b.rdb, chat)
		sent := b.fake.Sent(chat)
		if len(sent) != 1 || !strings.HasPrefix(sent[0].Plain, tc.want) || len(sent[0].Buttons) == 0 {
			t.Errorf("%s: the member got %q; want one message %q, with the question's buttons", tc.name, plains(sent), tc.want)
		}
		if after := b.state(t, chat); after != before {
			t.Errorf("%s: state %s, want it unchanged (%s)", tc.name, after, before)
		}
	}
	noRejectedCalls(t, b.fake)
	if _, logs := b.stop(); strings.Contains(logs, "panic") || strings.Contains(logs, "could not be handled") {
		t.Errorf("the log has an error:\n%s", logs)
	}
}

// TestBadInputForgedButtons: a press whose data the bot did not draw (from
// an older or newer version of the bot, random bytes, a staff button from
// someone who is not staff) is answered, so that the member's spinner
// stops, and shows the member where they are; nothing moves, nothing is
// broadcast. A staff member's forged staff button is answered as an old
// one.
func TestBadInputForgedButtons(t *testing.T) {
	staffData := []string{"s|send|1:all", "s|send|", "s|aud|all", "s|aud|martians", "s|launch|now", "s|", "s|||"}
	var staff []string // one staff member per press: a chat gets about a message a second
	for i := range staffData {
		staff = append(staff, fmt.Sprint(9380+i))
	}
	b := startBadInputBot(t, "STAFF_IDS", strings.Join(staff, ","))
	const payment = "Bene! Come hai pagato?"
	chat := int64(9340)
	for _, tc := range []struct {
		name, data string
		want       []string // the messages the member gets, by their start
	}{
		{"empty", "", []string{payment}},
		{"a word", "garbage", []string{payment}},
		{"random bytes", "\x00\x01\x7f\u00e9\u200b\ufffd|||", []string{payment}},
		{"longer than Telegram allows", strings.Repeat("1|act_pay|", 20), []string{payment}},
		{"an older version's format", "act_pay:pay:card", []string{payment}},
		{"version 0", "0|act_pay|pay|card", []string{payment}},
		{"a future version", "2|act_pay|pay|card", []string{payment}},
		{"too many fields", "1|act_pay|pay|card|x", []string{payment}},
		{"a step that does not exist", "1|no_such_step|go_act|", []string{"Quel pulsante era di un messaggio precedente.", payment}},
		{"another step's button", "1|menu|go_act|", []string{"Quel pulsante era di un messaggio precedente.", payment}},
		{"an action that does not exist", "1|act_pay|launch|", []string{"Quel pulsante era di un messaggio precedente.", payment}},
		{"a payment that does not exist", "1|act_pay|pay|bitcoin", []string{"Quel pulsante era di un messaggio precedente."}},
		{"a staff send button", "s|send|1:all", []string{payment}},
		{"a staff audience button", "s|aud|all", []string{payment}},
		{"a staff cancel button", "s|cancel|", []string{payment}},
		{"the staff prefix alone", "s|", []string{payment}},
	} {
		chat++
		b.seed(t, chat, dialogs.StepActPayment)
		before := b.state(t, chat)
		qid := fmt.Sprint("forged-", chat)
		b.deliver(t, map[string]any{"update_id": chat, "callback_query": map[string]any{
			"id": qid, "chat_instance": "1", "data": tc.data,
			"from":    map[string]any{"id": chat, "is_bot": false, "first_name": "Anna"},
			"message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": chat, "type": "private"}},
		}})
		waitUntil(t, 10*time.Second, tc.name+": answered", func() bool { return len(b.fake.Sent(chat)) > 0 })
		quietChat(t, b.rdb, chat)
		if !pressAnswered(b.fake, qid) {
			t.Errorf("%s: the press was not answered (the member's spinner keeps turning)", tc.name)
		}
		sent := plains(b.fake.Sent(chat))
		ok := len(sent) == len(tc.want)
		for i := 0; ok && i < len(sent); i++ {
			ok = strings.HasPrefix(sent[i], tc.want[i])
		}
		if !ok {
			t.Errorf("%s (%q): the member got %q; want %q", tc.name, tc.data, sent, tc.want)
		} else if _, buttons := lastButtons(t, b.fake, chat); len(buttons) < 3 {
			t.Errorf("%s: the last message has buttons %+v, want the payment's", tc.name, buttons)
		}
		if after := b.state(t, chat); after != before {
			t.Errorf("%s: state %s, want it unchanged (%s)", tc.name, after, before)
		}
		if n, _ := b.rdb.Exists(context.Background(), fmt.Sprintf("pecbot:{%d}:staff", chat)).Result(); n != 0 {
			t.Errorf("%s: a member has a staff draft", tc.name)
		}
	}

	// Staff, with no announcement prepared: every staff button is old.
	const stale = "Questo pulsante non vale più"
	for i, data := range staffData {
		from := int64(9380 + i)
		qid := fmt.Sprint("staff-forged-", i)
		b.deliver(t, map[string]any{"update_id": 9400 + i, "callback_query": map[string]any{
			"id": qid, "chat_instance": "1", "data": data,
			"from": map[string]any{"id": from, "is_bot": false, "first_name": "Staff"},
		}})
		waitUntil(t, 10*time.Second, data+" from staff: answered", func() bool { return len(b.fake.Sent(from)) > 0 })
		quietChat(t, b.rdb, from)
		if got := plains(b.fake.Sent(from)); len(got) != 1 || !strings.HasPrefix(got[0], stale) {
			t.Errorf("staff pressing %q: %q, want %q", data, got, stale)
		}
		if !pressAnswered(b.fake, qid) {
			t.Errorf("staff pressing %q: not answered", data)
		}
	}
	if calls := b.fake.CallsOf("copyMessage"); len(calls) != 0 {
		t.Errorf("forged buttons copied %d announcements", len(calls))
	}
	for _, pattern := range []string{"pecbot:bc:*", "pecbot:broadcasts"} {
		if keys, _ := b.rdb.Keys(context.Background(), pattern).Result(); len(keys) != 0 {
			t.Errorf("forged buttons created a broadcast: %v", keys)
		}
	}
	noRejectedCalls(t, b.fake)
}

// pressAnswered reports whether the button press qid was answered.
func pressAnswered(fake *telegramtest.Server, qid string) bool {
	for _, c := range fake.CallsOf("answerCallbackQuery") {
		if c.Params["callback_query_id"] == qid && c.Status == http.StatusOK {
			return true
		}
	}
	return false
}

// TestBadInputConfig: a bad value of every kind of variable (a number, a
// duration, a list, a boolean, an address, a word from a set), or one set
// empty, stops the program before anything starts, with exit code 2 and
// an error naming the variable. (More cases: TestBadEnvironment,
// TestTelegramConfigErrors.)
func TestBadInputConfig(t *testing.T) {
	webhook := func(url, secret string) map[string]string {
		return map[string]string{"UPDATES": "webhook", "WEBHOOK_URL": url, "WEBHOOK_SECRET": secret}
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		// Numbers.
		{map[string]string{"REMIND_HOUR": "10.5"}, "REMIND_HOUR"},
		{map[string]string{"REMIND_HOUR": ""}, "REMIND_HOUR"},
		{map[string]string{"SEND_RATE": "-1"}, "SEND_RATE"},
		{map[string]string{"SEND_RATE": "28/s"}, "SEND_RATE"},
		{map[string]string{"PAID_RATE": "fast"}, "PAID_RATE"},
		{map[string]string{"REMINDER_WORKERS": "many"}, "REMINDER_WORKERS"},
		{map[string]string{"REMINDER_WORKERS": "1001"}, "REMINDER_WORKERS"},
		{map[string]string{"STAFF_CHAT": "staff"}, "STAFF_CHAT"},
		{map[string]string{"STAFF_CHAT": "-100123456789012345678"}, "STAFF_CHAT"},
		// Durations.
		{map[string]string{"MEMBER_TTL": "-1h"}, "MEMBER_TTL"},
		{map[string]string{"MEMBER_TTL": "730"}, "MEMBER_TTL"},
		{map[string]string{"MEMBER_TTL": "2y"}, "MEMBER_TTL"},
		// Lists.
		{map[string]string{"STAFF_IDS": "1,,2"}, "STAFF_IDS"},
		{map[string]string{"STAFF_IDS": "12;34"}, "STAFF_IDS"},
		{map[string]string{"STAFF_IDS": "99999999999999999999"}, "STAFF_IDS"},
		{map[string]string{"STAFF_IDS": "@anna"}, "STAFF_IDS"},
		{map[string]string{"CLOSURES": "2027-08-14;2027-12-24"}, "CLOSURES"},
		{map[string]string{"CLOSURES": "14/08/2027"}, "CLOSURES"},
		// Booleans.
		{map[string]string{"PAID_BROADCASTS": "maybe"}, "PAID_BROADCASTS"},
		{map[string]string{"PAID_BROADCASTS": "yes"}, "PAID_BROADCASTS"},
		{map[string]string{"PAID_BROADCASTS": ""}, "PAID_BROADCASTS"},
		// Addresses.
		{map[string]string{"TELEGRAM_API_URL": ""}, "TELEGRAM_API_URL"},
		{map[string]string{"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"},
		{map[string]string{"TELEGRAM_API_URL": "https://"}, "TELEGRAM_API_URL"},
		{webhook("", "ok"), "WEBHOOK_URL"},
		{webhook("https://", "ok"), "WEBHOOK_URL"},
		{webhook("example.org/telegram", "ok"), "WEBHOOK_URL"},
		{webhook("ftp://example.org/telegram", "ok"), "WEBHOOK_URL"},
		{webhook("https://example.org/telegram", ""), "WEBHOOK_SECRET"},
		{webhook("https://example.org/telegram", strings.Repeat("a", 257)), "WEBHOOK_SECRET"},
		{webhook("https://example.org/telegram", "sécret"), "WEBHOOK_SECRET"},
		{map[string]string{"UPDATES": "webhook", "WEBHOOK_URL": "https://example.org/t", "WEBHOOK_SECRET": "ok", "LISTEN_ADDR": "localhost"}, "LISTEN_ADDR"},
		{map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis://db/x"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis://db:99999"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis-sentinel://s1:26379"}, "REDIS_URL"},
		// Words from a set.
		{map[string]string{"UPDATES": ""}, "UPDATES"},
		{map[string]string{"UPDATES": "Webhook"}, "UPDATES"},
		{map[string]string{"DEFAULT_LANG": "IT"}, "DEFAULT_LANG"},
		{map[string]string{"DEFAULT_LANG": ""}, "DEFAULT_LANG"},
		{map[string]string{"TIME_ZONE": "Rome"}, "TIME_ZONE"},
		{map[string]string{"TIME_ZONE": "CET+1"}, "TIME_ZONE"},
		{map[string]string{"REDIS_PREFIX": ""}, "REDIS_PREFIX"},
		{map[string]string{"REDIS_PREFIX": "pec bot"}, "REDIS_PREFIX"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"LOG_LEVEL": ""}, "LOG_LEVEL"},
		// The Ordine's facts: set empty, a gap in the texts.
		{map[string]string{"CONVENTION_CODE": ""}, "CONVENTION_CODE"},
		{map[string]string{"ORDINE_NAME": "  "}, "ORDINE_NAME"},
		// The token: blanks, or a line end copied with it (an .env file
		// saved with Windows line ends); never repeated in the error.
		{map[string]string{"TELEGRAM_TOKEN": "   "}, "TELEGRAM_TOKEN"},
		{map[string]string{"TELEGRAM_TOKEN": testToken + "\r"}, "TELEGRAM_TOKEN"},
		{map[string]string{"TELEGRAM_TOKEN": "TEST-token"}, "TELEGRAM_TOKEN"},
		// The listener, in polling mode too (/healthz, /readyz, /metrics).
		{map[string]string{"LISTEN_ADDR": "8080"}, "LISTEN_ADDR"},
	} {
		out, err := runWithConfig(t, tc.env)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v (exit %d), want an error naming %s, exit 2", tc.env, err, exitCode(err), tc.want)
		}
		if err != nil && strings.Contains(err.Error()+out, "TEST-token") {
			t.Errorf("%q: the token is repeated: %v", tc.env, err)
		}
	}
}

// TestBadInputConfigAtStart: what only starting can tell. A token Telegram
// refuses stops the bot with an error naming the variable (exit 1: the
// value was well formed). A Redis that does not answer is waited for (it may be
// starting with the bot), saying so in the log.
func TestBadInputConfigAtStart(t *testing.T) {
	fake := telegramtest.New(t, testToken)
	rds := redistest.StartServer(t)
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"TELEGRAM_TOKEN", "123456:another-token"}, "TELEGRAM_TOKEN"},
	} {
		cleanEnv(t, botEnv(fake, rds.Addr(), tc.env...))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var logs lockedBuffer
		err := run(ctx, nil, strings.NewReader(""), &logs, &logs)
		if err == nil || ctx.Err() != nil || exitCode(err) != 1 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v (exit %d); want an error naming %s, exit 1, at once", tc.env, err, exitCode(err), tc.want)
		}
		cancel()
	}

	cleanEnv(t, botEnv(fake, freeAddr(t)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, strings.NewReader(""), &logs, &logs) }()
	waitUntil(t, 10*time.Second, "the bot waiting for Redis", func() bool { return strings.Contains(logs.String(), "waiting for Redis") })
	select {
	case err := <-done:
		t.Fatalf("with no Redis at REDIS_URL the bot stopped: %v", err)
	default:
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "stopped while waiting for Redis") {
		t.Errorf("stopped while waiting for Redis: %v", err)
	}
}

// TestBadInputRefusedByTelegram: a press by webhook is answered in the
// webhook's response, whatever Telegram thinks of its query (an expired
// one is refused there, silently: it costs nothing), and the answer to the
// press still comes; a message Telegram refuses (400) costs only that
// call: it is logged and dropped, not retried for ever, and the rest of
// the answer still reaches the member.
func TestBadInputRefusedByTelegram(t *testing.T) {
	const presser, writer = 9361, 9362
	b := startBadInputBot(t)
	b.seed(t, presser, dialogs.StepMenu)
	// Posted past the fake, which therefore never sees the query.
	req, err := http.NewRequest(http.MethodPost, "http://"+b.listen+"/telegram", bytes.NewReader(updateJSON(t, map[string]any{
		"update_id": 1, "callback_query": map[string]any{
			"id": "expired-query", "chat_instance": "1", "data": dialogs.EncodeButton(dialogs.StepMenu, dialogs.ActGoActivate, ""),
			"from": map[string]any{"id": presser, "is_bot": false, "first_name": "Anna"},
		}})))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", badInputSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"callback_query_id":"expired-query"`) {
		t.Fatalf("the press: HTTP %d %s; want 200 answering the query", resp.StatusCode, body)
	}
	waitText(t, b.fake, presser, "OMCEO-LT", 10*time.Second)
	quietChat(t, b.rdb, presser)
	if answers := b.fake.CallsOf("answerCallbackQuery"); len(answers) != 0 {
		t.Errorf("answerCallbackQuery calls %+v; want none (answered in the response)", answers)
	}

	b.fake.Fail("sendMessage", 1, telegramtest.Fault{Status: http.StatusBadRequest, Description: "Bad Request: message is too long"})
	b.deliver(t, privateUpdate(2, writer, map[string]any{"text": "/start"}))
	waitText(t, b.fake, writer, "cosa devi fare?", 10*time.Second)
	quietChat(t, b.rdb, writer)
	if sent := plains(b.fake.Sent(writer)); len(sent) != 1 {
		t.Errorf("the member got %q; want the menu only (the welcome was refused)", sent)
	}
	_, logs := b.stop()
	if n := strings.Count(logs, "Telegram refused a message; dropped"); n != 1 {
		t.Errorf("%d refused calls logged, want 1:\n%s", n, logs)
	}
}
