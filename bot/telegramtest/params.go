package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Upload is a file uploaded in a multipart/form-data request (an InputFile),
// as recorded in Call.Params.
type Upload struct {
	Filename string
	Data     []byte
}

// fieldKind is the type of a method parameter, as far as decoding needs it.
type fieldKind int

const (
	kindString fieldKind = iota
	kindInt              // Integer, or Integer or String (chat_id): int64 when it parses
	kindFloat            // Float
	kindBool             // Boolean
	kindJSON             // objects and arrays, sent JSON-serialized in forms
	kindFile             // InputFile or String
)

// Parameter names of Bot API 10.1 by type; every other parameter is a String.
// A name has the same type in every method, except offset (a String in
// answerInlineQuery, see methodFieldKinds) and photo and sticker (an InputFile
// or a JSON object, which kindFile covers).
const (
	intFields = `active_period actor_chat_id cache_time chat_id close_date
		direct_messages_topic_id draft_id duration emoji_status_expiration_date
		expire_date from_chat_id from_story_id heading height icon_color length
		limit live_period max_connections max_tip_amount member_limit message_id
		message_thread_id month_count new_owner_chat_id offset open_period
		photo_height photo_size photo_width position proximity_alert_radius
		score send_date sender_chat_id star_count start_timestamp story_id
		subscription_period subscription_price timeout until_date user_id
		video_start_timestamp width`
	floatFields = `horizontal_accuracy latitude longitude`
	boolFields  = `allow_adding_options allow_bot_chats allow_channel_chats
		allow_group_chats allow_paid_broadcast allow_user_chats
		allows_multiple_answers allows_revoting can_change_info
		can_delete_messages can_delete_stories can_edit_messages
		can_edit_stories can_invite_users can_manage_chat
		can_manage_direct_messages can_manage_tags can_manage_topics
		can_manage_video_chats can_pin_messages can_post_messages
		can_post_stories can_promote_members can_restrict_members
		creates_join_request disable_content_type_detection
		disable_edit_message disable_notification drop_pending_updates
		exclude_from_blockchain exclude_limited_non_upgradable
		exclude_limited_upgradable exclude_saved exclude_unique
		exclude_unlimited exclude_unsaved for_channels force has_spoiler
		hide_results_until_closes is_access_restricted is_anonymous is_big
		is_canceled is_closed is_flexible is_personal is_public
		keep_original_details members_only need_email need_name
		need_phone_number need_shipping_address needs_repainting ok
		only_if_banned pay_for_upgrade post_to_chat_page protect_content
		remove_caption return_bots revoke_messages send_email_to_provider
		send_phone_number_to_provider show_alert show_caption_above_media
		show_gift_button shuffle_options sort_by_price supports_streaming
		use_independent_chat_permissions`
	jsonFields = `accepted_gift_types added_user_ids allowed_updates areas
		button caption_entities checklist commands content correct_option_ids
		country_codes custom_emoji_ids description_entities emoji_list
		entities errors explanation_entities explanation_media keywords
		link_preview_options mask_position media menu_button message_ids
		options permissions prices question_entities reaction reply_markup
		reply_parameters result results rich_message rights scope
		shipping_options stickers suggested_post_parameters
		suggested_tip_amounts text_entities`
	fileFields = `animation audio certificate cover document live_photo photo
		sticker thumbnail video video_note voice`
)

var fieldKinds = func() map[string]fieldKind {
	m := map[string]fieldKind{}
	for kind, names := range map[fieldKind]string{
		kindInt: intFields, kindFloat: floatFields, kindBool: boolFields,
		kindJSON: jsonFields, kindFile: fileFields,
	} {
		for _, n := range strings.Fields(names) {
			m[n] = kind
		}
	}
	return m
}()

// methodFieldKinds are the exceptions to fieldKinds.
var methodFieldKinds = map[string]map[string]fieldKind{
	"answerInlineQuery": {"offset": kindString},
}

func kindOf(method, field string) fieldKind {
	if k, ok := methodFieldKinds[method][field]; ok {
		return k
	}
	return fieldKinds[field]
}

// maxBody bounds the request bodies the fake reads (Telegram accepts uploads
// of up to 50 MB).
const maxBody = 50 << 20

// decodeParams reads a request's parameters from its query string and its
// body (application/json, multipart/form-data or
// application/x-www-form-urlencoded), decoded as described on Call.Params.
func decodeParams(r *http.Request, method string) (map[string]any, error) {
	params := map[string]any{}
	for k, vs := range r.URL.Query() {
		params[k] = coerce(method, k, vs[0])
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return params, fmt.Errorf("can't read the request body: %v", err)
	}
	if len(body) > maxBody {
		return params, errors.New("request entity too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// go-telegram/bot sends an empty body (not even a closing boundary)
		// under a multipart Content-Type for methods without parameters.
		return params, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return params, fmt.Errorf("can't parse JSON object: %v", err)
		}
		for k, v := range m {
			params[k] = coerceJSON(method, k, normalize(v))
		}
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"]).ReadForm(maxBody)
		if err != nil {
			return params, fmt.Errorf("can't parse multipart form: %v", err)
		}
		defer form.RemoveAll()
		for k, vs := range form.Value {
			params[k] = coerce(method, k, vs[0])
		}
		for k, fhs := range form.File {
			f, err := fhs[0].Open()
			if err != nil {
				return params, fmt.Errorf("can't read uploaded file %q: %v", k, err)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return params, fmt.Errorf("can't read uploaded file %q: %v", k, err)
			}
			params[k] = Upload{Filename: fhs[0].Filename, Data: data}
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, fmt.Errorf("can't parse form: %v", err)
		}
		for k, vs := range vals {
			params[k] = coerce(method, k, vs[0])
		}
	}
	return params, nil
}

// coerce decodes a parameter sent as a string (query, form field) by the type
// the Bot API gives it. A value that does not decode stays a string, so that
// validation can report it.
func coerce(method, field, s string) any {
	switch kindOf(method, field) {
	case kindInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return n
		}
	case kindFloat:
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f
		}
	case kindBool:
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return b
		}
	case kindJSON:
		if v, ok := decodeJSON(s); ok {
			return v
		}
	case kindFile:
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			if v, ok := decodeJSON(t); ok {
				return v
			}
		}
	}
	return s
}

// coerceJSON decodes a value of a JSON body: strings are decoded like form
// fields (Telegram accepts "123" for an Integer and a JSON-serialized string
// for an object), and Float parameters are float64 even when integral.
func coerceJSON(method, field string, v any) any {
	switch v := v.(type) {
	case string:
		if kindOf(method, field) != kindString {
			return coerce(method, field, v)
		}
	case int64:
		if kindOf(method, field) == kindFloat {
			return float64(v)
		}
	}
	return v
}

func decodeJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return normalize(v), true
}

// normalize turns json.Numbers into int64 (integral) or float64, recursively.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
		return v
	}
	return v
}

// deepCopy copies decoded parameter values, so that callers of Calls cannot
// race with each other or with the server.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	case Upload:
		return Upload{Filename: v.Filename, Data: bytes.Clone(v.Data)}
	}
	return v
}

// Helpers to read decoded parameters.

func str(p map[string]any, k string) (string, bool) {
	s, ok := p[k].(string)
	return s, ok
}

func integer(p map[string]any, k string) (int64, bool) {
	switch v := p[k].(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

func boolean(p map[string]any, k string) bool {
	b, _ := p[k].(bool)
	return b
}
