package bot

import (
	"context"
	"errors"
	"fmt"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/omceo-latina/pecbot/storage"
)

// metricValue reads a counter (or a histogram's count) of the default
// registry by its labels (name=value pairs).
func metricValue(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if got[labels[i]] != labels[i+1] {
					continue next
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return 0
}

// TestCountSend: each try to send is counted once by kind and result;
// button answers, stopped broadcasts and tries cut by shutdown are not.
func TestCountSend(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	reply, reminder := Outgoing{Text: "x"}, Outgoing{Text: "x", Kind: KindReminder}
	copyOf := Outgoing{Kind: KindBroadcast, Broadcast: "b1", Copy: &Copy{}}
	for _, tc := range []struct {
		name         string
		ctx          context.Context
		it           Outgoing
		err          error
		kind, result string  // the series it belongs to
		counted      float64 // 1, or 0 for a try that sent nothing
	}{
		{"reply ok", context.Background(), reply, nil, "reply", "ok", 1},
		{"reminder 429", context.Background(), reminder, &tgbot.TooManyRequestsError{RetryAfter: 3}, "reminder", "429", 1},
		{"broadcast blocked", context.Background(), copyOf, fmt.Errorf("%w, Forbidden: bot was blocked by the user", tgbot.ErrorForbidden), "broadcast", "403", 1},
		{"chat gone", context.Background(), reply, fmt.Errorf("%w, Bad Request: chat not found", tgbot.ErrorBadRequest), "reply", "403", 1},
		{"bad request", context.Background(), reply, fmt.Errorf("%w, Bad Request: message is too long", tgbot.ErrorBadRequest), "reply", "error", 1},
		{"network", context.Background(), reminder, errors.New("connection reset"), "reminder", "error", 1},
		{"accepted, undecoded", context.Background(), reply, errors.New("error decode response result"), "reply", "ok", 1},
		{"button answer", context.Background(), Outgoing{CallbackID: "q"}, nil, "reply", "ok", 0},
		{"broadcast stopped", context.Background(), copyOf, errSkipped, "broadcast", "error", 0},
		{"shutdown", stopped, reply, context.Canceled, "reply", "error", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := metricValue(t, "pecbot_messages_sent_total", "kind", tc.kind, "result", tc.result)
			countSend(tc.ctx, tc.it, tc.err)
			if got := metricValue(t, "pecbot_messages_sent_total", "kind", tc.kind, "result", tc.result) - before; got != tc.counted {
				t.Errorf("kind=%s result=%s went up by %v, want %v", tc.kind, tc.result, got, tc.counted)
			}
		})
	}
}

// TestRedisFailedCountsRedisErrorsOnly: the protocol's answers and calls
// cut by shutdown are not Redis errors.
func TestRedisFailedCountsRedisErrorsOnly(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	before := metricValue(t, "pecbot_redis_errors_total", "op", opCommit)
	for _, err := range []error{nil, storage.ErrBusy, fmt.Errorf("begin: %w", storage.ErrSeen), storage.ErrConflict, storage.ErrOutboxLost} {
		if got := redisFailed(ctx, opCommit, err); !errors.Is(got, err) {
			t.Errorf("redisFailed(%v) = %v, want it unchanged", err, got)
		}
	}
	redisFailed(stopped, opCommit, context.Canceled)
	if got := metricValue(t, "pecbot_redis_errors_total", "op", opCommit) - before; got != 0 {
		t.Errorf("counted %v errors, want none", got)
	}
	down := errors.New("dial tcp: connection refused")
	if got := redisFailed(ctx, opCommit, down); got != down {
		t.Errorf("redisFailed returned %v, want the error", got)
	}
	if got := metricValue(t, "pecbot_redis_errors_total", "op", opCommit) - before; got != 1 {
		t.Errorf("counted %v errors, want 1", got)
	}
}
