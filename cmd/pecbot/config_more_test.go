package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestTelegramConfigErrors: mistakes in the Telegram and Redis settings are
// named, with exit code 2, before anything starts.
func TestTelegramConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TELEGRAM_API_URL": "https://api.telegram.org "}, "TELEGRAM_API_URL"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"UPDATES": "carrier-pigeon"}, "UPDATES"},
		{map[string]string{"UPDATES": "webhook", "WEBHOOK_URL": "http://example.org/x", "WEBHOOK_SECRET": "ok"}, "WEBHOOK_URL"},
		{map[string]string{"UPDATES": "webhook", "WEBHOOK_URL": "https://example.org/x", "WEBHOOK_SECRET": "not ok!"}, "WEBHOOK_SECRET"},
		{map[string]string{"UPDATES": "webhook", "WEBHOOK_URL": "https://example.org/x", "WEBHOOK_SECRET": "ok", "LISTEN_ADDR": "8080"}, "LISTEN_ADDR"},
		{map[string]string{"REDIS_PREFIX": "pec{bot}"}, "REDIS_PREFIX"},
		{map[string]string{"REDIS_URL": "http://not-redis"}, "REDIS_URL"},
		{map[string]string{"MEMBER_TTL": "forever"}, "MEMBER_TTL"},
		{map[string]string{"SEND_RATE": "0"}, "SEND_RATE"},
		{map[string]string{"SEND_RATE": "5000"}, "SEND_RATE"},
		{map[string]string{"SEND_RATE": "fast"}, "SEND_RATE"},
		{map[string]string{"PAID_RATE": "0"}, "PAID_RATE"},
		{map[string]string{"PAID_RATE": "1001"}, "PAID_RATE"},
		{map[string]string{"REMINDER_WORKERS": "0"}, "REMINDER_WORKERS"},
		{map[string]string{"REMINDER_WORKERS": "-3"}, "REMINDER_WORKERS"},
		{map[string]string{"STAFF_IDS": "12,abc"}, "STAFF_IDS"},
		{map[string]string{"STAFF_IDS": "-5"}, "STAFF_IDS"},
		{map[string]string{"STAFF_IDS": "0"}, "STAFF_IDS"},
	} {
		_, err := runWithConfig(t, tc.env)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want an error naming %s, exit 2", tc.env, err, exitCode(err), tc.want)
		}
	}
}

// runWithConfig runs the bot with a token and env (nothing else of the
// environment) and returns what it printed and what run returned.
func runWithConfig(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	all := map[string]string{"TELEGRAM_TOKEN": "1:x"}
	for k, v := range env {
		all[k] = v
	}
	cleanEnv(t, all)
	var out bytes.Buffer
	err := run(context.Background(), nil, strings.NewReader(""), &out, &out)
	return out.String(), err
}
