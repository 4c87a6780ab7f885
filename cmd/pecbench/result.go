package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/locales"
)

// phase is what one part of the benchmark took.
type phase struct {
	wall     time.Duration
	cpu      time.Duration // this process's
	redisCPU float64       // redis-server's, seconds
	commands int64         // Redis commands processed
}

// result is what `pecbench reminders` measured.
type result struct {
	cfg remindersConfig

	// Redis, before seeding, with the states stored, with the wake-ups
	// scheduled, after delivery.
	before, states, scheduled, after redisInfo
	commit, schedule, deliver        phase
	leadAfter                        time.Duration // from the end of scheduling to the first due time

	// MEMORY USAGE of single keys, with the wake-ups scheduled.
	memberKey, stateLen, taskKey, scheduledSet, wakesIndex, membersSet int64

	delays      []time.Duration // per member reminded: its first reminder's arrival less its due time
	first, last time.Time       // the first and last reminder accepted
	accepted    int             // reminders accepted
	duplicates  int             // chats reminded more than once
	missing     int             // chats not reminded
	strays      int             // messages to chats that are not the benchmark's members
	sample      string          // the first reminder's text, as the member reads it
}

// sampleKeys measures single keys: one member's, one task's, and the sets
// that grow with the members.
func (r *result) sampleKeys(ctx context.Context, rdb redis.UniversalClient) error {
	usage := func(key string) (int64, error) {
		if r.before.missing {
			return 0, nil // a Redis that does not tell
		}
		n, err := rdb.MemoryUsage(ctx, key, 0).Result()
		if err != nil {
			return 0, fmt.Errorf("redis MEMORY USAGE %s: %w", key, err)
		}
		return n, nil
	}
	queue := "asynq:{" + prefix + "}:"
	ids, err := rdb.ZRange(ctx, queue+"scheduled", 0, 0).Result()
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("a scheduled task's id: %v (%w)", ids, err)
	}
	member := prefix + ":{" + strconv.Itoa(firstChat) + "}:member"
	state, err := rdb.HGet(ctx, member, "state").Result()
	if err != nil {
		return fmt.Errorf("a member's state: %w", err)
	}
	r.stateLen = int64(len(state))
	for _, k := range []struct {
		key string
		to  *int64
	}{
		{member, &r.memberKey},
		{queue + "t:" + ids[0], &r.taskKey},
		{queue + "scheduled", &r.scheduledSet},
		{prefix + ":wakes", &r.wakesIndex},
		{prefix + ":members", &r.membersSet},
	} {
		if *k.to, err = usage(k.key); err != nil {
			return err
		}
	}
	return nil
}

// measureSends reads the fake's sendMessage calls: per member, whether and
// when its reminder came.
func (r *result) measureSends(calls []telegramtest.Call, realDue func(int) time.Time) {
	count := make([]int, r.cfg.n)
	for _, c := range calls {
		if c.Status != http.StatusOK {
			continue
		}
		chat, _ := c.Params["chat_id"].(int64)
		i := int(chat - firstChat)
		if chat < firstChat || i >= r.cfg.n {
			r.strays++
			continue
		}
		r.accepted++
		if r.first.IsZero() || c.At.Before(r.first) {
			r.first = c.At
		}
		if c.At.After(r.last) {
			r.last = c.At
		}
		if r.sample == "" {
			text, _ := c.Params["text"].(string)
			r.sample = locales.PlainText(text)
		}
		if count[i]++; count[i] == 1 {
			r.delays = append(r.delays, c.At.Sub(realDue(i)))
		}
	}
	for _, n := range count {
		switch {
		case n == 0:
			r.missing++
		case n > 1:
			r.duplicates++
		}
	}
	slices.Sort(r.delays)
}

// percentile is the q-quantile of the sorted ds (nearest rank).
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[max(0, int(math.Ceil(q*float64(len(ds))))-1)]
}

// perSecond is n per d.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return math.Inf(1)
	}
	return float64(n) / d.Seconds()
}

// each is a total shared out per reminder.
func (r *result) each(total int64) int64 { return total / int64(r.cfg.n) }

// perReminder is a count per reminder.
func (r *result) perReminder(n int64) float64 { return float64(n) / float64(r.cfg.n) }

// cpuEach is CPU time per reminder.
func (r *result) cpuEach(d time.Duration) time.Duration {
	return (d / time.Duration(r.cfg.n)).Round(100 * time.Nanosecond)
}

func (r *result) redisCPUEach(seconds float64) time.Duration {
	return r.cpuEach(time.Duration(seconds * float64(time.Second)))
}

// print writes the figures, one line each, named by their first word.
func (r *result) print(w io.Writer) {
	c := r.cfg
	n := c.n
	check := c.check.String()
	if c.check == 0 {
		check = "default"
	}
	conns := strconv.Itoa(c.conns)
	if c.conns == 0 {
		conns = "default"
	}
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Fprintf(w, "pecbench reminders: n=%d procs=%d workers=%d rate=%d/s spread=%s lead=%s check=%s conc=%d conns=%s cpus=%d\n",
		n, c.procs, c.workers, c.rate, c.spread, c.lead, check, c.conc, conns, runtime.NumCPU())
	fmt.Fprintf(w, "states:      %d committed in %s: %.0f/s (Begin+Commit, %d at once)\n",
		n, ms(r.commit.wall), perSecond(n, r.commit.wall), c.conc)
	fmt.Fprintf(w, "scheduled:   %d wake-ups in %s: %.0f/s (jobs.Engine.Schedule, %d at once); first due %s after\n",
		n, ms(r.schedule.wall), perSecond(n, r.schedule.wall), c.conc, ms(r.leadAfter))
	if r.leadAfter < 0 {
		fmt.Fprintf(w, "warning:     scheduling ended %s after the first due time: the first reminders were late before the engines started (raise -lead)\n", ms(-r.leadAfter))
	}
	fmt.Fprintf(w, "delay:       p50 %s  p90 %s  p99 %s  max %s (from due time to the Bot API's receipt, %d reminders)\n",
		ms(percentile(r.delays, 0.50)), ms(percentile(r.delays, 0.90)), ms(percentile(r.delays, 0.99)),
		ms(percentile(r.delays, 1)), len(r.delays))
	window := r.last.Sub(r.first)
	fmt.Fprintf(w, "throughput:  %.0f messages/s (%d messages from the first send to the last, over %s; due at %.0f/s)\n",
		perSecond(max(r.accepted-1, 0), window), r.accepted, ms(window), perSecond(max(n-1, 0), c.spread))
	fmt.Fprintf(w, "duplicates:  %d (members reminded more than once)\n", r.duplicates)
	fmt.Fprintf(w, "missing:     %d (members not reminded)\n", r.missing)
	sample := []rune(strings.ReplaceAll(r.sample, "\n", " "))
	if len(sample) > 80 {
		sample = append(sample[:80], '…')
	}
	fmt.Fprintf(w, "sample:      %q\n", string(sample))
	if r.strays > 0 {
		fmt.Fprintf(w, "strays:      %d (messages to chats that are no member of the benchmark)\n", r.strays)
	}
	if r.before.missing || r.after.missing {
		fmt.Fprintln(w, "memory:      not reported by this Redis (the in-memory one: install redis-server for the figures)")
		return
	}
	fmt.Fprintf(w, "memory:      %d B per pending reminder (used_memory less client buffers; its task hash %d B, its place in the scheduled set %d B)\n",
		r.each(r.scheduled.data()-r.states.data()), r.taskKey, r.each(r.scheduledSet))
	fmt.Fprintf(w, "memory:      %d B per member stored (its hash %d B with a state of %d B; wake-up index %d B, member index %d B); %d B per member left after delivery\n",
		r.each(r.states.data()-r.before.data()), r.memberKey, r.stateLen, r.each(r.wakesIndex), r.each(r.membersSet),
		r.each(r.after.data()-r.before.data()))
	fmt.Fprintf(w, "cpu:         per reminder, pecbench + redis-server: commit %s + %s, schedule %s + %s, wake-up and send %s + %s\n",
		r.cpuEach(r.commit.cpu), r.redisCPUEach(r.commit.redisCPU),
		r.cpuEach(r.schedule.cpu), r.redisCPUEach(r.schedule.redisCPU),
		r.cpuEach(r.deliver.cpu), r.redisCPUEach(r.deliver.redisCPU))
	fmt.Fprintf(w, "redis:       commands per reminder (scripts count with the calls they make): commit %.1f, schedule %.1f, wake-up and send %.1f\n",
		r.perReminder(r.commit.commands), r.perReminder(r.schedule.commands), r.perReminder(r.deliver.commands))
	if r.deliver.wall > 0 {
		fmt.Fprintf(w, "cpu:         from the first due time to the last send (%s): pecbench %.2f cores, redis-server %.2f cores busy\n",
			ms(r.deliver.wall), r.deliver.cpu.Seconds()/r.deliver.wall.Seconds(), r.deliver.redisCPU/r.deliver.wall.Seconds())
	}
}
