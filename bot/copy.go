package bot

import (
	"context"

	tgbot "github.com/go-telegram/bot"
)

// Copy is a message to copy to a member with copyMessage: the staff's
// announcement as they sent it, formatting and attachments intact.
type Copy struct {
	FromChat int64 `json:"from"`
	Message  int   `json:"msg"`
	// Paid sets allow_paid_broadcast: beyond the free 30 messages a
	// second, paid in Telegram Stars.
	Paid bool `json:"paid,omitempty"`
}

// copyMessage sends c to chat.
func (s *Sender) copyMessage(ctx context.Context, chat int64, c *Copy) error {
	p := &tgbot.CopyMessageParams{
		ChatID: chat, FromChatID: c.FromChat, MessageID: c.Message, AllowPaidBroadcast: c.Paid,
	}
	if s.Direct != nil {
		return s.Direct.call(ctx, "copyMessage", p)
	}
	_, err := s.API.CopyMessage(ctx, p)
	return err
}
