package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
)

// Outgoing is one item of a chat's outbox, stored until Telegram accepted
// it: a message to send, or the answer to a pressed button (Telegram shows a
// spinner on the button until it comes).
type Outgoing struct {
	Text       string          `json:"text,omitempty"`
	Buttons    [][]ReplyButton `json:"buttons,omitempty"`
	CallbackID string          `json:"cb,omitempty"`
	// Kind is what the message is, for the pace (Kind's constants); empty
	// means a reply.
	Kind Kind `json:"k,omitempty"`
	// Copy, when set, is a message copied to the member as it is (an
	// announcement: text, photo, document, with its formatting).
	Copy *Copy `json:"copy,omitempty"`
	// Broadcast names the broadcast the item belongs to: its outcome is
	// recorded, and it is skipped once the broadcast is stopped.
	Broadcast string `json:"bc,omitempty"`
	// Doc is a file to send before Text (which may then be empty), with
	// the buttons under the last of the two.
	Doc *Document `json:"doc,omitempty"`
}

// Kind says what an outgoing message is. The sender's shared pace serves
// replies first, then reminders, then broadcasts: a member talking to the
// bot never waits behind a batch of reminders.
type Kind string

// The kinds of outgoing messages.
const (
	KindReply     Kind = ""          // an answer to what the member just did
	KindReminder  Kind = "reminder"  // a wake-up's message
	KindBroadcast Kind = "broadcast" // an announcement of the staff
	// KindDropped is an announcement dropped by /forget, kept in its place
	// (storage's erase writes it): a delivery under way removes items by
	// position. Nothing is sent for it.
	KindDropped Kind = "dropped"
)

// outboxOf turns replies (and the answer a button press needs, first) into
// outbox items of the given kind: their values and how they are stored.
func outboxOf(replies []Reply, callbackID string, kind Kind) (Queued, error) {
	var items []Outgoing
	if callbackID != "" {
		items = append(items, Outgoing{CallbackID: callbackID})
	}
	for _, r := range replies {
		items = append(items, Outgoing{Text: r.Text, Buttons: r.Buttons, Kind: kind, Doc: r.Document, Copy: r.Copy})
	}
	raw := make([][]byte, 0, len(items))
	for _, it := range items {
		b, err := it.encode()
		if err != nil {
			return Queued{}, err
		}
		raw = append(raw, b)
	}
	return Queued{Raw: raw, Items: items}, nil
}

// encode writes the item as the outbox keeps it: JSON, its HTML as it is
// (json.Marshal would write each < and > of a formatted text as \u003c and
// \u003e, longer to store and slower to read back).
func (it Outgoing) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(it); err != nil {
		return nil, fmt.Errorf("encode outgoing message: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// chatRef names a chat in logs without its Telegram ID (personal data): a
// short hash, enough to follow one chat through a log.
func chatRef(chat int64) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.FormatInt(chat, 10)))
	return fmt.Sprintf("%08x", h.Sum32())
}
