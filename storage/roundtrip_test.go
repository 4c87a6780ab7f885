package storage

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/storage/redistest"
)

// tripCounter is a redis.Hook counting what the client sends: each single
// command and each pipeline is one round trip.
type tripCounter struct {
	mu                 sync.Mutex
	trips, cmds, dials int
	names              []string
}

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c.mu.Lock()
		c.dials++
		c.mu.Unlock()
		return next(ctx, network, addr)
	}
}

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(cmd)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count(cmds...)
		return next(ctx, cmds)
	}
}

func (c *tripCounter) count(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips++
	for _, cmd := range cmds {
		c.cmds++
		c.names = append(c.names, cmd.Name())
	}
}

// take returns the counts so far and starts again from zero.
func (c *tripCounter) take() (trips, cmds, dials int, names []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	trips, cmds, dials, names = c.trips, c.cmds, c.dials, c.names
	c.trips, c.cmds, c.dials, c.names = 0, 0, 0, nil
	return trips, cmds, dials, names
}

// TestRoundTripsPerUpdate measures what one ordinary update costs: Begin
// and Commit must be one round trip each once the scripts are cached, and
// two each right after Redis lost its script cache.
func TestRoundTripsPerUpdate(t *testing.T) {
	c := redistest.Start(t)
	counter := &tripCounter{}
	c.AddHook(counter)
	s := New(c, Options{})
	ctx := t.Context()
	mustCommit(t, s, 1, 1, "warm-up", "m") // connect and cache the scripts
	counter.take()

	measure := func(what string, wantTrips int, do func() error) {
		t.Helper()
		before := serverCalls(t, c)
		counter.take()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		trips, cmds, dials, names := counter.take()
		server := serverCalls(t, c)
		if server != nil {
			for name, n := range before {
				server[name] -= n
			}
		}
		t.Logf("%s: %d round trip(s), %d command(s) sent %v, %d dial(s); executed by Redis: %s",
			what, trips, cmds, names, dials, describeCalls(server))
		if trips != wantTrips {
			t.Errorf("%s took %d round trips, want %d", what, trips, wantTrips)
		}
	}

	var turn Turn
	measure("Begin", 1, func() (err error) { turn, err = s.Begin(ctx, 7, 100); return err })
	measure("Commit with 2 messages", 1, func() error {
		return s.Commit(ctx, 7, 100, turn, []byte("state"), bytesOf("a", "b"), 0, time.Time{})
	})
	measure("Begin update 0", 1, func() (err error) { turn, err = s.Begin(ctx, 7, 0); return err })
	measure("Commit without messages", 1, func() error {
		return s.Commit(ctx, 7, 0, turn, []byte("state"), nil, 0, time.Time{})
	})

	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	measure("Begin, script cache empty", 2, func() (err error) { turn, err = s.Begin(ctx, 7, 101); return err })
	if err := c.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	measure("Commit, script cache empty", 2, func() error {
		return s.Commit(ctx, 7, 101, turn, []byte("state"), bytesOf("c"), 0, time.Time{})
	})
}

// serverCalls reads Redis' own count of commands executed, including those
// run inside scripts; nil where the server cannot tell (miniredis). The
// INFO and CONFIG commands used to measure are left out.
func serverCalls(t *testing.T, c redis.UniversalClient) map[string]int {
	t.Helper()
	info, err := c.Info(t.Context(), "commandstats").Result()
	if err != nil || !strings.Contains(info, "cmdstat_") {
		return nil
	}
	calls := map[string]int{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "cmdstat_"), ":calls=")
		if !ok || name == "info" || name == "config" {
			continue
		}
		n, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
		calls[name] = n
	}
	return calls
}

func describeCalls(calls map[string]int) string {
	if calls == nil {
		return "unknown (not a real redis-server)"
	}
	total := 0
	var parts []string
	for name, n := range calls {
		if n > 0 {
			total += n
			parts = append(parts, name+"×"+strconv.Itoa(n))
		}
	}
	slices.Sort(parts)
	return strconv.Itoa(total) + " " + strings.Join(parts, " ")
}
