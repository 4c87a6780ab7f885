package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
	"github.com/omceo-latina/pecbot/dialogs"
	"github.com/omceo-latina/pecbot/jobs"
	"github.com/omceo-latina/pecbot/locales"
	"github.com/omceo-latina/pecbot/storage"
)

// The storage implements what the transport needs of it.
var (
	_ bot.Turns             = (*storage.Store)(nil)
	_ bot.Outboxes          = (*storage.Store)(nil)
	_ bot.StaffStore        = (*storage.Store)(nil)
	_ bot.BroadcastOutcomes = (*storage.Store)(nil)
)

// shutdownGrace bounds how long the bot finishes what is in flight at exit.
const shutdownGrace = 5 * time.Second

// runBot runs the bot on Telegram until ctx ends (SIGTERM, SIGINT): it
// stops taking updates and wake-ups, finishes those in flight and the
// deliveries under way, and returns nil. clock is the bot's time (real
// time; tests move it).
func runBot(ctx context.Context, stderr io.Writer, clock *bot.Clock) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.TelegramToken == "" {
		usage(stderr)
		return usageError{errors.New("TELEGRAM_TOKEN is not set: get a token from @BotFather, or try `pecbot console`")}
	}
	log := newLogger(stderr, cfg.LogLevel)
	redis.SetLogger(redisLog{log})

	rdb, closeRedis, err := openRedis(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	// A turn holds its chat's lock for milliseconds: a process that dies
	// holding one frees it after LockTTL.
	store := storage.New(rdb, storage.Options{Prefix: cfg.RedisPrefix, LockTTL: 10 * time.Second})

	// Deliveries run up to 2×32 at once: keep as many connections to the
	// Bot API open (the default keeps 2, and each new one costs a TLS
	// handshake with Telegram).
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	client := &http.Client{Timeout: time.Minute, Transport: bot.WholeBodies(transport)}
	api, err := tgbot.New(cfg.TelegramToken, tgbot.WithServerURL(cfg.TelegramAPI), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(time.Minute, client))
	if err != nil {
		return fmt.Errorf("telegram client: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		return fmt.Errorf("telegram getMe (is TELEGRAM_TOKEN right?): %w", err)
	}
	texts, err := locales.New(cfg.Facts, cfg.loc, locales.WithHolidays(cfg.cal.Holiday))
	if err != nil {
		return err
	}
	if err := setCommands(ctx, api, texts); err != nil {
		log.Warn().Err(err).Msg("the command menu could not be set")
	}

	sendCtx, stopSending := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSending()
	sender := bot.NewSender(sendCtx, api, bot.CountOutboxErrors(store), log)
	sender.Direct = bot.NewDirect(cfg.TelegramAPI, cfg.TelegramToken, client)
	rate := store.SendRate(cfg.SendRate)
	broadcastRate := cfg.SendRate
	if cfg.PaidBroadcasts {
		rate.WithPaid(cfg.PaidRate)
		broadcastRate = cfg.PaidRate
	}
	sender.Rate = bot.CountRateErrors(rate)
	sender.Broadcasts = bot.CountBroadcastErrors(store)
	sender.Clock = clock
	sender.Civil = func(t time.Time) time.Time { return cfg.cal.NextCivilTime(t, cfg.loc, cfg.RemindHour) }
	engine := jobs.New(rdb, jobs.Options{
		Queue: cfg.RedisPrefix, Concurrency: cfg.ReminderJobs, Clock: clock, FollowClock: clock.Fixed(),
	}, log)
	tg := &bot.Telegram{
		Conv: &bot.Conversation{
			Dialog: dialogs.New(cfg.cal, cfg.loc, cfg.RemindHour),
			Texts:  texts,
			Lang:   cfg.language,
		},
		Turns:  bot.CountTurnErrors(store),
		Clock:  clock,
		Log:    log,
		Sender: sender,
		Wakes:  engine,
		Staff: &bot.Staff{IDs: staffSet(cfg.StaffIDs), Store: store, Loc: cfg.loc,
			Start: engine.StartBroadcast, Group: cfg.StaffChat, Paid: cfg.PaidBroadcasts, Rate: broadcastRate},
		MemberTTL: cfg.MemberTTL,
	}
	// The probes and the metrics from now on, in both modes (the updates
	// too, in webhook mode: listening before setWebhook, since the first
	// update may come at once).
	path, webhook, err := webhookRoute(cfg, tg, log)
	if err != nil {
		return err
	}
	httpd, err := listen(cfg.ListenAddr, routes(path, webhook, readiness(rdb, engine)), log)
	if err != nil {
		return err
	}
	go sweep(ctx, sender, store, clock, cfg, log)
	// Wake-ups run until the updates stop, and finish before the sender.
	wakeCtx, stopWakes := context.WithCancel(ctx)
	defer stopWakes()
	wakesDone := make(chan error, 1)
	go func() { wakesDone <- engine.Run(wakeCtx, jobs.Handlers{Wake: tg.Wake, Broadcast: tg.RunBroadcast}) }()
	restored := make(chan struct{})
	go func() {
		defer close(restored)
		restoreWakes(wakeCtx, store, engine, log)
		if n, err := tg.ResumeBroadcasts(wakeCtx); err != nil && wakeCtx.Err() == nil {
			log.Warn().Err(err).Msg("unfinished broadcasts not checked; the next start tries again")
		} else if n > 0 {
			log.Info().Int("broadcasts", n).Msg("unfinished broadcasts resumed")
		}
	}()
	log.Info().Str("bot", me.Username).Str("updates", cfg.Updates).Msg("pecbot started")

	if cfg.Updates == "webhook" {
		err = serveWebhook(ctx, cfg, api, httpd)
	} else {
		err = poll(ctx, cfg, api, tg, log)
	}
	httpd.shutdown(log)
	stopWakes()
	if werr := <-wakesDone; werr != nil {
		err = errors.Join(err, werr)
	}
	<-restored
	// Deliveries under way finish (or stop at the grace's end; what is left
	// stays in Redis for the next start).
	done := make(chan struct{})
	go func() { sender.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		stopSending()
		<-done
	}
	log.Info().Msg("pecbot stopped")
	return err
}

// sweepEvery is how often outboxes left undelivered (a crash, a long
// outage) are looked for.
const sweepEvery = 30 * time.Second

// pruneEvery is how often the member index drops members whose record
// expired (MEMBER_TTL): expiry cannot clean a shared set by itself.
const pruneEvery = time.Hour

// sweep delivers what earlier runs or failed sends left, at start and then
// every sweepEvery, counts the pending reminders, and prunes the member
// index every pruneEvery, until ctx ends.
func sweep(ctx context.Context, sender *bot.Sender, store *storage.Store, clock *bot.Clock, cfg settings, log zerolog.Logger) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	lastPrune := time.Time{}
	for {
		if err := sender.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("undelivered messages could not be listed; the next sweep will try again")
		}
		counts, err := countWakes(ctx, store, clock.Now(), cfg.loc)
		if err != nil && ctx.Err() == nil {
			log.Warn().Err(err).Msg("pending reminders not counted")
		}
		if time.Since(lastPrune) >= pruneEvery {
			lastPrune = time.Now()
			if err == nil {
				log.Info().Int64("pending", counts.Pending).Int64("due_today", counts.Due).Msg("reminders")
			}
			if n, err := store.PruneMembers(ctx); err != nil && ctx.Err() == nil {
				log.Warn().Err(err).Msg("member index not pruned; next hour")
			} else if n > 0 {
				log.Info().Int64("forgotten", n).Msg("inactive members dropped from the index")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// staffSet is STAFF_IDS as a set.
func staffSet(ids []int64) map[int64]bool {
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// wakesRestored names the one-off restoring of wake-ups in Redis: states
// written before this version had none scheduled. Deleting the key
// <REDIS_PREFIX>:done:wakes-restored-1 makes the next start do it again.
const wakesRestored = "wakes-restored-1"

// restoreWakes schedules, once per Redis, the wake-ups of states that have
// none scheduled (see bot.RestoreWakes).
func restoreWakes(ctx context.Context, store *storage.Store, engine *jobs.Engine, log zerolog.Logger) {
	done, err := store.Done(ctx, wakesRestored)
	if err != nil && ctx.Err() == nil {
		log.Warn().Err(err).Msg("pending reminders not checked; the next start tries again")
	}
	if err != nil || done {
		return
	}
	n, err := bot.RestoreWakes(ctx, store, engine)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn().Err(err).Msg("pending reminders not restored; the next start tries again")
		}
		return
	}
	if err := store.MarkDone(ctx, wakesRestored); err != nil {
		log.Warn().Err(err).Msg("pending reminders restored, but not marked so")
		return
	}
	log.Info().Int("pending", n).Msg("pending reminders checked and scheduled")
}

// redisLog sends go-redis's own messages (dial retries while Redis is
// down) to the log as warnings, instead of raw lines on stderr.
type redisLog struct{ log zerolog.Logger }

// Printf logs one go-redis message.
func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn().Str("from", "go-redis").Msg(fmt.Sprintf(format, v...))
}

// openRedis connects to REDIS_URL, or starts the in-memory Redis when it is
// empty, saying loudly that nothing survives a restart.
func openRedis(ctx context.Context, cfg settings, log zerolog.Logger) (redis.UniversalClient, func(), error) {
	if cfg.RedisURL == "" {
		rdb, stop, err := storage.Embedded()
		if err != nil {
			return nil, nil, fmt.Errorf("in-memory redis: %w", err)
		}
		log.Warn().Msg("REDIS_URL is not set: state is kept in memory only and is lost when the bot stops")
		return rdb, func() { _ = rdb.Close(); stop() }, nil
	}
	// A Redis that is not up yet (starting with the bot, or down for a
	// while) is waited for; a URL that cannot work is a configuration error.
	wait := time.Duration(0)
	for {
		rdb, err := storage.Open(ctx, cfg.RedisURL)
		if err == nil {
			return rdb, func() { _ = rdb.Close() }, nil
		}
		if !errors.Is(err, storage.ErrUnreachable) {
			return nil, nil, usageError{fmt.Errorf("REDIS_URL: %w", err)}
		}
		wait = min(max(2*wait, time.Second), 30*time.Second)
		log.Warn().Err(err).Dur("retry_in", wait).Msg("waiting for Redis")
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("stopped while waiting for Redis: %w", err)
		case <-time.After(wait):
		}
	}
}

// poll receives updates by long polling (after removing any webhook, which
// would make getUpdates fail).
func poll(ctx context.Context, cfg settings, api *tgbot.Bot, tg *bot.Telegram, log zerolog.Logger) error {
	if _, err := api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		return fmt.Errorf("telegram deleteWebhook: %w", err)
	}
	p := &bot.Poller{
		Server: cfg.TelegramAPI,
		Token:  cfg.TelegramToken,
		Client: &http.Client{},
		Handle: tg.Handle,
		Log:    log,
	}
	return p.Run(ctx)
}

// serveWebhook registers the webhook with Telegram (httpd serves it) and
// waits until ctx ends.
func serveWebhook(ctx context.Context, cfg settings, api *tgbot.Bot, httpd *listener) error {
	if _, err := api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: cfg.WebhookURL, SecretToken: cfg.WebhookSecret, AllowedUpdates: bot.AllowedUpdates,
	}); err != nil {
		return fmt.Errorf("telegram setWebhook: %w", err)
	}
	select {
	case err := <-httpd.failed:
		return fmt.Errorf("webhook server: %w", err)
	case <-ctx.Done():
	}
	return nil
}

// setCommands fills Telegram's command menu, in Italian and in English.
func setCommands(ctx context.Context, api *tgbot.Bot, texts *locales.Renderer) error {
	for i, lang := range dialogs.Languages {
		var cmds []models.BotCommand
		for _, c := range dialogs.Commands {
			d, err := texts.Render(lang, "cmd."+c, nil)
			if err != nil {
				return err
			}
			cmds = append(cmds, models.BotCommand{Command: c, Description: d})
		}
		p := &tgbot.SetMyCommandsParams{Commands: cmds}
		if i > 0 {
			p.LanguageCode = lang
		}
		if _, err := api.SetMyCommands(ctx, p); err != nil {
			return fmt.Errorf("telegram setMyCommands %s: %w", lang, err)
		}
	}
	return nil
}
