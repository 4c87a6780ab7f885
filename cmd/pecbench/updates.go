package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage"
)

// The updates benchmark's set-up.
const (
	updatesSendRate = 100000 // SEND_RATE: far above what is measured, so that the shared pace is no limit
	updatesWorkers  = 16     // REMINDER_WORKERS' default
	updatesConns    = 64     // pecbot's idle connections to the Bot API
	webhookSecret   = "pecbench-webhook-secret"
	webhookPath     = "/telegram/webhook"
	telegramConns   = 40 // Telegram's max_connections when setWebhook does not say
	faxDay          = "28/09/2027"
)

// virtualStart is the bot's time when the benchmark starts: a working
// Thursday morning, whatever day it runs, so that every run takes the same
// journey (the activation due after a holiday, the reminders within civil
// hours).
func virtualStart(loc *time.Location) time.Time { return time.Date(2027, 9, 30, 10, 0, 0, 0, loc) }

// updatesConfig is the command line of `pecbench updates`.
type updatesConfig struct {
	rate     int // updates offered a second; 0: closed loop, as fast as the webhook takes them
	members  int
	think    time.Duration
	duration time.Duration
	warmup   time.Duration
	conns    int
	timeout  time.Duration
	floor    bool
	rounds   int // pecbot and the floor in turn, this many times each
	redisURL string
	progress time.Duration
	profile  string
	process  bool // the target in a process of its own
}

func parseUpdates(args []string, stderr io.Writer) (updatesConfig, error) {
	var c updatesConfig
	fs := flag.NewFlagSet("updates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.rate, "rate", 0, "updates offered a second, whether answered or not (open loop); 0: closed loop, each member's next update after its reply, as many as the bot takes")
	fs.IntVar(&c.members, "members", 0, "members talking to the bot at once (default: -rate × (-think + 2s) in open loop, 10000 in closed loop)")
	fs.DurationVar(&c.think, "think", time.Second, "how long a member reads a reply before its next update (at least 1s keeps the per-chat pace of 1 message a second out of the way)")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "the measured window")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "load before the measured window (connections, pools, the first members' /start)")
	fs.IntVar(&c.conns, "conns", telegramConns, "webhook POSTs at once: Telegram's max_connections (40 by default); the others wait for one, as Telegram holds them")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long a member waits for a reply before giving up its journey")
	fs.BoolVar(&c.floor, "floor", true, "also run the floor (a handler with the same I/O and no logic) under the same load, and print pecbot's cost against it")
	fs.IntVar(&c.rounds, "rounds", 1, "run pecbot and the floor in turn this many times each (pecbot, floor, pecbot, floor, …), each round with its own warmup and window, so that the machine's drift meets both alike; the figures are the rounds together, and a rounds: line shows the ratio round by round")
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL of an empty database to use (default: start a private redis-server from PATH)")
	fs.DurationVar(&c.progress, "progress", 10*time.Second, "how often progress is written to stderr (0: never)")
	fs.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the measured window to this file: of pecbot's process with -process, else of pecbench's (the floor's to this file .floor; with -rounds, round k's from the second on to FILE.roundk and FILE.floor.roundk: go tool pprof merges the files it is given)")
	fs.BoolVar(&c.process, "process", false, "run pecbot (and the floor) in a process of its own, so that its CPU time, garbage collection included, and its allocations are its own, apart from the load's and the fake Bot API's; the machine is then busier (two Go runtimes and redis-server share its cores), which weighs on latency and the rate at max")
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
	if !set["members"] {
		c.members = 10000
		if c.rate > 0 {
			c.members = max(int(int64(c.rate)*int64(c.think+2*time.Second)/int64(time.Second)), 1)
		}
	}
	var problem string
	switch {
	case c.rate < 0:
		problem = "-rate must not be negative"
	case c.members < 1:
		problem = "-members must be at least 1"
	case c.duration <= 0:
		problem = "-duration must be positive"
	case c.rounds < 1:
		problem = "-rounds must be at least 1"
	case c.conns < 1:
		problem = "-conns must be at least 1"
	case c.timeout <= 0:
		problem = "-timeout must be positive"
	case c.think < 0 || c.warmup < 0 || c.progress < 0:
		problem = "-think, -warmup and -progress must not be negative"
	}
	if problem != "" {
		return c, usageError{errors.New(problem)}
	}
	return c, nil
}

// runUpdates is `pecbench updates`: members talk to pecbot through its
// webhook as Telegram posts their updates, and the fake Bot API receives
// the replies; then the same load meets the floor.
func runUpdates(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseUpdates(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return updatesBench(ctx, cfg, stdout, stderr)
}

func updatesBench(ctx context.Context, cfg updatesConfig, stdout, stderr io.Writer) error {
	env, err := setUp(ctx, cfg.redisURL, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	clock := bot.RealClock()
	clock.Set(virtualStart(env.loc))
	var journeys []journey
	for _, p := range payments {
		j, err := learnJourney(env.conv, activationJourney(p, faxDay), clock.Now())
		if err != nil {
			return err
		}
		journeys = append(journeys, j)
	}
	// Deliver posts as Telegram does, on Go's default transport: let it
	// keep a connection per webhook connection, as Telegram keeps them.
	dt := http.DefaultTransport.(*http.Transport)
	keep := dt.MaxIdleConnsPerHost
	dt.MaxIdleConnsPerHost = max(keep, cfg.conns)
	defer func() { dt.MaxIdleConnsPerHost = keep }()

	r := &updatesResult{cfg: cfg, journeys: journeys, start: clock.Now().In(env.loc)}
	// pecbot and the floor in turn: the machine's speed drifts over tens
	// of seconds, and alternating lets the drift meet both alike.
	for round := range cfg.rounds {
		if round > 0 {
			// Each round of pecbot starts as the first did: no member
			// known, no wake-up scheduled, the same morning. (The floor
			// runs, as in the first round, after pecbot's round.)
			cleanUp(ctx, env.admin, env.log)
			clock.Set(virtualStart(env.loc))
		}
		b, err := runTarget(ctx, cfg, env, journeys, clock, false, round, stderr)
		if err != nil {
			return err
		}
		r.bots = append(r.bots, b)
		if cfg.floor {
			f, err := runTarget(ctx, cfg, env, journeys, clock, true, round, stderr)
			if err != nil {
				return err
			}
			r.floors = append(r.floors, f)
		}
	}
	r.bot = mergeResults(r.bots)
	if cfg.floor {
		r.floor = mergeResults(r.floors)
	}
	r.print(stdout)
	return r.problems()
}

// runTarget serves pecbot (or the floor) on a loopback webhook, registers
// it with a fake Bot API of its own, loads it for -warmup and -duration,
// and measures the window: round (from 0) of -rounds. The fake records
// every call: it is let go at the end, so that the next run's garbage
// collector does not carry it.
func runTarget(ctx context.Context, cfg updatesConfig, env *env, journeys []journey,
	clock *bot.Clock, floor bool, round int, stderr io.Writer) (*targetResult, error) {
	name := "pecbot"
	if floor {
		name = "floor"
	}
	// label names the run in progress and errors; the result keeps name.
	label, path := name, cfg.profile
	if path != "" && floor {
		path += ".floor"
	}
	if cfg.rounds > 1 {
		label = fmt.Sprintf("round %d/%d: %s", round+1, cfg.rounds, name)
		if path != "" && round > 0 {
			path += fmt.Sprintf(".round%d", round+1)
		}
		if cfg.progress > 0 {
			fmt.Fprintf(stderr, "pecbench: %s: %s: %s of warmup, then %s measured\n",
				time.Now().Format("15:04:05"), label, cfg.warmup, cfg.duration)
		}
	}
	fake, stopFake, err := telegramtest.NewStandalone(botToken)
	if err != nil {
		return nil, err
	}
	defer stopFake()
	// It keeps little: a fake holding every call and message would make
	// the garbage collector's marking, and so the latencies, grow with the
	// run (hundreds of megabytes after a minute), which no bot has.
	fake.Lean()
	l := newLoad(cfg, fake, journeys, floor)
	fake.OnAccepted(func(method string, chat int64) {
		if putsMessage("/" + method) {
			l.replied(chat)
		}
	})
	var target target
	if cfg.process {
		target, err = startTarget(ctx, floor, env.url, fake.URL(), stderr)
	} else {
		target, err = startInProcess(ctx, floor, env, fake.URL(), clock)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if target != nil {
			target.kill()
		}
	}()
	// As pecbot registers its webhook.
	admin, err := tgbot.New(botToken, tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	if _, err := admin.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: target.webhookURL(), SecretToken: webhookSecret,
		AllowedUpdates: bot.AllowedUpdates}); err != nil {
		return nil, fmt.Errorf("telegram setWebhook: %w", err)
	}

	t := &targetResult{name: name, separate: target.separate()}
	start := time.Now()
	l.start(ctx, start)
	stopped := false
	stopLoad := func() {
		if !stopped {
			stopped = true
			l.stop()
		}
	}
	defer stopLoad()
	if err := waitUntil(ctx, start.Add(cfg.warmup), l, label, cfg.progress, stderr); err != nil {
		return nil, err
	}
	if t.c0, err = readCounters(ctx, env.admin, target); err != nil {
		return nil, err
	}
	if path != "" {
		if err := target.profile(path); err != nil {
			return nil, err
		}
	}
	waitErr := waitUntil(ctx, t.c0.at.Add(cfg.duration), l, label, cfg.progress, stderr)
	c1, err := readCounters(ctx, env.admin, target)
	var perr error
	if path != "" {
		perr = target.profile("")
	}
	switch {
	case waitErr != nil:
		return nil, waitErr
	case err != nil:
		return nil, err
	case perr != nil:
		return nil, perr
	}
	t.c1 = c1
	stopLoad()
	err = target.stop()
	target = nil
	if err != nil {
		return nil, fmt.Errorf("%s: stop: %w", label, err)
	}
	t.measure(l, fake)
	return t, nil
}

// serveTarget serves pecbot, wired as cmd/pecbot wires it (or the floor),
// on a loopback webhook, with Redis at url (its client counting its round
// trips in trips) and the Bot API at api. It returns the webhook's URL and
// what stops it.
func serveTarget(ctx context.Context, url, api string, conv *bot.Conversation, log zerolog.Logger, trips *roundTrips,
	clock *bot.Clock, floor bool) (hook string, stop func() error, err error) {
	var handler http.Handler
	var closeTarget func() error
	if floor {
		rdb, err := storage.Open(ctx, url)
		if err != nil {
			return "", nil, err
		}
		rdb.AddHook(trips)
		client, err := newAPIClient(api, updatesConns, nil)
		if err != nil {
			_ = rdb.Close()
			return "", nil, err
		}
		var sends sync.WaitGroup
		handler = floorHandler(webhookSecret, rdb, client, &sends, log)
		closeTarget = func() error { sends.Wait(); return rdb.Close() }
	} else {
		p, err := newBotProc(ctx, procOptions{rate: updatesSendRate, workers: updatesWorkers, conns: updatesConns,
			redisHook: trips}, url, api, conv, clock, log)
		if err != nil {
			return "", nil, err
		}
		p.start(ctx)
		// As cmd/pecbot's serveWebhook hands updates over.
		handler = bot.WebhookHandler(webhookSecret, func(r *http.Request, u *models.Update) error {
			return p.tg.Handle(context.WithoutCancel(r.Context()), u)
		}, log)
		closeTarget = func() error { err := p.stop(); p.close(); return err }
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = closeTarget()
		return "", nil, fmt.Errorf("webhook listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+webhookPath, handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop = func() error {
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil {
			// The load is over: what is left is no update under way.
			_ = srv.Close()
		}
		return closeTarget()
	}
	return "http://" + ln.Addr().String() + webhookPath, stop, nil
}

// waitUntil waits until at, writing progress to stderr every -progress.
func waitUntil(ctx context.Context, at time.Time, l *load, name string, every time.Duration, stderr io.Writer) error {
	last, lastAcked := time.Now(), l.acked.Load()
	for {
		wait := time.Until(at)
		if wait <= 0 {
			return nil
		}
		if every > 0 {
			wait = min(wait, time.Until(last.Add(every)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(max(wait, 0)):
		}
		if every > 0 && time.Since(last) >= every {
			acked := l.acked.Load()
			fmt.Fprintf(stderr, "pecbench: %s: %s: %d updates answered, %.0f/s in the last %s\n",
				time.Now().Format("15:04:05"), name, acked, float64(acked-lastAcked)/time.Since(last).Seconds(),
				time.Since(last).Round(time.Second))
			last, lastAcked = time.Now(), acked
		}
	}
}

// targetResult is what one target (pecbot or the floor) measured.
type targetResult struct {
	name     string
	separate bool     // run in a process of its own (-process)
	c0, c1   counters // the window's start and end

	acked   int               // updates the webhook answered 200 within the window
	wanted  int               // updates meant to be sent within the window
	latency []time.Duration   // POST to the reply's last message at the fake, for updates wanted in the window
	ack     []time.Duration   // POST to the webhook's answer
	queued  []time.Duration   // meant (or due) to POST
	e2e     []time.Duration   // meant (or due) to the reply's last message
	byStep  [][]time.Duration // latency, per step of the journey

	sent       int // updates sent in all
	refused    int // of which the webhook did not take (after retries)
	retries    int // deliveries again after an answer other than 200
	timeouts   int64
	shortfall  int64
	mismatches int64
	strays     int   // messages while none was expected (live)
	lost       int64 // messages to no member's chat
	missing    int   // replies incomplete in the fake's records
	extra      int   // messages beyond the replies in the fake's records
	gaps       []time.Duration
	paceSlack  time.Duration // the least any chat was from its pace holding a message
}

// window is the measured window's length.
func (t *targetResult) window() time.Duration { return t.c1.at.Sub(t.c0.at) }

// measure reads the load's records and the fake's: each reply matched to
// its update by chat and order.
func (t *targetResult) measure(l *load, fake *telegramtest.Server) {
	t.timeouts, t.shortfall, t.mismatches, t.lost = l.timeouts.Load(), l.shortfall.Load(), l.mismatches.Load(), l.lost.Load()
	t.strays = l.strays()
	byChat := map[int64][]time.Time{}
	for _, method := range []string{"sendMessage", "sendDocument", "copyMessage"} {
		for _, c := range fake.CallsOf(method) {
			if c.Status != http.StatusOK {
				continue
			}
			chat, _ := c.Params["chat_id"].(int64)
			byChat[chat] = append(byChat[chat], c.At)
		}
	}
	t.paceSlack = time.Hour
	for _, times := range byChat {
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		t.paceSlack = min(t.paceSlack, paceSlack(times))
	}
	in := func(at time.Time) bool { return !at.Before(t.c0.at) && at.Before(t.c1.at) }
	used := map[int64]int{}
	var prev sentUpdate
	for _, u := range l.updates() {
		t.sent++
		t.retries += u.retries
		if u.chat == prev.chat {
			t.gaps = append(t.gaps, u.want.Sub(prev.want))
		}
		prev = u
		if u.status != http.StatusOK {
			t.refused++
			continue
		}
		if in(u.acked) {
			t.acked++
		}
		times, k := byChat[u.chat], used[u.chat]
		if k+u.calls > len(times) {
			t.missing++
			used[u.chat] = len(times)
			continue
		}
		used[u.chat] = k + u.calls
		if !in(u.want) {
			continue
		}
		t.wanted++
		last := times[k+u.calls-1]
		t.latency = append(t.latency, last.Sub(u.posted))
		t.ack = append(t.ack, u.acked.Sub(u.posted))
		t.queued = append(t.queued, u.posted.Sub(u.want))
		t.e2e = append(t.e2e, last.Sub(u.want))
		for len(t.byStep) <= u.step {
			t.byStep = append(t.byStep, nil)
		}
		t.byStep[u.step] = append(t.byStep[u.step], last.Sub(u.posted))
	}
	for chat, times := range byChat {
		t.extra += len(times) - used[chat]
	}
	for _, s := range append([][]time.Duration{t.latency, t.ack, t.queued, t.e2e, t.gaps}, t.byStep...) {
		slices.Sort(s)
	}
}

// paceSlack is the least time any message of times (one chat's, in order)
// had to spare before the sender's per-chat pace (GCRA: one a second after
// a burst of three) would have held it; about 0 when it did.
func paceSlack(times []time.Time) time.Duration {
	const interval, burst = time.Second, 3
	slack := time.Hour
	var tat time.Time
	for _, at := range times {
		if tat.Before(at) {
			tat = at
		}
		slack = min(slack, at.Add((burst-1)*interval).Sub(tat))
		tat = tat.Add(interval)
	}
	return slack
}
