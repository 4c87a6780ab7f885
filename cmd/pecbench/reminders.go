package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/dialogs/calendar"
	"github.com/omceo-latina/pecbot/jobs"
	"github.com/omceo-latina/pecbot/locales"
	"github.com/omceo-latina/pecbot/storage"
)

// The bot as pecbot runs it by default.
const (
	prefix     = storage.DefaultPrefix // REDIS_PREFIX, also the engine's queue
	remindHour = 10                    // REMIND_HOUR
	memberTTL  = 17520 * time.Hour     // MEMBER_TTL
	lockTTL    = 10 * time.Second      // runBot's storage.Options.LockTTL
	sweepEvery = 30 * time.Second      // runBot's sweep of undelivered outboxes
	stopGrace  = 5 * time.Second       // runBot's shutdownGrace
	botToken   = "123456:PECBENCH-token"
	firstChat  = 1_000_000 // the members are chats firstChat, firstChat+1, ...
)

// remindersConfig is the command line of `pecbench reminders`.
type remindersConfig struct {
	n        int
	redisURL string
	rate     int
	spread   time.Duration
	lead     time.Duration
	workers  int
	procs    int
	check    time.Duration
	conc     int
	conns    int
	drain    time.Duration
	progress time.Duration
	profile  string
	memProf  string
}

func parseReminders(args []string, stderr io.Writer) (remindersConfig, error) {
	var c remindersConfig
	fs := flag.NewFlagSet("reminders", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 100000, "reminders (members) to schedule and send")
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL of an empty database to use (default: start a private redis-server from PATH)")
	fs.IntVar(&c.rate, "rate", 2000, "the shared send rate, messages a second (storage.SendRate)")
	fs.DurationVar(&c.spread, "spread", 90*time.Second, "the due times are spread evenly over this window (the default, 1,111 a second for -n 100000, is what a 2-core machine sustains with room to spare)")
	fs.DurationVar(&c.lead, "lead", 5*time.Second, "time from the end of scheduling to the first due time")
	fs.IntVar(&c.workers, "workers", 32, "wake-ups one process handles at once (jobs.Options.Concurrency)")
	fs.IntVar(&c.procs, "procs", 1, "bot processes simulated, each with its own Redis client, job engine, sender and Telegram client")
	fs.DurationVar(&c.check, "check", 0, "how often due wake-ups are looked for (jobs.Options.CheckEvery; 0: its default, "+jobs.DefaultCheckEvery.String()+")")
	fs.IntVar(&c.conc, "conc", 16, "states committed and wake-ups scheduled at once while seeding")
	fs.IntVar(&c.conns, "conns", 64, "idle HTTP connections kept per process to the Bot API (pecbot keeps 64)")
	fs.DurationVar(&c.drain, "drain", 120*time.Second, "how long after the last due time to wait for the last sends")
	fs.DurationVar(&c.progress, "progress", 10*time.Second, "how often progress is written to stderr (0: never)")
	fs.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the sending (from the first due time to the last send) to this file")
	fs.StringVar(&c.memProf, "memprofile", "", "write a heap profile taken after the last send to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	var problem string
	switch {
	case c.n < 1:
		problem = "-n must be at least 1"
	case c.rate < 1:
		problem = "-rate must be at least 1"
	case c.spread < 0 || c.spread > 8*time.Hour:
		problem = "-spread must be between 0 and 8h (the reminders fall within one working day's civil hours)"
	case c.lead < 0:
		problem = "-lead must not be negative"
	case c.workers < 1 || c.procs < 1 || c.conc < 1:
		problem = "-workers, -procs and -conc must be at least 1"
	case c.check < 0 || c.conns < 0 || c.drain < 0 || c.progress < 0:
		problem = "-check, -conns, -drain and -progress must not be negative"
	}
	if problem != "" {
		return c, usageError{errors.New(problem)}
	}
	return c, nil
}

// runReminders is `pecbench reminders`: N members waiting for their
// activation check are stored and their wake-ups scheduled, due evenly
// over -spread; then the bot's processes run them, and the fake Bot API
// records when each reminder arrives.
func runReminders(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseReminders(args, stderr)
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

	// One member's journey: the fax sent on Thursday 30 September 2027,
	// the activation check due on Friday 8 October 10:00 (4 October is a
	// holiday). Every member has that state, with their own due time.
	base, err := memberWaiting(conv, time.Date(2027, 9, 30, 10, 0, 0, 0, loc))
	if err != nil {
		return err
	}
	virtualFirst := base.Wake.At
	// Due times are whole seconds: a wake-up's time travels in seconds.
	dues := make([]time.Duration, cfg.n) // after the first due time
	for i := range dues {
		dues[i] = time.Duration(int64(i) * int64(cfg.spread) / int64(cfg.n)).Truncate(time.Second)
	}

	r := &result{cfg: cfg}
	if r.before, err = readInfo(ctx, admin); err != nil {
		return err
	}

	// The states, committed as a turn commits them.
	store := storage.New(admin, storage.Options{Prefix: prefix, LockTTL: lockTTL})
	cpu0 := cpuTime()
	start := time.Now()
	err = parallel(ctx, cfg.n, cfg.conc, func(ctx context.Context, i int) error {
		chat := int64(firstChat + i)
		s := base
		s.Wake.At = virtualFirst.Add(dues[i])
		enc, err := dialogs.Encode(s)
		if err != nil {
			return err
		}
		turn, err := store.Begin(ctx, chat, 0)
		if err != nil {
			return err
		}
		return store.Commit(ctx, chat, 0, turn, enc, nil, memberTTL+dues[i], s.Wake.At)
	})
	r.commit = phase{wall: time.Since(start), cpu: cpuTime() - cpu0}
	if err != nil {
		return fmt.Errorf("store the members' states: %w", err)
	}
	if r.states, err = readInfo(ctx, admin); err != nil {
		return err
	}
	r.commit.redisCPU = r.states.cpu - r.before.cpu
	r.commit.commands = r.states.commands - r.before.commands

	// The bot's clock: real time moved so that the first due time comes
	// -lead after the end of scheduling (its length guessed from the
	// commits', which take two round trips each to its one), by a whole
	// number of seconds, so that each real due time is a whole second too.
	realFirst := time.Now().Add(r.commit.wall/2 + cfg.lead).Truncate(time.Second).Add(time.Second)
	offset := virtualFirst.Sub(realFirst)
	clock := bot.RealClock()
	clock.Set(time.Now().Add(offset))

	// The wake-ups, scheduled as a turn schedules them.
	scheduler := jobs.New(admin, jobs.Options{Queue: prefix, Clock: clock}, log)
	cpu0 = cpuTime()
	start = time.Now()
	err = parallel(ctx, cfg.n, cfg.conc, func(ctx context.Context, i int) error {
		return scheduler.Schedule(ctx, int64(firstChat+i), dialogs.Wake{At: virtualFirst.Add(dues[i]), Reason: dialogs.WakeActCheck})
	})
	r.schedule = phase{wall: time.Since(start), cpu: cpuTime() - cpu0}
	if err != nil {
		return fmt.Errorf("schedule the wake-ups: %w", err)
	}
	r.leadAfter = time.Until(realFirst)
	if r.scheduled, err = readInfo(ctx, admin); err != nil {
		return err
	}
	r.schedule.redisCPU = r.scheduled.cpu - r.states.cpu
	r.schedule.commands = r.scheduled.commands - r.states.commands
	if err := r.sampleKeys(ctx, admin); err != nil {
		return err
	}
	if pending, err := scheduler.Pending(ctx); err != nil {
		return err
	} else if pending != cfg.n {
		return fmt.Errorf("%d wake-ups pending after scheduling %d", pending, cfg.n)
	}

	// The bot's processes.
	procs := make([]*botProc, 0, cfg.procs)
	defer func() {
		for _, p := range procs {
			p.close()
		}
	}()
	for range cfg.procs {
		p, err := newBotProc(ctx, procOptions{rate: cfg.rate, workers: cfg.workers, check: cfg.check, conns: cfg.conns},
			url, fake.URL(), conv, clock, log)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	for _, p := range procs {
		p.start(ctx)
	}
	// The sending is measured from the first due time.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(realFirst)):
	}
	info0, err := readInfo(ctx, admin)
	if err != nil {
		return err
	}
	stopProfile, err := startProfile(cfg.profile)
	if err != nil {
		return err
	}
	cpu0 = cpuTime()
	start = time.Now()
	realDue := func(i int) time.Time { return realFirst.Add(dues[i]) }
	waitErr := waitSent(ctx, cfg, fake, store, scheduler, admin, realDue, stderr)
	r.deliver = phase{wall: time.Since(start), cpu: cpuTime() - cpu0}
	if info, err := readInfo(ctx, admin); err == nil {
		r.deliver.redisCPU = info.cpu - info0.cpu
		r.deliver.commands = info.commands - info0.commands
	}
	if err := stopProfile(); err != nil {
		return err
	}
	if err := writeHeapProfile(cfg.memProf); err != nil {
		return err
	}
	var stopErr error
	for _, p := range procs {
		stopErr = errors.Join(stopErr, p.stop())
	}
	r.measureSends(fake.CallsOf("sendMessage"), realDue)
	if r.after, err = readInfo(ctx, admin); err != nil {
		return err
	}
	r.print(stdout)
	switch {
	case waitErr != nil:
		return waitErr
	case stopErr != nil:
		return stopErr
	case r.duplicates > 0 || r.missing > 0 || r.strays > 0:
		return fmt.Errorf("%d duplicates, %d missing, %d stray messages", r.duplicates, r.missing, r.strays)
	}
	return nil
}

// parallel runs fn for 0..n-1, conc at a time, and returns the first
// error (the others stop taking work).
func parallel(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(conc, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = fmt.Errorf("member %d: %w", i, err); cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// botProc is one bot process: what runBot builds, on its own Redis client.
type botProc struct {
	rdb         redis.UniversalClient
	engine      *jobs.Engine
	sender      *bot.Sender
	tg          *bot.Telegram
	stopSending context.CancelFunc
	stopWakes   context.CancelFunc
	stopSweep   context.CancelFunc
	wakesDone   chan error
}

// env is what every benchmark starts with: a quiet log, an empty Redis (a
// private redis-server unless -redis names one), the fake Bot API and the
// conversation.
type env struct {
	log   zerolog.Logger
	url   string
	admin redis.UniversalClient
	fake  *telegramtest.Server
	conv  *bot.Conversation
	loc   *time.Location
	close func() // in the reverse order of set-up
}

// newLog is the log of a benchmark's processes: warnings and errors, to
// stderr; go-redis's own messages go there too.
func newLog(stderr io.Writer) zerolog.Logger {
	log := zerolog.New(stderr).Level(zerolog.WarnLevel).With().Timestamp().Logger()
	redis.SetLogger(redisLog{log})
	return log
}

// setUp prepares an env; redisURL empty starts a private redis-server.
func setUp(ctx context.Context, redisURL string, stderr io.Writer) (_ *env, err error) {
	e := &env{log: newLog(stderr), url: redisURL}
	var undo []func()
	e.close = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if e.url == "" {
		var stopRedis func()
		if e.url, stopRedis, err = startRedis(ctx); err != nil {
			return nil, err
		}
		undo = append(undo, stopRedis)
	}
	if e.admin, err = storage.Open(ctx, e.url); err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	undo = append(undo, func() { _ = e.admin.Close() })
	if size, err := e.admin.DBSize(ctx).Result(); err != nil {
		return nil, fmt.Errorf("redis DBSIZE: %w", err)
	} else if size != 0 {
		return nil, usageError{fmt.Errorf("-redis: the database holds %d keys; the benchmark needs an empty one (it writes to it and measures it)", size)}
	}
	if redisURL != "" {
		undo = append(undo, func() { cleanUp(context.WithoutCancel(ctx), e.admin, e.log) })
	}
	var stopFake func()
	if e.fake, stopFake, err = telegramtest.NewStandalone(botToken); err != nil {
		return nil, err
	}
	undo = append(undo, stopFake)
	if e.conv, e.loc, err = newConversation(); err != nil {
		return nil, err
	}
	return e, nil
}

// newConversation is the dialog and texts pecbot runs by default: the
// Ordine of Latina's facts, in Italian, in Europe/Rome.
func newConversation() (*bot.Conversation, *time.Location, error) {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return nil, nil, fmt.Errorf("time zone: %w", err)
	}
	cal := calendar.New()
	texts, err := locales.New(locales.Latina(), loc, locales.WithHolidays(cal.Holiday))
	if err != nil {
		return nil, nil, fmt.Errorf("texts: %w", err)
	}
	return &bot.Conversation{Dialog: dialogs.New(cal, loc, remindHour), Texts: texts, Lang: "it"}, loc, nil
}

// procOptions is what a benchmark sets of a bot process.
type procOptions struct {
	rate    int           // SEND_RATE
	workers int           // REMINDER_WORKERS (jobs.Options.Concurrency)
	check   time.Duration // jobs.Options.CheckEvery; 0: its default
	conns   int           // idle HTTP connections kept to the Bot API; 0: Go's default
	// staff, when set, makes the process answer staff and run broadcasts
	// (as STAFF_IDS does), with allow_paid_broadcast if paid
	// (PAID_BROADCASTS).
	staff []int64
	paid  bool
	loc   *time.Location
	// wrap, when set, wraps the HTTP transport of the process's Bot API
	// client (to watch the replies go out); redisHook, when set, is
	// added to its Redis client (to count round trips).
	wrap      func(http.RoundTripper) http.RoundTripper
	redisHook redis.Hook
}

// newAPIClient is a Bot API client as pecbot builds it, on an HTTP client
// of its own (newHTTPClient). Each process has its own.
func newAPIClient(api string, conns int, wrap func(http.RoundTripper) http.RoundTripper) (*tgbot.Bot, error) {
	return apiClientOf(api, newHTTPClient(conns, wrap))
}

// newHTTPClient is the Bot API's HTTP client as pecbot builds it:
// &http.Client{Timeout: time.Minute}, bodies sent whole (bot.WholeBodies),
// on Go's default transport keeping conns idle connections (pecbot keeps
// 64; 0: Go's default), wrapped by wrap if set.
func newHTTPClient(conns int, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if conns > 0 {
		transport.MaxIdleConnsPerHost = conns
	}
	var rt http.RoundTripper = transport
	if wrap != nil {
		rt = wrap(rt) // under WholeBodies: it sees the answers as they came
	}
	return &http.Client{Timeout: time.Minute, Transport: bot.WholeBodies(rt)}
}

// apiClientOf is the go-telegram/bot client of the Bot API at api, through c.
func apiClientOf(api string, c *http.Client) (*tgbot.Bot, error) {
	client, err := tgbot.New(botToken, tgbot.WithServerURL(api), tgbot.WithSkipGetMe(), tgbot.WithHTTPClient(time.Minute, c))
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	return client, nil
}

// newBotProc wires a bot process as runBot does.
func newBotProc(ctx context.Context, o procOptions, url, api string, conv *bot.Conversation, clock *bot.Clock, log zerolog.Logger) (*botProc, error) {
	rdb, err := storage.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("bot process: %w", err)
	}
	if o.redisHook != nil {
		rdb.AddHook(o.redisHook)
	}
	store := storage.New(rdb, storage.Options{Prefix: prefix, LockTTL: lockTTL})
	hc := newHTTPClient(o.conns, o.wrap) // the library's calls and the sender's direct ones, as pecbot
	client, err := apiClientOf(api, hc)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	sender := bot.NewSender(sendCtx, client, store, log)
	sender.Direct = bot.NewDirect(api, botToken, hc)
	rate := store.SendRate(o.rate)
	if o.paid { // paid broadcasts have a pace of their own (PAID_RATE)
		rate.WithPaid(o.rate)
	}
	sender.Rate = rate
	sender.Broadcasts = store
	engine := jobs.New(rdb, jobs.Options{Queue: prefix, Concurrency: o.workers, CheckEvery: o.check, Clock: clock}, log)
	tg := &bot.Telegram{
		Conv: conv, Turns: store, Clock: clock, Log: log, Sender: sender, Wakes: engine, MemberTTL: memberTTL,
	}
	if len(o.staff) > 0 {
		ids := make(map[int64]bool, len(o.staff))
		for _, id := range o.staff {
			ids[id] = true
		}
		tg.Staff = &bot.Staff{IDs: ids, Store: store, Loc: o.loc, Start: engine.StartBroadcast, Paid: o.paid, Rate: o.rate}
	}
	return &botProc{rdb: rdb, engine: engine, sender: sender, stopSending: stopSending, tg: tg}, nil
}

// start runs the process's jobs (wake-ups; broadcasts too with staff) and
// its sweep of undelivered outboxes.
func (p *botProc) start(ctx context.Context) {
	wakeCtx, stopWakes := context.WithCancel(ctx)
	sweepCtx, stopSweep := context.WithCancel(ctx)
	p.stopWakes, p.stopSweep = stopWakes, stopSweep
	p.wakesDone = make(chan error, 1)
	handlers := jobs.Handlers{Wake: p.tg.Wake}
	if p.tg.Staff != nil {
		handlers.Broadcast = p.tg.RunBroadcast
	}
	go func() { p.wakesDone <- p.engine.Run(wakeCtx, handlers) }()
	go func() {
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			if err := p.sender.Sweep(sweepCtx); err != nil && sweepCtx.Err() == nil {
				p.tg.Log.Warn().Err(err).Msg("undelivered messages could not be listed")
			}
			select {
			case <-sweepCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stop stops the process as runBot does: wake-ups first, then the
// deliveries under way (for at most stopGrace).
func (p *botProc) stop() error {
	if p.stopWakes == nil {
		return nil
	}
	p.stopSweep()
	p.stopWakes()
	err := <-p.wakesDone
	p.stopWakes = nil
	done := make(chan struct{})
	go func() { p.sender.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(stopGrace):
		p.stopSending()
		<-done
	}
	if err != nil {
		return fmt.Errorf("job engine: %w", err)
	}
	return nil
}

// close stops the process if it runs and lets go of its Redis client.
func (p *botProc) close() {
	_ = p.stop()
	p.stopSending()
	_ = p.rdb.Close()
}

// waitSent waits until the fake has accepted -n reminders, no wake-up is
// left in the engine and no outbox waits, or until -drain after the last
// due time. Meanwhile it writes progress to stderr every -progress.
func waitSent(ctx context.Context, cfg remindersConfig, fake *telegramtest.Server, store *storage.Store,
	eng *jobs.Engine, rdb redis.UniversalClient, realDue func(int) time.Time, stderr io.Writer) error {
	deadline := time.NewTimer(time.Until(realDue(cfg.n - 1).Add(cfg.drain)))
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		sent := fake.Accepted("sendMessage")
		if sent >= cfg.n {
			settled, err := idle(ctx, store, eng)
			if err != nil {
				return err
			}
			if settled {
				return nil
			}
		}
		if cfg.progress > 0 && time.Since(lastReport) >= cfg.progress {
			lastReport = time.Now()
			reportProgress(ctx, stderr, cfg, sent, store, eng, rdb, realDue)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped with %d of %d reminders sent: %w", sent, cfg.n, ctx.Err())
		case <-deadline.C:
			return fmt.Errorf("%d of %d reminders sent %s after the last due time", sent, cfg.n, cfg.drain)
		case <-tick.C:
		}
	}
}

// idle reports whether no wake-up is left in the engine and no outbox
// waits for delivery.
func idle(ctx context.Context, store *storage.Store, eng *jobs.Engine) (bool, error) {
	pending, err := eng.Pending(ctx)
	if err != nil || pending > 0 {
		return false, err
	}
	outboxes, err := store.PendingOutboxes(ctx)
	return len(outboxes) == 0, err
}

// reportProgress writes where the reminders are: due so far, sent, and
// where the others wait (not yet forwarded by asynq, ready for a worker,
// in an outbox).
func reportProgress(ctx context.Context, w io.Writer, cfg remindersConfig, sent int, store *storage.Store,
	eng *jobs.Engine, rdb redis.UniversalClient, realDue func(int) time.Time) {
	now := time.Now()
	due := sort.Search(cfg.n, func(i int) bool { return realDue(i).After(now) })
	// Due in an earlier second: asynq forwards a second's tasks once it
	// has begun, within a check.
	late, _ := rdb.ZCount(ctx, "asynq:{"+prefix+"}:scheduled", "-inf", "("+strconv.FormatInt(now.Unix(), 10)).Result()
	ready, _ := eng.Ready(ctx)
	outboxes, _ := store.PendingOutboxes(ctx)
	fmt.Fprintf(w, "pecbench: %s: %d due, %d sent; waiting: %d due before this second but not forwarded by asynq, %d ready or running, %d outboxes\n",
		now.Format("15:04:05"), due, sent, late, ready, len(outboxes))
}

// cleanUp removes what the benchmark wrote to a Redis it was given.
func cleanUp(ctx context.Context, rdb redis.UniversalClient, log zerolog.Logger) {
	for _, match := range []string{prefix + ":*", "asynq:{" + prefix + "}:*"} {
		iter := rdb.Scan(ctx, 0, match, 1000).Iterator()
		var keys []string
		flush := func() {
			if len(keys) > 0 {
				if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
					log.Warn().Err(err).Msg("benchmark keys not removed")
				}
				keys = keys[:0]
			}
		}
		for iter.Next(ctx) {
			if keys = append(keys, iter.Val()); len(keys) == 1000 {
				flush()
			}
		}
		flush()
		if err := iter.Err(); err != nil {
			log.Warn().Err(err).Msg("benchmark keys not listed for removal")
		}
	}
	_ = rdb.SRem(ctx, "asynq:queues", prefix).Err()
}

// startProfile starts a CPU profile written to path (none if path is
// empty) and returns what stops it.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		return nil
	}, nil
}

// writeHeapProfile writes a heap profile to path (none if path is empty).
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	runtime.GC() // the profile shows the live heap as of the last GC
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("-memprofile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	return nil
}

// cpuTime is the CPU time this process used so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisLog sends go-redis's own messages to the log as warnings.
type redisLog struct{ log zerolog.Logger }

// Printf logs one go-redis message.
func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn().Str("from", "go-redis").Msg(fmt.Sprintf(format, v...))
}
