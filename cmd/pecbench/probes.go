package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// putsMessage reports whether the Bot API method of path puts a message in
// a chat.
func putsMessage(path string) bool {
	for _, m := range []string{"/sendMessage", "/sendDocument", "/copyMessage"} {
		if strings.HasSuffix(path, m) {
			return true
		}
	}
	return false
}

// roundTrips is a go-redis hook counting a client's round trips, by what
// they were: the command (the first of a pipeline) and the last part of
// its first key, which names the script or set ("evalsha …:seen" is
// storage's Begin, "evalsha …:member" its finish).
type roundTrips struct {
	mu sync.Mutex
	n  map[tripKind]int64
}

// tripKind is one kind of round trip.
type tripKind struct {
	cmd  string // the command, or the first of a pipeline's
	key  string // the last part of its first key
	size int    // commands in the pipeline; 0: a command alone
}

func newRoundTrips() *roundTrips { return &roundTrips{n: map[tripKind]int64{}} }

// DialHook counts nothing.
func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts a command sent alone.
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(tripKind{cmd: cmd.Name(), key: keyTail(cmd)})
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts a pipeline (or transaction) as one round trip.
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 {
			h.count(tripKind{cmd: cmds[0].Name(), key: keyTail(cmds[0]), size: len(cmds)})
		}
		return next(ctx, cmds)
	}
}

func (h *roundTrips) count(k tripKind) {
	h.mu.Lock()
	h.n[k]++
	h.mu.Unlock()
}

// snapshot is a copy of the counts so far.
func (h *roundTrips) snapshot() map[tripKind]int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[tripKind]int64, len(h.n))
	for k, v := range h.n {
		out[k] = v
	}
	return out
}

// keyTail is the last part of cmd's first key, "" if it has none.
func keyTail(cmd redis.Cmder) string {
	args := cmd.Args()
	i := 1
	switch cmd.Name() {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall":
		i = 3
	}
	if len(args) <= i {
		return ""
	}
	s, ok := args[i].(string)
	if !ok {
		return ""
	}
	// asynq's keys: its queue's, by the part after it ("asynq …:t" is a
	// task's hash).
	if _, after, ok := strings.Cut(s, "}:"); ok && strings.HasPrefix(s, "asynq:") {
		part, _, _ := strings.Cut(after, ":")
		return part
	}
	// Ours end with what they hold; a chat's are "<prefix>:{chat}:seen".
	parts := strings.Split(s, ":")
	for i := len(parts) - 1; i > 0; i-- {
		if strings.Trim(parts[i], "0123456789") != "" {
			return parts[i]
		}
	}
	return s
}

// String names the kind: "evalsha …:seen", "pipeline of 4 (evalsha …:member)".
func (k tripKind) String() string {
	s := k.cmd
	if k.key != "" {
		s += " …:" + k.key
	}
	if k.size > 0 {
		s = fmt.Sprintf("pipeline of %d (%s)", k.size, s)
	}
	return s
}

// counters are what is read at the start and the end of a window.
type counters struct {
	at       time.Time
	cpu      time.Duration // the target's process's, user and system
	gcCPU    float64       // of which the runtime estimates its GC's, seconds
	mallocs  uint64        // the target's process's
	bytes    uint64
	gcs      uint32
	loadCPU  time.Duration    // pecbench's own: the load and the fake Bot API
	redisCPU float64          // redis-server's, seconds
	machine  float64          // every process's on this machine, seconds (/proc/stat); 0: unknown
	commands map[string]int64 // INFO commandstats: calls per command
	noRedis  bool             // this Redis does not tell
	trips    map[tripKind]int64
}

// readCounters reads the counters now: the target's, pecbench's, Redis's.
// A target in pecbench's own process counts the load's CPU time and
// allocations with its own (loadCPU is then 0).
func readCounters(ctx context.Context, rdb redis.UniversalClient, target target) (counters, error) {
	s, err := target.stats()
	if err != nil {
		return counters{}, err
	}
	c := counters{at: time.Now(), cpu: s.CPU, gcCPU: s.GCCPU, mallocs: s.Mallocs, bytes: s.Bytes, gcs: s.GCs,
		trips: s.tripsOf(), machine: machineCPU()}
	if target.separate() {
		c.loadCPU = cpuTime()
	}
	raw, err := rdb.Info(ctx, "cpu", "commandstats").Result()
	if err != nil && strings.HasPrefix(err.Error(), "ERR ") {
		c.noRedis = true // the in-memory Redis
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("redis INFO: %w", err)
	}
	c.commands = map[string]int64{}
	found := 0
	for line := range strings.SplitSeq(raw, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch {
		case k == "used_cpu_user" || k == "used_cpu_sys":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return c, fmt.Errorf("redis INFO %s=%q: %w", k, v, err)
			}
			c.redisCPU += f
			found++
		case strings.HasPrefix(k, "cmdstat_"):
			calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
			n, err := strconv.ParseInt(calls, 10, 64)
			if err != nil {
				return c, fmt.Errorf("redis INFO %s=%q: %w", k, v, err)
			}
			c.commands[strings.TrimPrefix(k, "cmdstat_")] = n
		}
	}
	c.noRedis = found != 2
	return c, nil
}

// machineCPU is the CPU time every process on this machine used so far,
// in seconds (Linux: /proc/stat, in USER_HZ, 100 a second), or 0 when
// unknown. Other processes share the cores with the benchmark: what they
// took is said, since it makes the figures pessimistic.
func machineCPU() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	total := 0.0
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		if i == 3 || i == 4 {
			continue // idle, iowait
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0
		}
		total += n
	}
	return total / 100
}
