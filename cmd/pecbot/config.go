package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/locales"
)

// Config is the whole configuration, read from the environment. `pecbot
// --help` lists it. The Ordine's facts default to Latina's.
type Config struct {
	TimeZone   string `envconfig:"TIME_ZONE" default:"Europe/Rome" desc:"time zone of every date members see and of reminders"`
	RemindHour int    `envconfig:"REMIND_HOUR" default:"10" desc:"local hour (9-18) at which reminders go out, on working days"`
	Closures   string `envconfig:"CLOSURES" desc:"extra closure days that are not working days, e.g. 2027-08-14,2027-12-24"`
	Lang       string `envconfig:"DEFAULT_LANG" default:"it" desc:"language of a member the bot has not met yet: it or en"`
	LogLevel   string `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	locales.Facts
}

// settings is the configuration checked and turned into the values the
// program uses.
type settings struct {
	Config
	loc      *time.Location
	cal      *calendar.Calendar
	language string
}

// loadConfig reads and checks the environment. Every bad variable is named
// in the error, with what is expected.
func loadConfig() (settings, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return settings{}, usageError{fmt.Errorf("configuration: %w", err)}
	}
	var problems []string
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" {
		problems = append(problems, fmt.Sprintf("TIME_ZONE=%q is not a time zone (e.g. Europe/Rome)", c.TimeZone))
	}
	if c.RemindHour < 9 || c.RemindHour > 18 {
		problems = append(problems, fmt.Sprintf("REMIND_HOUR=%d is not a civil hour (9 to 18)", c.RemindHour))
	}
	closures, err := calendar.ParseClosures(c.Closures)
	if err != nil {
		problems = append(problems, fmt.Sprintf("CLOSURES: %v", err))
	}
	if !dialogs.Speaks(c.Lang) {
		problems = append(problems, fmt.Sprintf("DEFAULT_LANG=%q is not a language of the bot (%s)", c.Lang, strings.Join(dialogs.Languages, ", ")))
	}
	if len(problems) > 0 {
		return settings{}, usageError{fmt.Errorf("configuration: %s", strings.Join(problems, "; "))}
	}
	return settings{Config: c, loc: loc, cal: calendar.New(closures...), language: c.Lang}, nil
}

// usage writes the commands and the configuration.
func usage(w io.Writer) {
	fmt.Fprint(w, `pecbot: the PEC assistant of the Ordine dei Medici di Latina

Usage:
  pecbot console [--now 2027-09-30T10:00] [--lang it|en] [--echo]
        the conversation in this terminal; state in memory
  pecbot diagram
        the conversation as a Mermaid state diagram
  pecbot --help
        this text

In the console: buttons print as [1], [2]...; type the number to press one.
Any other line is text; start it with ' to send a number as text ('12).
/commands work as on Telegram; /clock 2027-10-08T10:00 and /advance 3d
move the clock, and reminders due on the way are shown as they arrive.

Configuration (environment variables):
`)
	tw := tabwriter.NewWriter(w, 1, 0, 2, ' ', 0)
	_ = envconfig.Usagef("", &Config{}, tw, "{{range .}}  {{usage_key .}}\t{{usage_description .}}{{if usage_default .}} (default {{usage_default .}}){{end}}\n{{end}}")
	_ = tw.Flush()
}
