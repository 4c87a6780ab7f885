package bot

import (
	"context"
	"errors"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// The bot's metrics, for /metrics. They are package-level and registered
// once, on the default registry: a process runs one bot, but tests start
// many in one process, and registering twice panics. Labels take a few
// fixed values each; never a chat, a user or an update ID.
var (
	updatesHandled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pecbot_updates_total",
		Help: "Telegram updates handled, by type (message, callback, other) and outcome: ok (committed), " +
			"duplicate (handled before: a redelivery), ignored (nothing for the bot, e.g. a group message), " +
			"error (not committed: Telegram delivers it again).",
	}, []string{"type", "outcome"})
	updateLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "pecbot_update_handling_seconds",
		Help:    "Time from an update's arrival to its turn committed (updates handled ok), retries on a busy chat included.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
	})
	redisErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pecbot_redis_errors_total",
		Help: "Errors of Redis calls in the turns and the sender, by op: begin, commit, release (a turn), " +
			"outbox (delivery), rate (the shared pace), broadcast (a broadcast's outcomes).",
	}, []string{"op"})
	messagesSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pecbot_messages_sent_total",
		Help: "Tries to send an outgoing message (a text, in parts if long; a document; a copy), by kind " +
			"(reply, reminder, broadcast) and result: ok, 429 (too many requests: tried again), " +
			"403 (the member blocked the bot or is gone), error (any other failure).",
	}, []string{"kind", "result"})
	paceWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pecbot_send_pace_wait_seconds",
		Help:    "Time a message waited for its turn to go (the chat's pace, then the shared one), by kind (reply, reminder, broadcast).",
		Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"kind"})
	broadcastCopies = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pecbot_broadcast_copies_total",
		Help: "Copies of broadcast announcements by outcome: sent, blocked, failed, skipped (the broadcast was stopped).",
	}, []string{"outcome"})
)

// The label values.
const (
	updateMessage  = "message"
	updateCallback = "callback"
	updateOther    = "other"

	outcomeOK        = "ok"
	outcomeDuplicate = "duplicate"
	outcomeIgnored   = "ignored"
	outcomeError     = "error"

	opBegin     = "begin"
	opCommit    = "commit"
	opRelease   = "release"
	opOutbox    = "outbox"
	opRate      = "rate"
	opBroadcast = "broadcast"

	kindReply     = "reply"
	kindReminder  = "reminder"
	kindBroadcast = "broadcast"

	resultOK        = "ok"
	resultThrottled = "429"
	resultBlocked   = "403"
	resultError     = "error"
)

func init() {
	prometheus.MustRegister(updatesHandled, updateLatency, redisErrors, messagesSent, paceWait, broadcastCopies)
	// Every series from the start, at zero: a rate or an alert on one that
	// has not happened yet still has something to read.
	for _, typ := range []string{updateMessage, updateCallback, updateOther} {
		for _, o := range []string{outcomeOK, outcomeDuplicate, outcomeIgnored, outcomeError} {
			updatesHandled.WithLabelValues(typ, o)
		}
	}
	for _, op := range []string{opBegin, opCommit, opRelease, opOutbox, opRate, opBroadcast} {
		redisErrors.WithLabelValues(op)
	}
	for _, k := range []string{kindReply, kindReminder, kindBroadcast} {
		for _, r := range []string{resultOK, resultThrottled, resultBlocked, resultError} {
			messagesSent.WithLabelValues(k, r)
		}
		paceWait.WithLabelValues(k)
	}
	for _, o := range []outcome{outDelivered, outBlocked, outRefused, outSkipped} {
		broadcastCopies.WithLabelValues(string(o))
	}
}

// updateWatch follows one update through Handle, for the metrics.
type updateWatch struct {
	typ       string
	start     time.Time
	ignored   bool // nothing for the bot
	duplicate bool // handled before
}

type updateWatchKey struct{}

// watchUpdate starts following u; the returned context carries the watch,
// so that the turn can tell it the update was seen before (seenBefore).
func watchUpdate(ctx context.Context, u *models.Update) (context.Context, *updateWatch) {
	w := &updateWatch{typ: updateOther, start: time.Now()}
	switch {
	case u.Message != nil:
		w.typ = updateMessage
	case u.CallbackQuery != nil:
		w.typ = updateCallback
	}
	return context.WithValue(ctx, updateWatchKey{}, w), w
}

// seenBefore notes that the update ctx carries was handled before (nothing
// for a wake-up).
func seenBefore(ctx context.Context) {
	if w, ok := ctx.Value(updateWatchKey{}).(*updateWatch); ok {
		w.duplicate = true
	}
}

// end counts the update with what Handle returned (*err), and times it
// when it was committed.
func (w *updateWatch) end(err *error) {
	outcome := outcomeOK
	switch {
	case *err != nil:
		outcome = outcomeError
	case w.ignored:
		outcome = outcomeIgnored
	case w.duplicate:
		outcome = outcomeDuplicate
	}
	updatesHandled.WithLabelValues(w.typ, outcome).Inc()
	if outcome == outcomeOK {
		updateLatency.Observe(time.Since(w.start).Seconds())
	}
}

// kindLabel names an outgoing item's kind. A reminder delivered among
// replies (its member wrote meanwhile) counts as a reply.
func kindLabel(it Outgoing) string {
	switch {
	case it.Broadcast != "" || it.Kind == KindBroadcast:
		return kindBroadcast
	case it.Kind == KindReminder:
		return kindReminder
	}
	return kindReply
}

// classLabel names a class of the shared pace (classOf) as a kind.
func classLabel(class int) string {
	switch class {
	case 0:
		return kindReply
	case 1:
		return kindReminder
	}
	return kindBroadcast
}

// countSend counts one try to send it that ended with err. Answers to
// button presses are not messages; a try cut short by shutdown, or a copy
// of a stopped broadcast, sent nothing.
func countSend(ctx context.Context, it Outgoing, err error) {
	if it.CallbackID != "" || errors.Is(err, errSkipped) || ctx.Err() != nil {
		return
	}
	var tooMany *tgbot.TooManyRequestsError
	result := resultError
	switch {
	case err == nil, isDecodeOfAcceptedCall(err):
		result = resultOK
	case errors.As(err, &tooMany):
		result = resultThrottled
	case errors.Is(err, tgbot.ErrorForbidden), errors.Is(err, tgbot.ErrorBadRequest) && chatGone(err):
		result = resultBlocked
	}
	messagesSent.WithLabelValues(kindLabel(it), result).Inc()
}

// paceWaited records how long a message of class waited in pace since
// start (deferred at its start).
func paceWaited(class int, start time.Time) {
	paceWait.WithLabelValues(classLabel(class)).Observe(time.Since(start).Seconds())
}

// countCopy counts a broadcast copy's outcome.
func countCopy(out outcome) { broadcastCopies.WithLabelValues(string(out)).Inc() }
