package bot

import (
	"context"
	"encoding/json"
	"sync"
)

// A press of a button keeps a spinner on it until the bot answers the
// callback query. An update that came by webhook carries that answer in
// the webhook's HTTP response (Telegram's "request in the answer to the
// webhook"), which costs no Bot API call; by polling, the answer is the
// first item of the chat's outbox, as before.

// inlineAnswer is the callback query an update's webhook response answers.
type inlineAnswer struct {
	mu       sync.Mutex
	callback string
}

type inlineAnswerKey struct{}

// withInlineAnswer marks ctx as a webhook request whose response can carry
// the callback answer a.
func withInlineAnswer(ctx context.Context, a *inlineAnswer) context.Context {
	return context.WithValue(ctx, inlineAnswerKey{}, a)
}

// answerInline takes the answer to callback query id into the webhook's
// response when the update came by webhook, and returns "" then; otherwise
// it returns id, to be answered through the outbox.
func answerInline(ctx context.Context, id string) string {
	a, ok := ctx.Value(inlineAnswerKey{}).(*inlineAnswer)
	if id == "" || !ok {
		return id
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.callback = id
	return ""
}

// body is the webhook response's method call, or nil if there is none.
func (a *inlineAnswer) body() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.callback == "" {
		return nil
	}
	b, err := json.Marshal(map[string]string{"method": "answerCallbackQuery", "callback_query_id": a.callback})
	if err != nil {
		return nil
	}
	return b
}
