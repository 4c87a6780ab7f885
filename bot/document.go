package bot

import (
	"bytes"
	"context"
	"fmt"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Document is a file sent to the member, such as a calendar file, with its
// caption (Telegram HTML, possibly empty) shown under it.
type Document struct {
	Name    string `json:"name"`
	Data    []byte `json:"data"` // base64 in the stored outbox item
	Caption string `json:"caption,omitempty"`
}

// maxCaptionLen is Telegram's limit on a caption, in UTF-16 units.
const maxCaptionLen = 1024

// sendDocument uploads doc to chat, with buttons (if any) under it. The
// upload reads a fresh copy of the data, so that a retry sends it whole.
func (s *Sender) sendDocument(ctx context.Context, chat int64, doc *Document, buttons [][]ReplyButton) error {
	p := &tgbot.SendDocumentParams{
		ChatID:   chat,
		Document: &models.InputFileUpload{Filename: doc.Name, Data: bytes.NewReader(doc.Data)},
	}
	if doc.Caption != "" {
		p.Caption, p.ParseMode = doc.Caption, models.ParseModeHTML
	}
	if len(buttons) > 0 {
		p.ReplyMarkup = keyboardOf(buttons)
	}
	if _, err := s.API.SendDocument(ctx, p); err != nil {
		return fmt.Errorf("send document %s: %w", doc.Name, err)
	}
	return nil
}
