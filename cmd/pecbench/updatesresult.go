package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"
)

// updatesResult is what `pecbench updates` measured: pecbot's run and the
// floor's, each its rounds together.
type updatesResult struct {
	cfg          updatesConfig
	journeys     []journey
	start        time.Time // the bot's time at the start
	bot, floor   *targetResult
	bots, floors []*targetResult // round by round
}

// print writes the figures, one line each, named by their first word.
func (r *updatesResult) print(w io.Writer) {
	c := r.cfg
	mode := "max (closed loop: each member's next update after its reply)"
	if c.rate > 0 {
		mode = fmt.Sprintf("rate=%d/s (open loop: offered whether answered or not)", c.rate)
	}
	rounds := ""
	if c.rounds > 1 {
		rounds = fmt.Sprintf(" rounds=%d", c.rounds)
	}
	fmt.Fprintf(w, "pecbench updates: %s members=%d think=%s conns=%d duration=%s warmup=%s%s send-rate=%d/s cpus=%d\n",
		mode, c.members, c.think, c.conns, c.duration, c.warmup, rounds, updatesSendRate, runtime.NumCPU())
	j := r.journeys[0]
	pays := make([]string, len(payments))
	for i, p := range payments {
		pays[i] = "pay:" + p
	}
	fmt.Fprintf(w, "journey:     %d updates, %d messages: %s (the payment varies by member; each journey a new member, on %s by the bot's clock)\n",
		len(j), j.messages(), strings.Replace(j.describe(), pays[0], strings.Join(pays, "|"), 1),
		r.start.Format("Mon 2 Jan 2006 15:04 MST"))
	b := r.bot
	verdict := "not the limit"
	if b.paceSlack < 50*time.Millisecond {
		verdict = "it may have held some: raise -think or -members"
	}
	fmt.Fprintf(w, "pace:        a member's updates %s apart (p50; least %s); the closest any chat came to its pace (1 message/s after a burst of 3): %s to spare, %s\n",
		ms(percentile(b.gaps, 0.5)), ms(percentile(b.gaps, 0)), ms(b.paceSlack), verdict)
	b.print(w, c, r.journeys[0])
	if r.floor == nil {
		r.printRounds(w)
		return
	}
	f := r.floor
	fmt.Fprintf(w, "floor:       %.0f updates/s; latency p50 %s  p99 %s  max %s; queued p50 %s  p99 %s (the same load on a handler with one Redis GET and SET and one sendMessage per update, no logic)\n",
		f.rate(), ms(percentile(f.latency, 0.5)), ms(percentile(f.latency, 0.99)), ms(percentile(f.latency, 1)),
		ms(percentile(f.queued, 0.5)), ms(percentile(f.queued, 0.99)))
	fmt.Fprintf(w, "floor:       cpu per update: %s %s%s%s; busy: %s %.2f cores, redis-server %.2f; %.1f allocations, %s per update; %.1f commands, %.1f round trips\n",
		f.processName("the handler's"), us(f.cpuEach()), f.redisText(), f.loadText(), f.processName("the handler's"),
		(f.c1.cpu-f.c0.cpu).Seconds()/f.window().Seconds(), (f.c1.redisCPU-f.c0.redisCPU)/f.window().Seconds(),
		f.perUpdate(float64(f.c1.mallocs-f.c0.mallocs)), kib(f.perUpdate(float64(f.c1.bytes-f.c0.bytes))),
		f.perUpdate(float64(sumOf(f.c1.commands)-sumOf(f.c0.commands))), f.perUpdate(float64(sumOf(f.c1.trips)-sumOf(f.c0.trips))))
	own := func(t *targetResult) float64 { return float64(t.ownEach()) }
	whole := func(t *targetResult) float64 { return float64(t.wholeEach()) }
	p := func(t *targetResult, q float64) float64 { return float64(percentile(t.latency, q)) }
	allocs := func(t *targetResult) float64 { return t.perUpdate(float64(t.c1.mallocs - t.c0.mallocs)) }
	note := ""
	if c.rate == 0 {
		note = " (closed loop: a latency includes any queueing in the bot; compare them at a -rate both sustain)"
	}
	cpu := fmt.Sprintf("%s (its own: its process + redis-server), %s (the whole: with pecbench's load and fake Bot API)", ratio(own(b), own(f)), ratio(whole(b), whole(f)))
	allocsOf := ""
	if !b.separate {
		cpu = fmt.Sprintf("%s (the whole: pecbench's process + redis-server; -process for pecbot's own)", ratio(whole(b), whole(f)))
		allocsOf = " (pecbench's process)"
	}
	fmt.Fprintf(w, "ratio:       pecbot against the floor: cpu per update %s; latency p50 %s, p99 %s%s; allocations %s%s\n",
		cpu, ratio(p(b, 0.5), p(f, 0.5)), ratio(p(b, 0.99), p(f, 0.99)), note, ratio(allocs(b), allocs(f)), allocsOf)
	r.printRounds(w)
	warnings, errs := f.problems(c)
	for _, p := range append(warnings, errs...) {
		fmt.Fprintf(w, "warning:     floor: %s\n", p)
	}
}

// printRounds writes, when there were several rounds, how pecbot's CPU
// per update compared with the floor's round by round (or, without the
// floor, pecbot's own), so that the reader sees the spread the rounds
// together hide. The ratios are those of the ratio: line.
func (r *updatesResult) printRounds(w io.Writer) {
	if len(r.bots) < 2 {
		return
	}
	separate := r.bots[0].separate
	if len(r.floors) != len(r.bots) {
		var own, whole []string
		var owns, wholes []float64
		for _, b := range r.bots {
			own, owns = append(own, us(b.ownEach())), append(owns, float64(b.ownEach()))
			whole, wholes = append(whole, us(b.wholeEach())), append(wholes, float64(b.wholeEach()))
		}
		ownText := fmt.Sprintf("its own (its process + redis-server) %s (median %s), ", strings.Join(own, " "), us(time.Duration(median(owns))))
		if !separate {
			ownText = ""
		}
		fmt.Fprintf(w, "rounds:      %d rounds of pecbot; cpu per update round by round: %sthe whole (with pecbench) %s (median %s); the lines above are the rounds together\n",
			len(r.bots), ownText, strings.Join(whole, " "), us(time.Duration(median(wholes))))
		return
	}
	var own, whole []string
	var owns, wholes []float64
	for i, b := range r.bots {
		f := r.floors[i]
		own = append(own, ratio(float64(b.ownEach()), float64(f.ownEach())))
		whole = append(whole, ratio(float64(b.wholeEach()), float64(f.wholeEach())))
		if f.ownEach() > 0 {
			owns = append(owns, float64(b.ownEach())/float64(f.ownEach()))
		}
		if f.wholeEach() > 0 {
			wholes = append(wholes, float64(b.wholeEach())/float64(f.wholeEach()))
		}
	}
	med := func(xs []float64) string {
		if len(xs) == 0 {
			return "—"
		}
		return fmt.Sprintf("×%.2f", median(xs))
	}
	ownText := fmt.Sprintf("its own %s (median %s), ", strings.Join(own, " "), med(owns))
	if !separate {
		ownText = ""
	}
	fmt.Fprintf(w, "rounds:      %d rounds, pecbot and the floor in turn; cpu per update against the floor round by round: %sthe whole %s (median %s); the lines above are the rounds together\n",
		len(r.bots), ownText, strings.Join(whole, " "), med(wholes))
}

// ratio shows a ÷ b, or a dash when b is none.
func ratio(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("×%.2f", a/b)
}

// median is the middle of xs (the mean of the two middle ones when even);
// 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// print writes one target's figures.
func (t *targetResult) print(w io.Writer, c updatesConfig, j journey) {
	window := t.window()
	offered := fmt.Sprintf("%.0f/s meant by the members", perSecond(t.wanted, window))
	if c.rate > 0 {
		offered = fmt.Sprintf("%d/s offered", c.rate)
	}
	fmt.Fprintf(w, "rate:        %.0f updates/s sustained over %s (%d answered 200 by the webhook; %s)\n",
		t.rate(), ms(window), t.acked, offered)
	dist := func(ds []time.Duration) string {
		return fmt.Sprintf("p50 %s  p99 %s  max %s", ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), ms(percentile(ds, 1)))
	}
	fmt.Fprintf(w, "latency:     %s (from the webhook POST to the reply's last message received by the fake Bot API; %d updates)\n",
		dist(t.latency), len(t.latency))
	var steps []string
	for i, ds := range t.byStep {
		if i < len(j) && len(ds) > 0 {
			steps = append(steps, fmt.Sprintf("%s %s/%s", j[i].name, ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99))))
		}
	}
	fmt.Fprintf(w, "steps:       %s (latency p50/p99 by update)\n", strings.Join(steps, ", "))
	fmt.Fprintf(w, "ack:         %s (from the webhook POST to its 200: the turn committed)\n", dist(t.ack))
	from := "from the member's wish"
	if c.rate > 0 {
		from = "from the due time"
	}
	fmt.Fprintf(w, "queued:      %s (%s to the POST: the load's own delay, and waiting for one of the %d webhook connections as Telegram holds updates)\n",
		dist(t.queued), from, c.conns)
	if c.rate > 0 {
		fmt.Fprintf(w, "e2e:         %s (from the due time to the reply's last message: queued + latency)\n", dist(t.e2e))
	}
	if t.c0.noRedis || t.c1.noRedis {
		fmt.Fprintln(w, "redis:       commands and CPU not reported by this Redis")
	} else {
		fmt.Fprintf(w, "redis:       %.1f commands per update (%s; INFO commandstats, a script's own calls included)\n",
			t.perUpdate(float64(sumOf(t.c1.commands)-sumOf(t.c0.commands))), t.topCommands())
	}
	fmt.Fprintf(w, "trips:       %.1f Redis round trips per update from the bot (%s; go-redis hook)\n",
		t.perUpdate(float64(sumOf(t.c1.trips)-sumOf(t.c0.trips))), t.topTrips())
	if t.separate {
		fmt.Fprintf(w, "cpu:         per update: pecbot's process %s (its garbage collection included)%s: its own %s; pecbench %s (the load and the fake Bot API, another process)\n",
			us(t.cpuEach()), t.redisText(), us(t.ownEach()), us(t.loadEach()))
	} else {
		fmt.Fprintf(w, "cpu:         per update: pecbench's process %s (pecbot, the load and the fake Bot API together: -process measures pecbot's own)%s\n",
			us(t.cpuEach()), t.redisText())
	}
	gc := 0.0
	if cpu := (t.c1.cpu - t.c0.cpu).Seconds(); cpu > 0 {
		gc = 100 * (t.c1.gcCPU - t.c0.gcCPU) / cpu
	}
	load := ""
	if t.separate {
		load = fmt.Sprintf(", pecbench %.2f", (t.c1.loadCPU-t.c0.loadCPU).Seconds()/window.Seconds())
	}
	fmt.Fprintf(w, "busy:        %s %.2f cores, redis-server %.2f%s, other processes %s; GC %.0f%% of its CPU, %d cycles\n",
		t.processName("pecbot's"), (t.c1.cpu-t.c0.cpu).Seconds()/window.Seconds(), (t.c1.redisCPU-t.c0.redisCPU)/window.Seconds(),
		load, t.othersText(), gc, t.c1.gcs-t.c0.gcs)
	fmt.Fprintf(w, "allocs:      per update %.1f allocations, %s (%s)\n",
		t.perUpdate(float64(t.c1.mallocs-t.c0.mallocs)), kib(t.perUpdate(float64(t.c1.bytes-t.c0.bytes))), t.processName("pecbot's"))
	fmt.Fprintf(w, "checks:      %d updates sent, %d refused by the webhook, %d redelivered; %d replies incomplete, %d messages beyond the replies, %d unexpected; %d buttons not shown; %d members gave up waiting\n",
		t.sent, t.refused, t.retries, t.missing, t.extra, t.strays, t.mismatches, t.timeouts)
	warnings, errs := t.problems(c)
	for _, p := range append(warnings, errs...) {
		fmt.Fprintf(w, "warning:     %s\n", p)
	}
}

// others is the cores other processes on the machine kept busy over the
// window; false when unknown.
func (t *targetResult) others() (float64, bool) {
	if t.c0.machine == 0 || t.c1.machine == 0 || t.c0.noRedis || t.c1.noRedis {
		return 0, false
	}
	own := (t.c1.cpu - t.c0.cpu + t.c1.loadCPU - t.c0.loadCPU).Seconds() + t.c1.redisCPU - t.c0.redisCPU
	return max(t.c1.machine-t.c0.machine-own, 0) / t.window().Seconds(), true
}

func (t *targetResult) othersText() string {
	if o, ok := t.others(); ok {
		return fmt.Sprintf("%.2f", o)
	}
	return "unknown"
}

// problems are what makes a target's figures doubtful (warnings) or
// wrong (errors: the conversation itself went wrong).
func (t *targetResult) problems(c updatesConfig) (warnings, errs []string) {
	if c.rate == 0 && c.think > 0 && t.rate() > 0.8*float64(c.members)/c.think.Seconds() {
		warnings = append(warnings, fmt.Sprintf("%d members thinking %s each set this rate more than the bot does: raise -members for its maximum", c.members, c.think))
	}
	if t.shortfall > 0 {
		warnings = append(warnings, fmt.Sprintf("%d updates due when no member was ready: not offered (raise -members, or the bot is too slow for -rate)", t.shortfall))
	}
	if o, ok := t.others(); ok && o > 0.1 {
		warnings = append(warnings, fmt.Sprintf("other processes kept %.2f cores busy during the window: the figures are pessimistic", o))
	}
	if t.timeouts > 0 {
		warnings = append(warnings, fmt.Sprintf("%d replies took longer than -timeout: their members gave up the journey (%d messages came meanwhile to chats given up)", t.timeouts, t.strays))
	}
	if t.refused > 0 || t.missing > 0 || t.extra > 0 || t.mismatches > 0 || t.lost > 0 || (t.strays > 0 && t.timeouts == 0) {
		errs = append(errs, fmt.Sprintf("the conversation went wrong: %d updates refused, %d replies incomplete, %d messages beyond the replies, %d unexpected, %d buttons not shown, %d messages to no member",
			t.refused, t.missing, t.extra, t.strays, t.mismatches, t.lost))
	}
	return warnings, errs
}

// problems is an error if the conversation went wrong in either run.
func (r *updatesResult) problems() error {
	var ps []string
	for _, t := range []*targetResult{r.bot, r.floor} {
		if t == nil {
			continue
		}
		_, errs := t.problems(r.cfg)
		for _, e := range errs {
			ps = append(ps, t.name+": "+e)
		}
	}
	if len(ps) > 0 {
		return errors.New(strings.Join(ps, "; "))
	}
	return nil
}

// rate is the updates answered 200 a second over the window.
func (t *targetResult) rate() float64 { return perSecond(t.acked, t.window()) }

// perUpdate is a count over the window per update answered.
func (t *targetResult) perUpdate(n float64) float64 { return n / float64(max(t.acked, 1)) }

// cpuEach is the target's process's CPU per update.
func (t *targetResult) cpuEach() time.Duration {
	return time.Duration(t.perUpdate(float64(t.c1.cpu - t.c0.cpu)))
}

// loadEach is pecbench's CPU per update: the load and the fake Bot API.
func (t *targetResult) loadEach() time.Duration {
	return time.Duration(t.perUpdate(float64(t.c1.loadCPU - t.c0.loadCPU)))
}

// ownEach is the CPU per update that is the target's own: its process's
// and redis-server's.
func (t *targetResult) ownEach() time.Duration { return t.cpuEach() + t.redisEach() }

// wholeEach is the CPU per update of the whole: the target's, redis-server's
// and pecbench's.
func (t *targetResult) wholeEach() time.Duration { return t.ownEach() + t.loadEach() }

// redisEach is redis-server's CPU per update.
func (t *targetResult) redisEach() time.Duration {
	if t.c0.noRedis || t.c1.noRedis {
		return 0
	}
	return time.Duration(t.perUpdate((t.c1.redisCPU - t.c0.redisCPU) * float64(time.Second)))
}

// processName names the process whose CPU and allocations are counted:
// the target's (whose, e.g. "pecbot's"), or pecbench's, which holds it.
func (t *targetResult) processName(whose string) string {
	if t.separate {
		return whose + " process"
	}
	return "pecbench's process"
}

// loadText is pecbench's CPU per update, when the target is apart from it.
func (t *targetResult) loadText() string {
	if !t.separate {
		return ""
	}
	return "; pecbench " + us(t.loadEach())
}

func (t *targetResult) redisText() string {
	if t.c0.noRedis || t.c1.noRedis {
		return "; redis-server not reported by this Redis"
	}
	return ", and redis-server " + us(t.redisEach())
}

// topCommands lists the commands Redis ran most in the window, per update.
func (t *targetResult) topCommands() string {
	return top(t.c0.commands, t.c1.commands, t.perUpdate, func(k string) string { return k })
}

// topTrips lists the bot's round trips by kind, per update.
func (t *targetResult) topTrips() string {
	return top(t.c0.trips, t.c1.trips, t.perUpdate, tripKind.String)
}

// top lists the six largest differences between after and before, per
// update, largest first.
func top[K comparable](before, after map[K]int64, each func(float64) float64, name func(K) string) string {
	type kv struct {
		k string
		n int64
	}
	var all []kv
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			all = append(all, kv{name(k), d})
		}
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.k, b.k)) })
	var parts []string
	for i, e := range all {
		if i == 6 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", e.k, each(float64(e.n))))
	}
	return strings.Join(parts, ", ")
}

func sumOf[K comparable](m map[K]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// ms shows a duration to the 0.1 ms below 10 ms, to the ms above.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond && d > -10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// us shows a CPU time per update, to the µs.
func us(d time.Duration) string { return d.Round(time.Microsecond).String() }

// kib shows bytes in KiB.
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// mergeResults is the rounds of one target as if they had been one run:
// counts and CPU summed over the rounds (so that a figure per update is
// the sums' quotient, not an average of averages), the samples of every
// round together (so that a percentile is over all of them), the least
// pace slack. Its counters are the first round's start and that plus the
// rounds' differences, its window the rounds' windows laid end to end.
// One round is returned as it is.
func mergeResults(rounds []*targetResult) *targetResult {
	if len(rounds) == 1 {
		return rounds[0]
	}
	first := rounds[0]
	m := &targetResult{name: first.name, separate: first.separate, c0: first.c0, paceSlack: first.paceSlack}
	c1 := first.c0
	c1.commands, c1.trips = maps.Clone(first.c0.commands), maps.Clone(first.c0.trips)
	knownMachine := true
	for _, t := range rounds {
		a, b := t.c0, t.c1
		c1.at = c1.at.Add(b.at.Sub(a.at))
		c1.cpu += b.cpu - a.cpu
		c1.gcCPU += b.gcCPU - a.gcCPU
		c1.mallocs += b.mallocs - a.mallocs
		c1.bytes += b.bytes - a.bytes
		c1.gcs += b.gcs - a.gcs
		c1.loadCPU += b.loadCPU - a.loadCPU
		c1.redisCPU += b.redisCPU - a.redisCPU
		c1.machine += b.machine - a.machine
		knownMachine = knownMachine && a.machine != 0 && b.machine != 0
		c1.noRedis = c1.noRedis || a.noRedis || b.noRedis
		c1.commands = addDifferences(c1.commands, a.commands, b.commands)
		c1.trips = addDifferences(c1.trips, a.trips, b.trips)

		m.acked += t.acked
		m.wanted += t.wanted
		m.sent += t.sent
		m.refused += t.refused
		m.retries += t.retries
		m.timeouts += t.timeouts
		m.shortfall += t.shortfall
		m.mismatches += t.mismatches
		m.strays += t.strays
		m.lost += t.lost
		m.missing += t.missing
		m.extra += t.extra
		m.paceSlack = min(m.paceSlack, t.paceSlack)
		m.latency = append(m.latency, t.latency...)
		m.ack = append(m.ack, t.ack...)
		m.queued = append(m.queued, t.queued...)
		m.e2e = append(m.e2e, t.e2e...)
		m.gaps = append(m.gaps, t.gaps...)
		for len(m.byStep) < len(t.byStep) {
			m.byStep = append(m.byStep, nil)
		}
		for i, ds := range t.byStep {
			m.byStep[i] = append(m.byStep[i], ds...)
		}
	}
	if !knownMachine {
		c1.machine = 0 // unknown, as others() reads it
	}
	m.c1 = c1
	for _, s := range append([][]time.Duration{m.latency, m.ack, m.queued, m.e2e, m.gaps}, m.byStep...) {
		slices.Sort(s)
	}
	return m
}

// addDifferences adds after − before, key by key, to sum (made if nil).
func addDifferences[K comparable](sum, before, after map[K]int64) map[K]int64 {
	if sum == nil && len(after) > 0 {
		sum = map[K]int64{}
	}
	for k, v := range after {
		sum[k] += v - before[k]
	}
	return sum
}
