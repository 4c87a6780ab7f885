package bot

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
)

// ConsoleChat is the chat ID of the member at the console.
const ConsoleChat int64 = 1

// maxWakesPerMove bounds the reminders fired by one move of the clock, so
// that a runaway schedule cannot hang the console.
const maxWakesPerMove = 1000

// Console runs the conversation in a terminal: the bot's messages print as
// text, buttons print numbered and a number presses one, any other line is
// sent as text, /commands work as on Telegram. /clock and /advance move the
// clock, and reminders that fall due on the way are shown as they arrive.
type Console struct {
	Conv  *Conversation
	Clock *Clock
	Loc   *time.Location
	// Echo repeats each input line, so that a transcript read from a pipe
	// shows both sides.
	Echo bool

	out     io.Writer
	buttons []ReplyButton // the buttons of the last replies, numbered from 1
}

// Run reads lines from in until EOF (or ctx ends) and writes the
// conversation to out.
func (c *Console) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	c.out = out
	if err := c.fireDue(ctx, c.Clock.Now()); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if c.Echo {
			fmt.Fprintf(out, "> %s\n", line)
		}
		if err := c.line(ctx, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read console input: %w", err)
	}
	return nil
}

// line handles one input line.
func (c *Console) line(ctx context.Context, line string) error {
	if err := c.fireDue(ctx, c.Clock.Now()); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(line, "/clock"), strings.HasPrefix(line, "/advance"):
		return c.moveClock(ctx, line)
	case strings.HasPrefix(line, "'"): // a number meant as text, not as a button
		return c.send(ctx, dialogs.Event{Kind: dialogs.Text, Text: strings.TrimPrefix(line, "'")})
	case strings.HasPrefix(line, "/"):
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "/"), " ")
		return c.send(ctx, dialogs.Event{Kind: dialogs.Command, Name: strings.ToLower(name)})
	}
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		ev, err := dialogs.DecodeButton(c.buttons[n-1].Data)
		if err != nil {
			return fmt.Errorf("console button %d: %w", n, err)
		}
		return c.send(ctx, ev)
	}
	return c.send(ctx, dialogs.Event{Kind: dialogs.Text, Text: line})
}

// send handles one event now and prints the replies.
func (c *Console) send(ctx context.Context, ev dialogs.Event) error {
	replies, s, err := c.Conv.Handle(ctx, ConsoleChat, ev, c.Clock.Now())
	if err != nil {
		return err
	}
	return c.print(replies, s.Lang)
}

// moveClock handles /clock 2027-10-08T10:00 and /advance 3d (also h, m).
func (c *Console) moveClock(ctx context.Context, line string) error {
	cmd, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	now := c.Clock.Now()
	var to time.Time
	var err error
	if cmd == "/clock" {
		to, err = ParseConsoleTime(arg, c.Loc)
	} else {
		var d time.Duration
		d, err = parseAdvance(arg)
		to = now.Add(d)
	}
	if err != nil {
		fmt.Fprintf(c.out, "(%v)\n", err)
		return nil
	}
	if err := c.fireDue(ctx, to); err != nil {
		return err
	}
	c.Clock.Set(to)
	fmt.Fprintf(c.out, "(clock: %s)\n", to.In(c.Loc).Format("Mon 2006-01-02 15:04 MST"))
	return nil
}

// fireDue delivers, in order, every reminder due up to until, each at its
// own time, as the wake-up engine would.
func (c *Console) fireDue(ctx context.Context, until time.Time) error {
	for i := 0; i < maxWakesPerMove; i++ {
		raw, err := c.Conv.Store.Load(ctx, ConsoleChat)
		if err != nil {
			return fmt.Errorf("load console state: %w", err)
		}
		s, _ := dialogs.Decode(raw)
		if s.Wake.IsZero() || s.RemindersOff || s.Wake.At.After(until) { // muted: kept, not delivered
			return nil
		}
		at := s.Wake.At
		if now := c.Clock.Now(); now.After(at) {
			at = now // due while nobody was looking: delivered now
		}
		c.Clock.Set(at)
		fmt.Fprintf(c.out, "⏰ (%s)\n", at.In(c.Loc).Format("Mon 2006-01-02 15:04"))
		replies, next, err := c.Conv.Handle(ctx, ConsoleChat, dialogs.Event{Kind: dialogs.Woken, Reason: s.Wake.Reason, At: s.Wake.At}, at)
		if err != nil {
			return err
		}
		if next.Wake.Reason == s.Wake.Reason && next.Wake.At.Equal(s.Wake.At) { // the dialog refused it; do not loop on it
			return nil
		}
		if err := c.print(replies, next.Lang); err != nil {
			return err
		}
	}
	return nil
}

// print writes replies as plain text with numbered buttons; those buttons
// are the ones a number presses next. A document shows as a line with its
// name, in lang, then its caption.
func (c *Console) print(replies []Reply, lang string) error {
	if len(replies) == 0 {
		return nil
	}
	c.buttons = c.buttons[:0]
	for _, r := range replies {
		if d := r.Document; d != nil {
			line, err := c.Conv.Texts.Render(lang, "info.cal_attachment", map[string]any{"Name": d.Name})
			if err != nil {
				return fmt.Errorf("show document %s: %w", d.Name, err)
			}
			fmt.Fprintln(c.out, locales.PlainText(line))
			if d.Caption != "" {
				fmt.Fprintln(c.out, locales.PlainText(d.Caption))
			}
		}
		if r.Text != "" || r.Document == nil {
			fmt.Fprintln(c.out, locales.PlainText(r.Text))
		}
		for _, row := range r.Buttons {
			for _, b := range row {
				c.buttons = append(c.buttons, b)
				fmt.Fprintf(c.out, "  [%d] %s\n", len(c.buttons), locales.PlainText(b.Label))
			}
		}
	}
	fmt.Fprintln(c.out)
	return nil
}

// ParseConsoleTime reads a time like 2027-09-30T10:00 (or with seconds, or
// a date alone, meaning midnight) in loc.
func ParseConsoleTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q (write it like 2027-09-30T10:00)", s)
}

// parseAdvance reads 3d, 12h, 30m or a Go duration.
func parseAdvance(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") && n >= 0 {
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration: %q (write it like 3d, 12h or 30m)", s)
	}
	return d, nil
}
