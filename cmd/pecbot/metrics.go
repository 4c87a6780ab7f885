package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/omceo-latina/pecbot/storage"
)

// The reminder gauges, for /metrics (staff see the same in /stats).
var (
	remindersPending = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pecbot_reminders_pending",
		Help: "Members with a reminder to come (or due and not sent yet).",
	})
	remindersDueToday = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pecbot_reminders_due_today",
		Help: "Members whose reminder falls before the end of today (in the bot's time zone), including overdue ones.",
	})
)

func init() {
	prometheus.MustRegister(remindersPending, remindersDueToday)
}

// countWakes counts the pending reminders and those due by the end of
// today in loc, and sets the gauges.
func countWakes(ctx context.Context, store *storage.Store, now time.Time, loc *time.Location) (storage.WakeCounts, error) {
	y, m, d := now.In(loc).Date()
	counts, err := store.Wakes(ctx, time.Date(y, m, d+1, 0, 0, 0, 0, loc))
	if err != nil {
		return counts, err
	}
	remindersPending.Set(float64(counts.Pending))
	remindersDueToday.Set(float64(counts.Due))
	return counts, nil
}
