package bot

import (
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
}

// outboxOf turns replies (and the answer a button press needs, first) into
// stored outbox items.
func outboxOf(replies []Reply, callbackID string) ([][]byte, error) {
	var items []Outgoing
	if callbackID != "" {
		items = append(items, Outgoing{CallbackID: callbackID})
	}
	for _, r := range replies {
		items = append(items, Outgoing{Text: r.Text, Buttons: r.Buttons})
	}
	out := make([][]byte, 0, len(items))
	for _, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("encode outgoing message: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// chatRef names a chat in logs without its Telegram ID (personal data): a
// short hash, enough to follow one chat through a log.
func chatRef(chat int64) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.FormatInt(chat, 10)))
	return fmt.Sprintf("%08x", h.Sum32())
}
