package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/locales"
)

// usageError is a mistake of whoever started the program (a bad flag or
// variable): exit code 2, not 1.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run is the whole program: main only adds the process's signals, streams
// and exit code. Configuration comes from the environment (envconfig reads
// it directly, so tests set it with t.Setenv).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runBot(ctx, stderr, bot.RealClock())
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return nil
	case "diagram":
		return runDiagram(args[1:], stdout, stderr)
	case "console":
		return runConsole(ctx, args[1:], stdin, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr)
	}
	usage(stderr)
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}

// runConsole runs the conversation in the terminal.
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nowFlag := fs.String("now", "", "fix the clock at this time, e.g. 2027-09-30T10:00 (default: the real time)")
	lang := fs.String("lang", cfg.language, "language of the conversation: it or en")
	echo := fs.Bool("echo", !isTerminal(stdin), "repeat each input line in the output (default when input is not a terminal)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flags were printed, as asked
		}
		return usageError{err}
	}
	if !dialogs.Speaks(*lang) {
		return usageError{fmt.Errorf("--lang %q: the bot speaks %s", *lang, strings.Join(dialogs.Languages, ", "))}
	}
	clock := bot.RealClock()
	if *nowFlag != "" {
		t, err := bot.ParseConsoleTime(*nowFlag, cfg.loc)
		if err != nil {
			return usageError{fmt.Errorf("--now: %w", err)}
		}
		clock = bot.FixedClock(t)
	}
	log := newLogger(stderr, cfg.LogLevel)
	texts, err := locales.New(cfg.Facts, cfg.loc, locales.WithHolidays(cfg.cal.Holiday))
	if err != nil {
		return err
	}
	log.Debug().Msg("console: state is kept in memory only, for this session")
	con := &bot.Console{
		Conv: &bot.Conversation{
			Dialog: dialogs.New(cfg.cal, cfg.loc, cfg.RemindHour),
			Texts:  texts,
			Store:  bot.NewMemoryStore(),
			Lang:   *lang,
		},
		Clock: clock,
		Loc:   cfg.loc,
		Echo:  *echo,
	}
	return con.Run(ctx, stdin, stdout)
}

// runDiagram prints the conversation as a Mermaid state diagram, labelled
// with the words members see (Italian unless --lang en).
func runDiagram(args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", cfg.language, "language of the labels: it or en")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err}
	}
	if !dialogs.Speaks(*lang) {
		return usageError{fmt.Errorf("--lang %q: the bot speaks %s", *lang, strings.Join(dialogs.Languages, ", "))}
	}
	texts, err := locales.New(cfg.Facts, cfg.loc)
	if err != nil {
		return err
	}
	label := func(key string) string {
		s, err := texts.Render(*lang, key, nil)
		if err != nil {
			return key
		}
		return locales.PlainText(s)
	}
	_, err = io.WriteString(stdout, dialogs.Diagram(label))
	return err
}

// chatInError finds a chat's Telegram ID in an error's text (storage's
// errors name the chat they are about).
var chatInError = regexp.MustCompile(`\bchat -?[0-9]+`)

// Errors are logged without the chat IDs they hold: a member's Telegram ID
// is personal data, and errors are logged at warn and error levels.
func init() {
	zerolog.ErrorMarshalFunc = func(err error) any {
		if err == nil {
			return nil // .Err(nil) adds no field
		}
		return chatInError.ReplaceAllString(err.Error(), "chat …")
	}
}

// newLogger writes logs to w at the given level (info if unknown): JSON, or
// human-readable lines when w is a terminal. Nothing a member wrote, and no
// personal data, is logged at info level.
func newLogger(w io.Writer, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	if isTerminal(w) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// isTerminal reports whether r (a reader or a writer) is an interactive terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
