package telegramtest

import (
	"regexp"
	"strings"
)

// Document is a file the bot sent with sendDocument and Telegram accepted,
// as recorded by Server.Documents.
type Document struct {
	// Upload is the file uploaded; for a file given by file_id or URL,
	// Filename is that string and Data is nil.
	Upload Upload
	// Caption is the caption parameter as sent, markup included; Plain is
	// the caption as the user sees it, after entity parsing.
	Caption, Plain string
	// ParseMode is the parse_mode parameter.
	ParseMode string
	// Buttons is the inline keyboard, nil if none.
	Buttons [][]Button
}

// fileID is the shape of a file_id, roughly: a long base64url string.
var fileID = regexp.MustCompile(`^[A-Za-z0-9_-]{20,}$`)

// checkDocument refuses a sendDocument without its file, with an empty
// upload, or with a string that is neither a file_id nor an HTTP URL (such
// as the "null" go-telegram/bot sends for a nil Document), as Telegram does.
func checkDocument(p map[string]any) *apiError {
	switch d := p["document"].(type) {
	case Upload:
		if len(d.Data) == 0 {
			return badRequest("file must be non-empty")
		}
		return nil
	case string:
		if strings.HasPrefix(d, "http://") || strings.HasPrefix(d, "https://") || fileID.MatchString(d) {
			return nil
		}
		return badRequest("wrong remote file identifier specified: Wrong string length")
	}
	return badRequest("there is no document in the request")
}

// Documents returns the documents sent to chat (accepted sendDocument
// calls), in order.
func (s *Server) Documents(chat int64) []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Document
	for _, c := range s.callsLocked("sendDocument") {
		if c.Status != 200 {
			continue
		}
		if id, ok := integer(c.Params, "chat_id"); !ok || id != chat {
			continue
		}
		d := Document{Buttons: buttons(inlineMarkup(c.Params))}
		d.ParseMode, _ = str(c.Params, "parse_mode")
		switch f := c.Params["document"].(type) {
		case Upload:
			d.Upload = f
		case string:
			d.Upload.Filename = f
		}
		if _, ok := c.Params["caption"]; ok {
			f, _ := checkText(c.Params, "caption", "caption_entities", 0, 1024) // accepted: it parses
			d.Caption, d.Plain = f.raw, f.plain
		}
		out = append(out, d)
	}
	return out
}
