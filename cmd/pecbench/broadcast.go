package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/storage"
)

// The broadcast benchmark's staff member: their chat holds the
// announcement (message broadcastMessage), and gets the progress and the
// final report.
const (
	staffChat        = 4242
	broadcastMessage = 1
	broadcastWorkers = 16 // REMINDER_WORKERS' default: the engine's concurrency
	minWindow        = 60 * time.Second
	telegramFree     = 30 // messages a second Telegram allows a bot without paid broadcasts
	paidRate         = 1000
)

// broadcastConfig is the command line of `pecbench broadcast`.
type broadcastConfig struct {
	n        int
	redisURL string
	rate     int
	paid     bool
	limit    int
	procs    int
	duration time.Duration
	conns    int
	timeout  time.Duration
	progress time.Duration
	profile  string
}

func parseBroadcast(args []string, stderr io.Writer) (broadcastConfig, error) {
	var c broadcastConfig
	fs := flag.NewFlagSet("broadcast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 0, "members, each sent the announcement once (default: -rate × -duration)")
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL of an empty database to use (default: start a private redis-server from PATH)")
	fs.IntVar(&c.rate, "rate", telegramFree, "the shared send rate, messages a second (SEND_RATE; pecbot's default is 28); default 1000 with -paid")
	fs.BoolVar(&c.paid, "paid", false, "send with allow_paid_broadcast (PAID_BROADCASTS)")
	fs.IntVar(&c.limit, "limit", telegramFree, "the pace the fake Bot API enforces, messages a second, answering 429 beyond it (0: none); default 0 with -paid")
	fs.IntVar(&c.procs, "procs", 1, "bot processes simulated, each with its own Redis client, job engine, sender and Telegram client (one runs the broadcast; the others deliver only what their sweep finds every 30 s)")
	fs.DurationVar(&c.duration, "duration", 70*time.Second, "the sending time the default -n gives at -rate")
	fs.IntVar(&c.conns, "conns", 64, "idle HTTP connections kept per process to the Bot API (pecbot keeps 64)")
	fs.DurationVar(&c.timeout, "timeout", 0, "give up if the final report has not come by then (0: three times -n at -rate, plus a minute)")
	fs.DurationVar(&c.progress, "progress", 10*time.Second, "how often progress is written to stderr (0: never)")
	fs.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the broadcast (from its start to the final report) to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.paid && !set["rate"] {
		c.rate = paidRate
	}
	if c.paid && !set["limit"] {
		c.limit = 0
	}
	if !set["n"] {
		c.n = int(int64(c.rate) * int64(c.duration) / int64(time.Second))
	}
	var problem string
	switch {
	case c.n < 1:
		problem = "-n must be at least 1"
	case c.rate < 1:
		problem = "-rate must be at least 1"
	case c.limit < 0:
		problem = "-limit must not be negative"
	case c.procs < 1:
		problem = "-procs must be at least 1"
	case c.duration < 0 || c.conns < 0 || c.timeout < 0 || c.progress < 0:
		problem = "-duration, -conns, -timeout and -progress must not be negative"
	}
	if problem != "" {
		return c, usageError{errors.New(problem)}
	}
	if c.timeout == 0 {
		c.timeout = 3*time.Duration(int64(c.n)*int64(time.Second)/int64(c.rate)) + time.Minute
	}
	return c, nil
}

// runBroadcast is `pecbench broadcast`: N members are stored, a staff
// member's announcement to all of them is created and started as the
// "send" button does, and the bot's processes run it; the fake Bot API
// records each copy, and the pace it achieved is set against the one
// configured.
func runBroadcast(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseBroadcast(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	env, err := setUp(ctx, cfg.redisURL, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	log, url, admin, fake, conv, loc := env.log, env.url, env.admin, env.fake, env.conv, env.loc
	fake.Limit(cfg.limit)
	r := &broadcastResult{cfg: cfg}

	// The members: each has met the bot and sits at the menu.
	store := storage.New(admin, storage.Options{Prefix: prefix, LockTTL: lockTTL})
	enc, err := dialogs.Encode(dialogs.State{Step: dialogs.StepMenu, Lang: "it"})
	if err != nil {
		return fmt.Errorf("a member's state: %w", err)
	}
	start := time.Now()
	err = parallel(ctx, cfg.n, 16, func(ctx context.Context, i int) error {
		chat := int64(firstChat + i)
		turn, err := store.Begin(ctx, chat, 0)
		if err != nil {
			return err
		}
		return store.Commit(ctx, chat, 0, turn, enc, nil, memberTTL, time.Time{})
	})
	r.seed = time.Since(start)
	if err != nil {
		return fmt.Errorf("store the members: %w", err)
	}

	// The audience "all", listed as the staff's preview lists it.
	start = time.Now()
	var recipients []int64
	err = store.ScanMembers(ctx, func(chat int64, _ []byte, blocked bool) error {
		if !blocked {
			recipients = append(recipients, chat)
		}
		return nil
	})
	r.scan = time.Since(start)
	if err != nil {
		return fmt.Errorf("list the audience: %w", err)
	}
	if len(recipients) != cfg.n {
		return fmt.Errorf("the audience has %d members; %d were stored", len(recipients), cfg.n)
	}

	// The bot's processes.
	clock := bot.RealClock()
	procs := make([]*botProc, 0, cfg.procs)
	defer func() {
		for _, p := range procs {
			p.close()
		}
	}()
	for range cfg.procs {
		p, err := newBotProc(ctx, procOptions{rate: cfg.rate, workers: broadcastWorkers, conns: cfg.conns,
			staff: []int64{staffChat}, paid: cfg.paid, loc: loc}, url, fake.URL(), conv, clock, log)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	for _, p := range procs {
		p.start(ctx)
	}

	// The broadcast, as the staff's "send" button creates and starts it.
	info0, err := readInfo(ctx, admin)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(cfg.profile)
	if err != nil {
		return err
	}
	cpu0 := cpuTime()
	r.started = time.Now()
	id := "pecbench-" + r.started.UTC().Format("20060102-150405")
	b := storage.Broadcast{ID: id, From: staffChat, Message: broadcastMessage, Audience: "all", Created: clock.Now()}
	if err := store.CreateBroadcast(ctx, b, recipients); err != nil {
		return err
	}
	if err := procs[0].tg.Staff.Start(ctx, id); err != nil {
		return err
	}
	waitErr := waitReport(ctx, cfg, fake, store, r.started, stderr)
	r.wall = time.Since(r.started)
	r.cpu = cpuTime() - cpu0
	if info, err := readInfo(ctx, admin); err == nil && !info.missing && !info0.missing {
		r.redisCPU = info.cpu - info0.cpu
		r.commands = info.commands - info0.commands
	} else {
		r.noRedisInfo = true
	}
	if err := stopProfile(); err != nil {
		return err
	}
	var stopErr error
	for _, p := range procs {
		stopErr = errors.Join(stopErr, p.stop())
	}
	r.maxRSS = maxRSS()
	if r.counts, err = store.BroadcastCounts(ctx, id); err != nil {
		return err
	}
	if r.left, err = store.PendingOutboxes(ctx); err != nil {
		return err
	}
	copies, sends := fake.CallsOf("copyMessage"), fake.CallsOf("sendMessage")
	r.measureCopies(copies)
	r.measureStaff(sends, fake.CallsOf("editMessageText"))
	r.explainThrottled(copies, sends)
	r.throttled = fake.Throttled()
	r.print(stdout)
	switch {
	case waitErr != nil:
		return waitErr
	case stopErr != nil:
		return stopErr
	case r.duplicates > 0 || r.missing > 0 || r.strays > 0:
		return fmt.Errorf("%d duplicates, %d missing, %d stray copies", r.duplicates, r.missing, r.strays)
	}
	return nil
}

// waitReport waits until the staff member has the broadcast's final
// report (a sendMessage to their chat with "✅"), or until -timeout.
// Meanwhile it writes progress to stderr every -progress.
func waitReport(ctx context.Context, cfg broadcastConfig, fake *telegramtest.Server, store *storage.Store,
	started time.Time, stderr io.Writer) error {
	deadline := time.NewTimer(time.Until(started.Add(cfg.timeout)))
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		for _, m := range fake.Sent(staffChat) {
			if !m.Edited && strings.Contains(m.Plain, "✅") {
				return nil
			}
		}
		if cfg.progress > 0 && time.Since(lastReport) >= cfg.progress {
			lastReport = time.Now()
			outboxes, _ := store.PendingOutboxes(ctx)
			fmt.Fprintf(stderr, "pecbench: %s: %d of %d copies accepted, %d answers 429, %d outboxes waiting\n",
				lastReport.Format("15:04:05"), fake.Accepted("copyMessage"), cfg.n, fake.Throttled(), len(outboxes))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped with %d of %d copies accepted: %w", fake.Accepted("copyMessage"), cfg.n, ctx.Err())
		case <-deadline.C:
			return fmt.Errorf("no final report %s after the start (%d of %d copies accepted)",
				cfg.timeout, fake.Accepted("copyMessage"), cfg.n)
		case <-tick.C:
		}
	}
}

// broadcastResult is what `pecbench broadcast` measured.
type broadcastResult struct {
	cfg broadcastConfig

	seed, scan time.Duration // storing the members; listing the audience

	started     time.Time     // the broadcast created and started
	wall        time.Duration // from the start to the final report seen
	cpu         time.Duration // this process's (bot processes and fake Bot API), over wall
	redisCPU    float64       // redis-server's, seconds, over wall
	commands    int64         // Redis commands processed over wall
	noRedisInfo bool          // this Redis reports no CPU or commands
	maxRSS      int64         // this process's peak resident memory, bytes

	first, last time.Time // the first and last copy accepted
	accepted    int       // copies accepted
	paidCopies  int       // of which with allow_paid_broadcast
	throttled   int       // answers 429 of the fake's limit, every method
	copies429   int       // of which to copyMessage
	otherFailed int       // copyMessage answered otherwise than 200 or 429
	duplicates  int       // members sent the announcement more than once
	missing     int       // members not sent it
	strays      int       // copies to chats that are no member

	progress  int       // the staff's progress message: sends and edits accepted
	reportAt  time.Time // the final report accepted
	report    string    // its text
	staff429s int       // the staff's messages answered 429
	explained []string  // the first answers 429, with what came before them

	counts map[string]int64 // storage.BroadcastCounts at the end
	left   []int64          // outboxes still listed at the end
}

// measureCopies reads the fake's copyMessage calls: per member, how many
// copies were accepted, and when the first and last were.
func (r *broadcastResult) measureCopies(calls []telegramtest.Call) {
	count := make([]int, r.cfg.n)
	for _, c := range calls {
		switch c.Status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			r.copies429++
			continue
		default:
			r.otherFailed++
			continue
		}
		chat, _ := c.Params["chat_id"].(int64)
		i := int(chat - firstChat)
		if chat < firstChat || i >= r.cfg.n {
			r.strays++
			continue
		}
		r.accepted++
		if paid, _ := c.Params["allow_paid_broadcast"].(bool); paid {
			r.paidCopies++
		}
		if r.first.IsZero() || c.At.Before(r.first) {
			r.first = c.At
		}
		if c.At.After(r.last) {
			r.last = c.At
		}
		count[i]++
	}
	for _, n := range count {
		switch {
		case n == 0:
			r.missing++
		case n > 1:
			r.duplicates++
		}
	}
}

// measureStaff reads what the staff member was sent: the progress message
// (sent, then edited) and the final report.
func (r *broadcastResult) measureStaff(sends, edits []telegramtest.Call) {
	for _, c := range append(sends, edits...) {
		if chat, _ := c.Params["chat_id"].(int64); chat != staffChat {
			continue
		}
		switch c.Status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			r.staff429s++
			continue
		default:
			continue
		}
		text, _ := c.Params["text"].(string)
		if c.Method == "sendMessage" && strings.Contains(text, "✅") {
			if r.reportAt.IsZero() {
				r.reportAt, r.report = c.At, text
			}
			continue
		}
		r.progress++
	}
}

// maxExplained is how many answers 429 are explained, at most.
const maxExplained = 3

// explainThrottled says, for the first answers 429, what the fake had
// accepted in the second before: the broadcast's copies, and the staff's
// messages, which RunBroadcast sends outside the shared pace.
func (r *broadcastResult) explainThrottled(copies, sends []telegramtest.Call) {
	all := append(slices.Clone(copies), sends...)
	slices.SortStableFunc(all, func(a, b telegramtest.Call) int { return a.At.Compare(b.At) })
	for i, c := range all {
		if c.Status != http.StatusTooManyRequests {
			continue
		}
		if len(r.explained) == maxExplained {
			return
		}
		var nCopies, nStaff int
		for j := i - 1; j >= 0 && all[j].At.After(c.At.Add(-time.Second)); j-- {
			if all[j].Status != http.StatusOK {
				continue
			}
			if all[j].Method == "copyMessage" {
				nCopies++
			} else {
				nStaff++
			}
		}
		r.explained = append(r.explained, fmt.Sprintf("%s %s after the first copy; in the second before it the fake had accepted %d copies and %d messages to the staff",
			c.Method, c.At.Sub(r.first).Round(time.Millisecond), nCopies, nStaff))
	}
}

// print writes the figures, one line each, named by their first word.
func (r *broadcastResult) print(w io.Writer) {
	c := r.cfg
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	limit, limitOf := "none", "no limit"
	if c.limit > 0 {
		limit = fmt.Sprintf("%d/s", c.limit)
		limitOf = "the fake's limit of " + limit
	}
	fmt.Fprintf(w, "pecbench broadcast: n=%d procs=%d rate=%d/s paid=%t limit=%s conns=%d cpus=%d\n",
		c.n, c.procs, c.rate, c.paid, limit, c.conns, runtime.NumCPU())
	fmt.Fprintf(w, "members:     %d stored in %s; the audience listed in %s (ScanMembers)\n", c.n, ms(r.seed), ms(r.scan))
	window := r.last.Sub(r.first)
	achieved := perSecond(max(r.accepted-1, 0), window)
	fmt.Fprintf(w, "rate:        %.2f msg/s achieved, %d/s configured: %.1f%% (%d copies accepted from the first to the last, over %s)\n",
		achieved, c.rate, 100*achieved/float64(c.rate), r.accepted, ms(window))
	if window < minWindow {
		fmt.Fprintf(w, "warning:     the window is shorter than %s: raise -n for a figure that holds\n", minWindow)
	}
	fmt.Fprintf(w, "fan-out:     the first copy %s after the broadcast started (the job engine takes the task, queues the first batch)\n", ms(r.first.Sub(r.started)))
	fmt.Fprintf(w, "throttled:   %d answers 429 (%s; copyMessage %d, the staff's messages %d)\n",
		r.throttled, limitOf, r.copies429, r.staff429s)
	for _, e := range r.explained {
		fmt.Fprintf(w, "429:         %s\n", e)
	}
	if r.otherFailed > 0 {
		fmt.Fprintf(w, "failed:      %d copyMessage calls answered otherwise than 200 or 429\n", r.otherFailed)
	}
	fmt.Fprintf(w, "duplicates:  %d (members sent the announcement more than once)\n", r.duplicates)
	fmt.Fprintf(w, "missing:     %d (members not sent it)\n", r.missing)
	if r.strays > 0 {
		fmt.Fprintf(w, "strays:      %d (copies to chats that are no member of the benchmark)\n", r.strays)
	}
	if c.paid {
		fmt.Fprintf(w, "paid:        %d of %d copies with allow_paid_broadcast\n", r.paidCopies, r.accepted)
	}
	fmt.Fprintf(w, "counts:      sent %d, blocked %d, failed %d, skipped %d (storage.BroadcastCounts); %d outboxes left\n",
		r.counts["sent"], r.counts["blocked"], r.counts["failed"], r.counts["skipped"], len(r.left))
	if r.reportAt.IsZero() {
		fmt.Fprintf(w, "report:      none (%d progress messages to the staff)\n", r.progress)
	} else {
		first := strings.SplitN(r.report, "\n", 2)[0]
		fmt.Fprintf(w, "report:      %s after the start, %s after the last copy; %d progress messages before it; %q\n",
			ms(r.reportAt.Sub(r.started)), ms(r.reportAt.Sub(r.last)), r.progress, first)
	}
	n := max(r.accepted, 1)
	each := func(d time.Duration) time.Duration { return (d / time.Duration(n)).Round(100 * time.Nanosecond) }
	redisCPU := time.Duration(r.redisCPU * float64(time.Second))
	if r.noRedisInfo {
		fmt.Fprintf(w, "cpu:         per message: pecbench %s (bot processes and fake Bot API); redis-server not reported by this Redis\n", each(r.cpu))
	} else {
		fmt.Fprintf(w, "cpu:         per message: pecbench %s (bot processes and fake Bot API) + redis-server %s\n", each(r.cpu), each(redisCPU))
		fmt.Fprintf(w, "redis:       %.1f commands per message (scripts count with the calls they make)\n", float64(r.commands)/float64(n))
	}
	if r.wall > 0 {
		fmt.Fprintf(w, "busy:        from the start to the report (%s): pecbench %.2f cores, redis-server %.2f cores; pecbench peak RSS %d MiB\n",
			ms(r.wall), r.cpu.Seconds()/r.wall.Seconds(), r.redisCPU/r.wall.Seconds(), r.maxRSS>>20)
	}
}

// maxRSS is this process's peak resident memory, in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}
