// Package jobs runs the bot's durable work on Redis with asynq
// (github.com/hibiken/asynq): members' wake-ups, each a task scheduled for
// its time. asynq keeps the tasks in Redis, hands each to one worker of
// one process at a time, and gives the tasks of a process that died to the
// others once its lease runs out; this package adds the clock, the task
// IDs and the rules for a wake-up that comes early or finds Redis down.
//
// It knows the dialog's wake-up type and nothing else of ours: what a
// wake-up does is the handler's (bot.Telegram.Wake), given to Run.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/dialogs"
)

// Clock is the time the engine goes by: the program's one clock.
type Clock interface{ Now() time.Time }

// WakeHandler wakes one member: it takes their turn, lets the dialog
// decide whether the wake-up still applies and commits what it says. An
// error means nothing was committed: the wake-up is tried again later.
type WakeHandler func(ctx context.Context, chat int64, w dialogs.Wake) error

// BroadcastHandler runs broadcast id: queues what is left of it and
// follows it to its end. It is called again (from another process, after a
// crash) until it returns nil, so it must resume where it was.
type BroadcastHandler func(ctx context.Context, id string) error

// Handlers are what the engine's tasks do.
type Handlers struct {
	Wake      WakeHandler
	Broadcast BroadcastHandler // nil: broadcast tasks wait
}

// Options tunes an Engine. The zero value of each field means its default.
type Options struct {
	// Queue names the engine's tasks in Redis (asynq keys
	// "asynq:{<Queue>}:..."), so that two bots can share a Redis. Default
	// "pecbot".
	Queue string
	// Concurrency is how many wake-ups one process handles at once.
	// Default 16: a wake-up mostly waits for Redis.
	Concurrency int
	// CheckEvery is how often due tasks are looked for (asynq's default of
	// 5 s would make reminders late by as much). Default 200 ms.
	CheckEvery time.Duration
	// Clock is the engine's time. Default: real time. A clock set apart
	// from real time (the console, tests) is followed: a task is due when
	// this clock reaches its time.
	Clock Clock
	// FollowClock makes the engine also promote, every CheckEvery, the
	// tasks the Clock says are due, for a clock that jumps (tests);
	// without it a clock that is only offset from real time is followed by
	// scheduling each task at the matching real time.
	FollowClock bool
	// ShutdownWait bounds how long Run lets wake-ups under way finish when
	// it stops. Default 5 s.
	ShutdownWait time.Duration
}

// The defaults of Options.
const (
	DefaultQueue        = "pecbot"
	DefaultConcurrency  = 16
	DefaultCheckEvery   = 200 * time.Millisecond
	DefaultShutdownWait = 5 * time.Second
)

// taskWake is the type of a wake-up task.
const taskWake = "wake"

// taskBroadcast is the type of a broadcast task.
const taskBroadcast = "broadcast"

// broadcastTimeout bounds one run of a broadcast (all Italy's doctors at
// 28 a second take under 5 hours); a run cut short is resumed.
const broadcastTimeout = 12 * time.Hour

// maxRetry is how many times a wake-up that failed (Redis or the lock out
// of reach) is tried again: with retryDelay's cap, well over a day.
const maxRetry = 200

// wakeTimeout bounds one run of a wake-up handler.
const wakeTimeout = time.Minute

// Engine schedules members' wake-ups and runs them when due. It is safe for
// concurrent use; several processes share the tasks through Redis.
type Engine struct {
	rdb    redis.UniversalClient
	client *asynq.Client
	insp   *asynq.Inspector
	o      Options
	log    zerolog.Logger
	// running: Run has started handling tasks and has not stopped.
	running atomic.Bool
}

// New returns an Engine keeping its tasks in rdb (which it does not close).
func New(rdb redis.UniversalClient, o Options, log zerolog.Logger) *Engine {
	if o.Queue == "" {
		o.Queue = DefaultQueue
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.ShutdownWait <= 0 {
		o.ShutdownWait = DefaultShutdownWait
	}
	return &Engine{
		rdb:    rdb,
		client: asynq.NewClientFromRedisClient(rdb),
		insp:   asynq.NewInspectorFromRedisClient(rdb),
		o:      o,
		log:    log,
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// wakePayload is what a wake-up task carries: whom to wake, why, and the
// time the member's state asked for (the dialog checks it still matches).
type wakePayload struct {
	Chat   int64              `json:"c"`
	Reason dialogs.WakeReason `json:"r"`
	At     int64              `json:"t"` // Unix seconds
}

// taskID names the wake-up of chat for w. It includes the time, so that a
// later wake-up for the same reason is a new task, not a conflict with a
// retained or running one; the same wake-up scheduled twice (a turn
// retried) is refused by asynq as a duplicate, which is what we want.
func taskID(chat int64, w dialogs.Wake) string {
	return "w:" + strconv.FormatInt(chat, 10) + ":" + string(w.Reason) + ":" + strconv.FormatInt(w.At.Unix(), 10)
}

// Schedule makes sure chat is woken for w at w.At (by the engine's clock):
// once, however often it is called for the same wake-up. It is called
// before the state that needs it is committed, so that a crash in between
// leaves a wake-up that finds nothing to do, never a state waiting for a
// wake-up that will not come.
func (e *Engine) Schedule(ctx context.Context, chat int64, w dialogs.Wake) error {
	if w.IsZero() {
		return nil
	}
	payload, err := json.Marshal(wakePayload{Chat: chat, Reason: w.Reason, At: w.At.Unix()})
	if err != nil {
		return fmt.Errorf("schedule wake-up: %w", err)
	}
	id := taskID(chat, w)
	err = e.enqueueOnce(ctx, asynq.NewTask(taskWake, payload), id,
		asynq.ProcessAt(e.realTime(w.At)), asynq.Timeout(wakeTimeout))
	if err != nil {
		return fmt.Errorf("schedule wake-up %s: %w", w.Reason, err)
	}
	return nil
}

// enqueueOnce enqueues task under id, unless a task of that ID is there
// already (scheduled twice: a turn retried, a restore), in which case it
// does nothing, except when that task was given up (archived after its
// retries) or is done: the caller still needs it, so it goes again.
func (e *Engine) enqueueOnce(ctx context.Context, task *asynq.Task, id string, opts ...asynq.Option) error {
	opts = append([]asynq.Option{asynq.Queue(e.o.Queue), asynq.TaskID(id), asynq.MaxRetry(maxRetry)}, opts...)
	_, err := e.client.EnqueueContext(ctx, task, opts...)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	info, ierr := e.insp.GetTaskInfo(e.o.Queue, id)
	if ierr != nil || (info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted) {
		return nil
	}
	if err := e.insp.DeleteTask(e.o.Queue, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		return fmt.Errorf("enqueue %s again: %w", id, err)
	}
	if _, err = e.client.EnqueueContext(ctx, task, opts...); errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil // someone else did it meanwhile
	}
	return err
}

// Cancel removes the task of chat's wake-up w, if it has not run yet. It is
// a saving, not a safeguard: a wake-up left behind (Cancel failed, or it was
// already running) finds a state that no longer asks for it and does
// nothing.
func (e *Engine) Cancel(_ context.Context, chat int64, w dialogs.Wake) error {
	if w.IsZero() {
		return nil
	}
	err := e.insp.DeleteTask(e.o.Queue, taskID(chat, w))
	if err != nil && !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
		return fmt.Errorf("cancel wake-up %s: %w", w.Reason, err)
	}
	return nil
}

// realTime is the real time at which the engine's clock shows t. For the
// real clock (or one within a millisecond of it) it is t; for a clock set
// apart it is t moved by the gap,
// rounded up to the second (asynq keeps due times in seconds), so that a
// task is never due before its time.
func (e *Engine) realTime(t time.Time) time.Time {
	if _, ok := e.o.Clock.(realClock); ok {
		return t
	}
	gap := time.Since(e.o.Clock.Now()).Round(time.Millisecond)
	if gap == 0 {
		return t
	}
	real := t.Add(gap)
	if r := real.Truncate(time.Second); r.Before(real) {
		real = r.Add(time.Second)
	}
	return real
}

// errEarly says a wake-up ran before its time (the clocks of two machines
// differ, or a clock was set back): it is put back until then.
type errEarly struct{ wait time.Duration }

func (e errEarly) Error() string { return fmt.Sprintf("wake-up early by %s", e.wait) }

// retryDelay is when a failed wake-up is tried again: at its time for one
// that came early; otherwise after 1, 2, 4... seconds, at most 10 minutes.
func retryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var early errEarly
	if errors.As(err, &early) {
		return max(early.wait, time.Second)
	}
	if n > 9 {
		return 10 * time.Minute
	}
	return min(time.Second<<n, 10*time.Minute)
}

// isFailure: an early wake-up is not a failure (it does not use up retries).
func isFailure(err error) bool {
	var early errEarly
	return !errors.As(err, &early)
}

// StartBroadcast makes broadcast id run, once: in one process at a time,
// resumed by another if that one dies.
func (e *Engine) StartBroadcast(ctx context.Context, id string) error {
	err := e.enqueueOnce(ctx, asynq.NewTask(taskBroadcast, []byte(id)), "bc:"+id, asynq.Timeout(broadcastTimeout))
	if err != nil {
		return fmt.Errorf("start broadcast %s: %w", id, err)
	}
	return nil
}

// Run handles due tasks with h until ctx ends, then lets those under way
// finish (for at most Options.ShutdownWait).
func (e *Engine) Run(ctx context.Context, h Handlers) error {
	srv := asynq.NewServerFromRedisClient(e.rdb, asynq.Config{
		Concurrency:              e.o.Concurrency,
		Queues:                   map[string]int{e.o.Queue: 1},
		TaskCheckInterval:        e.o.CheckEvery,
		DelayedTaskCheckInterval: e.o.CheckEvery,
		RetryDelayFunc:           retryDelay,
		IsFailure:                isFailure,
		ShutdownTimeout:          e.o.ShutdownWait,
		Logger:                   asynqLog{e.log},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			if !isFailure(err) {
				return
			}
			retried, _ := asynq.GetRetryCount(ctx)
			limit, _ := asynq.GetMaxRetry(ctx)
			if retried >= limit || errors.Is(err, asynq.SkipRetry) {
				// The reminder is lost unless someone acts: loudly.
				e.log.Error().Str("error", redact(err.Error())).Int("tries", retried+1).
					Msg("wake-up given up; the member's next turn or a restore schedules it again")
				return
			}
			e.log.Warn().Str("error", redact(err.Error())).Int("tries", retried+1).Msg("wake-up failed; it will be tried again")
		}),
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(taskWake, func(ctx context.Context, t *asynq.Task) error {
		return e.wake(ctx, t, h.Wake)
	})
	if h.Broadcast != nil {
		mux.HandleFunc(taskBroadcast, func(ctx context.Context, t *asynq.Task) error {
			return h.Broadcast(ctx, string(t.Payload()))
		})
	}
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start the job engine: %w", err)
	}
	e.running.Store(true)
	if e.o.FollowClock {
		e.follow(ctx)
	} else {
		<-ctx.Done()
	}
	e.running.Store(false)
	srv.Shutdown()
	return nil
}

// Running reports whether Run is handling tasks (for the readiness probe):
// false before it started, after it stopped, or if it could not start.
func (e *Engine) Running() bool { return e.running.Load() }

// wake runs one wake-up task.
func (e *Engine) wake(ctx context.Context, t *asynq.Task, handle WakeHandler) error {
	var p wakePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Chat == 0 || p.Reason == "" {
		// Nothing can make it readable: drop it, loudly.
		e.log.Error().Err(err).Msg("unreadable wake-up task dropped")
		return fmt.Errorf("unreadable wake-up: %w", asynq.SkipRetry)
	}
	w := dialogs.Wake{At: time.Unix(p.At, 0), Reason: p.Reason}
	if early := w.At.Sub(e.o.Clock.Now()); early > 0 {
		return errEarly{wait: early}
	}
	return handle(ctx, p.Chat, w)
}

// follow promotes the tasks due by the engine's clock until ctx ends.
func (e *Engine) follow(ctx context.Context) {
	t := time.NewTicker(e.o.CheckEvery)
	defer t.Stop()
	for {
		if _, err := e.RunDue(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn().Err(err).Msg("due wake-ups not looked for; trying again")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue makes every waiting task whose time the engine's clock has reached
// run now, and returns how many. It is what follows a clock that jumps
// (Options.FollowClock); it reads every waiting task, so it is for tests
// and small trials, not for a bot with many members.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	now := e.o.Clock.Now()
	n := 0
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){
		e.insp.ListScheduledTasks, e.insp.ListRetryTasks,
	} {
		for page := 1; ctx.Err() == nil; page++ {
			tasks, err := list(e.o.Queue, asynq.Page(page), asynq.PageSize(500))
			if errors.Is(err, asynq.ErrQueueNotFound) {
				break
			}
			if err != nil {
				return n, fmt.Errorf("list waiting wake-ups: %w", err)
			}
			for _, t := range tasks {
				var p wakePayload
				if json.Unmarshal(t.Payload, &p) != nil || time.Unix(p.At, 0).After(now) {
					continue
				}
				if err := e.insp.RunTask(e.o.Queue, t.ID); err == nil {
					n++
				}
			}
			if len(tasks) < 500 {
				break
			}
		}
	}
	return n, ctx.Err()
}

// Ready returns how many wake-ups are due and not finished (waiting for a
// worker, or running).
func (e *Engine) Ready(_ context.Context) (int, error) {
	q, err := e.queueInfo()
	if q == nil || err != nil {
		return 0, err
	}
	return q.Pending + q.Active, nil
}

// Pending returns how many wake-ups wait in the engine (scheduled, due,
// running or to be retried).
func (e *Engine) Pending(_ context.Context) (int, error) {
	q, err := e.queueInfo()
	if q == nil || err != nil {
		return 0, err
	}
	return q.Scheduled + q.Pending + q.Active + q.Retry, nil
}

// queueInfo reads the engine's queue; nil before any task was scheduled
// (asynq's GetQueueInfo then fails with an error of its own, not
// ErrQueueNotFound).
func (e *Engine) queueInfo() (*asynq.QueueInfo, error) {
	queues, err := e.insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("count wake-ups: %w", err)
	}
	if !slices.Contains(queues, e.o.Queue) {
		return nil, nil
	}
	q, err := e.insp.GetQueueInfo(e.o.Queue)
	if err != nil {
		return nil, fmt.Errorf("count wake-ups: %w", err)
	}
	return q, nil
}

// asynqLog sends asynq's own messages to our log, without the chat IDs
// its task IDs and our errors carry.
type asynqLog struct{ log zerolog.Logger }

func (l asynqLog) msg(args []any) string { return redact(fmt.Sprint(args...)) }

func (l asynqLog) Debug(args ...any) { l.log.Debug().Str("from", "asynq").Msg(l.msg(args)) }
func (l asynqLog) Info(args ...any)  { l.log.Info().Str("from", "asynq").Msg(l.msg(args)) }
func (l asynqLog) Warn(args ...any)  { l.log.Warn().Str("from", "asynq").Msg(l.msg(args)) }
func (l asynqLog) Error(args ...any) { l.log.Error().Str("from", "asynq").Msg(l.msg(args)) }
func (l asynqLog) Fatal(args ...any) { l.log.Fatal().Str("from", "asynq").Msg(l.msg(args)) }

// chatIDs finds the chat IDs in a task ID ("w:<chat>:") or an error of ours
// ("chat <chat>"), and in a task's payload ("c":<chat>).
var chatIDs = regexp.MustCompile(`(w:|chat |"c":)-?[0-9]+`)

// redact hides the chat IDs in a log message: a member's Telegram ID is
// personal data.
func redact(s string) string { return chatIDs.ReplaceAllString(s, "${1}…") }
