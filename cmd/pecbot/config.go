package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"reflect"
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

	TelegramToken  string        `envconfig:"TELEGRAM_TOKEN" desc:"the bot's token from @BotFather; set, pecbot runs on Telegram"`
	TelegramAPI    string        `envconfig:"TELEGRAM_API_URL" default:"https://api.telegram.org" desc:"the Bot API server (a local Bot API server, or a fake in tests)"`
	Updates        string        `envconfig:"UPDATES" default:"polling" desc:"how updates arrive: polling or webhook"`
	WebhookURL     string        `envconfig:"WEBHOOK_URL" desc:"with UPDATES=webhook: the public HTTPS address Telegram posts updates to"`
	WebhookSecret  string        `envconfig:"WEBHOOK_SECRET" desc:"with UPDATES=webhook: 1-256 characters A-Z a-z 0-9 _ -, checked on every update"`
	ListenAddr     string        `envconfig:"LISTEN_ADDR" default:":8080" desc:"where the bot serves GET /healthz, /readyz and /metrics, and with UPDATES=webhook the updates (behind an HTTPS proxy); keep it private"`
	RedisURL       string        `envconfig:"REDIS_URL" desc:"redis://host:6379/0, several addresses for a Cluster, or redis-sentinel://host:26379/master; empty: in memory only"`
	RedisPrefix    string        `envconfig:"REDIS_PREFIX" default:"pecbot" desc:"prefix of the bot's Redis keys and name of its job queue (asynq:{prefix}:...), to share a server"`
	MemberTTL      time.Duration `envconfig:"MEMBER_TTL" default:"17520h" desc:"an inactive member with no pending reminder is forgotten after this long"`
	SendRate       int           `envconfig:"SEND_RATE" default:"28" desc:"messages a second, all processes together (Telegram allows a bot about 30): replies, reminders and unpaid broadcasts"`
	ReminderJobs   int           `envconfig:"REMINDER_WORKERS" default:"16" desc:"reminders one process prepares at once"`
	StaffIDs       []int64       `envconfig:"STAFF_IDS" desc:"Telegram user IDs of the Ordine's staff, comma-separated: they may use /stats and /broadcast"`
	StaffChat      int64         `envconfig:"STAFF_CHAT" desc:"a staff group chat (the bot must be in it) told when each broadcast ends"`
	PaidBroadcasts bool          `envconfig:"PAID_BROADCASTS" default:"false" desc:"send broadcasts with allow_paid_broadcast (paid in Telegram Stars, beyond the 30 a second), at PAID_RATE"`
	PaidRate       int           `envconfig:"PAID_RATE" default:"1000" desc:"with PAID_BROADCASTS: broadcast messages a second, all processes together (Telegram allows up to 1000), on top of SEND_RATE"`
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
	if c.Updates != "polling" && c.Updates != "webhook" {
		problems = append(problems, fmt.Sprintf("UPDATES=%q is neither polling nor webhook", c.Updates))
	}
	if c.Updates == "webhook" && c.TelegramToken != "" {
		if !webhookURLOK(c.WebhookURL) {
			problems = append(problems, fmt.Sprintf("WEBHOOK_URL=%q must be an https:// address Telegram can reach (http:// only on this machine, for a local Bot API server)", c.WebhookURL))
		}
		if !validSecret(c.WebhookSecret) {
			problems = append(problems, "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
		}
	}
	if u, err := url.Parse(c.TelegramAPI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.TrimSpace(c.TelegramAPI) != c.TelegramAPI {
		problems = append(problems, fmt.Sprintf("TELEGRAM_API_URL=%q is not an http(s) address", c.TelegramAPI))
	}
	c.TelegramAPI = strings.TrimRight(c.TelegramAPI, "/")
	if c.TelegramToken != "" {
		if !validToken(c.TelegramToken) {
			// Not repeated: it is a secret (and may end in a line end).
			problems = append(problems, "TELEGRAM_TOKEN is not a token from @BotFather (digits, a colon, then letters, digits, _ and -): look for a space or a line end copied with it")
		}
		if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
			problems = append(problems, fmt.Sprintf("LISTEN_ADDR=%q is not host:port (e.g. :8080)", c.ListenAddr))
		}
	}
	c.LogLevel = strings.ToLower(strings.TrimSpace(c.LogLevel))
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("LOG_LEVEL=%q is not debug, info, warn or error", c.LogLevel))
	}
	// A fact set empty would leave a gap in what members read.
	facts := reflect.ValueOf(c.Facts)
	for i := range facts.NumField() {
		if strings.TrimSpace(facts.Field(i).String()) == "" {
			problems = append(problems, fmt.Sprintf("%s is empty: unset it for the default (%s), or give the value", facts.Type().Field(i).Tag.Get("envconfig"), facts.Type().Field(i).Tag.Get("default")))
		}
	}
	if c.RedisPrefix == "" || strings.ContainsAny(c.RedisPrefix, "{} ") {
		problems = append(problems, fmt.Sprintf("REDIS_PREFIX=%q must be a non-empty word without braces or spaces", c.RedisPrefix))
	}
	if c.MemberTTL < 0 {
		problems = append(problems, fmt.Sprintf("MEMBER_TTL=%s is negative", c.MemberTTL))
	}
	if c.SendRate < 1 || c.SendRate > 1000 {
		problems = append(problems, fmt.Sprintf("SEND_RATE=%d is not between 1 and 1000 messages a second", c.SendRate))
	}
	if c.PaidRate < 1 || c.PaidRate > 1000 {
		problems = append(problems, fmt.Sprintf("PAID_RATE=%d is not between 1 and 1000 messages a second", c.PaidRate))
	}
	if c.ReminderJobs < 1 || c.ReminderJobs > 1000 {
		problems = append(problems, fmt.Sprintf("REMINDER_WORKERS=%d is not between 1 and 1000", c.ReminderJobs))
	}
	for _, id := range c.StaffIDs {
		if id <= 0 {
			problems = append(problems, fmt.Sprintf("STAFF_IDS: %d is not a Telegram user ID (a positive number; ask @userinfobot)", id))
		}
	}
	if len(problems) > 0 {
		return settings{}, usageError{fmt.Errorf("configuration: %s", strings.Join(problems, "; "))}
	}
	return settings{Config: c, loc: loc, cal: calendar.New(closures...), language: c.Lang}, nil
}

// webhookURLOK accepts https addresses, and http ones on the loopback
// interface (a local Bot API server, tests).
func webhookURLOK(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
	}
	return false
}

// validToken reports whether s has the form of a bot token: the bot's ID,
// a colon, and the secret part.
func validToken(s string) bool {
	id, secret, ok := strings.Cut(s, ":")
	if !ok || id == "" || secret == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return validSecret(secret)
}

// validSecret reports whether s is a secret token Telegram accepts.
func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// usage writes the commands and the configuration.
func usage(w io.Writer) {
	fmt.Fprint(w, `pecbot: the PEC assistant of the Ordine dei Medici di Latina

Usage:
  pecbot
        the bot on Telegram (TELEGRAM_TOKEN must be set)
  pecbot console [--now 2027-09-30T10:00] [--lang it|en] [--echo]
        the conversation in this terminal; state in memory
  pecbot diagram
        the conversation as a Mermaid state diagram
  pecbot healthcheck
        asks the bot running here whether it is ready (GET /readyz on
        LISTEN_ADDR's port): exit 0 if so, else 1 with the reason (Docker)
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
