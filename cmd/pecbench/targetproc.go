package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/omceo-latina/pecbot/bot"
)

// target is what `pecbench updates` measures, pecbot or the floor, served
// on a loopback webhook: in pecbench's own process (inProcess), or in a
// process of its own (targetProc, with -process).
type target interface {
	webhookURL() string
	// separate reports whether the target runs in another process:
	// its stats are then its own, else pecbench's whole process's.
	separate() bool
	stats() (targetStats, error)
	profile(path string) error // start a CPU profile to path; "": stop it
	stop() error               // as pecbot stops: what is under way ends
	kill()                     // pecbench is failing: end it at once
}

// With -process, the target runs in a process of its own: its CPU time, its garbage collector's included, and
// its allocations are then its own, read as exactly as redis-server's,
// rather than shared out of one process's by pprof labels. (Labels put a
// GC assist on whichever goroutine allocated when it came, and moved the
// split between the bot and the load by a factor of two from one window
// to the next.)
//
// pecbench starts itself again with targetEnv set, and talks to that
// process over its standard input and output, a line each way: first the
// target writes {"webhook": URL}; then it answers each command with one
// JSON line.
//
//	stats          the process's counters (targetStats)
//	profile PATH   start a CPU profile, written to PATH by "profile"
//	profile        stop it
//	stop           stop serving (the load is over) and exit
//
// A closed standard input is "stop".
const targetEnv = "PECBENCH_TARGET"

// targetStats is what the target's process counts: its CPU time (user and
// system), of which the GC's, its allocations, and its Redis round trips.
type targetStats struct {
	CPU     time.Duration `json:"cpu"`
	GCCPU   float64       `json:"gc_cpu"` // seconds
	Mallocs uint64        `json:"mallocs"`
	Bytes   uint64        `json:"bytes"`
	GCs     uint32        `json:"gcs"`
	Trips   []tripCount   `json:"trips"`
}

// tripCount is a kind of round trip and how many went.
type tripCount struct {
	Cmd  string `json:"cmd"`
	Key  string `json:"key,omitempty"`
	Size int    `json:"size,omitempty"`
	N    int64  `json:"n"`
}

// targetReply is a line the target writes.
type targetReply struct {
	Webhook string       `json:"webhook,omitempty"`
	Stats   *targetStats `json:"stats,omitempty"`
	Err     string       `json:"err,omitempty"`
}

// readStats reads this process's counters.
func readStats(trips *roundTrips) targetStats {
	s := targetStats{CPU: cpuTime()}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.Mallocs, s.Bytes, s.GCs = ms.Mallocs, ms.TotalAlloc, ms.NumGC
	sample := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindFloat64 {
		s.GCCPU = sample[0].Value.Float64()
	}
	for k, n := range trips.snapshot() {
		s.Trips = append(s.Trips, tripCount{Cmd: k.cmd, Key: k.key, Size: k.size, N: n})
	}
	return s
}

// tripsOf turns the trips a target reported back into the counters' map.
func (s targetStats) tripsOf() map[tripKind]int64 {
	m := make(map[tripKind]int64, len(s.Trips))
	for _, t := range s.Trips {
		m[tripKind{cmd: t.Cmd, key: t.Key, size: t.Size}] += t.N
	}
	return m
}

// runTargetProcess is the target's process: it serves pecbot (or, with
// -floor, the floor) on a loopback webhook, its Bot API at -api and its
// Redis at -redis, and answers pecbench's commands until "stop".
func runTargetProcess(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("target", flag.ContinueOnError)
	fs.SetOutput(stderr)
	floor := fs.Bool("floor", false, "serve the floor rather than pecbot")
	redisURL := fs.String("redis", "", "Redis URL")
	api := fs.String("api", "", "the fake Bot API's URL")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *redisURL == "" || *api == "" || fs.NArg() > 0 {
		return usageError{errors.New("target: -redis and -api are needed, and nothing else")}
	}
	conv, loc, err := newConversation()
	if err != nil {
		return err
	}
	log := newLog(stderr)
	clock := bot.RealClock()
	clock.Set(virtualStart(loc))
	trips := newRoundTrips()
	hook, stop, err := serveTarget(ctx, *redisURL, *api, conv, log, trips, clock, *floor)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(targetReply{Webhook: hook}); err != nil {
		_ = stop()
		return fmt.Errorf("target: %w", err)
	}
	var prof *os.File
	lines := bufio.NewScanner(stdin)
	for lines.Scan() {
		cmd, arg, _ := strings.Cut(lines.Text(), " ")
		var r targetReply
		switch cmd {
		case "stats":
			s := readStats(trips)
			r.Stats = &s
		case "profile":
			if prof != nil {
				pprof.StopCPUProfile()
				err = prof.Close()
				prof = nil
			}
			if arg != "" && err == nil {
				if prof, err = os.Create(arg); err == nil {
					if err = pprof.StartCPUProfile(prof); err != nil {
						_ = prof.Close()
						prof = nil
					}
				}
			}
			if err != nil {
				r.Err = fmt.Sprintf("-cpuprofile: %v", err)
				err = nil
			}
		case "stop":
			if prof != nil { // pecbench failed before stopping it
				pprof.StopCPUProfile()
				_ = prof.Close()
			}
			if err := stop(); err != nil {
				r.Err = err.Error()
			}
			return enc.Encode(r)
		default:
			r.Err = fmt.Sprintf("unknown command %q", cmd)
		}
		if err := enc.Encode(r); err != nil {
			break
		}
	}
	// pecbench is gone: stop as it would have asked.
	if prof != nil {
		pprof.StopCPUProfile()
		_ = prof.Close()
	}
	return stop()
}

func (p *targetProc) webhookURL() string { return p.webhook }

func (p *targetProc) separate() bool { return true }

// inProcess is a target served in pecbench's own process: its stats are
// the whole process's, the load's and the fake Bot API's included.
type inProcess struct {
	webhook string
	trips   *roundTrips
	stopFn  func() error
	prof    *os.File
}

// startInProcess serves the target (pecbot, or the floor) in this process.
func startInProcess(ctx context.Context, floor bool, env *env, api string, clock *bot.Clock) (*inProcess, error) {
	t := &inProcess{trips: newRoundTrips()}
	var err error
	t.webhook, t.stopFn, err = serveTarget(ctx, env.url, api, env.conv, env.log, t.trips, clock, floor)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t *inProcess) webhookURL() string { return t.webhook }

func (t *inProcess) separate() bool { return false }

func (t *inProcess) stats() (targetStats, error) { return readStats(t.trips), nil }

func (t *inProcess) profile(path string) error {
	if t.prof != nil {
		pprof.StopCPUProfile()
		err := t.prof.Close()
		t.prof = nil
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	t.prof = f
	return nil
}

func (t *inProcess) stop() error { return t.stopFn() }

func (t *inProcess) kill() {
	_ = t.profile("")
	_ = t.stopFn()
}

// targetProc is a target's process, seen from pecbench.
type targetProc struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *json.Decoder
	webhook string
	mu      sync.Mutex // one command at a time
}

// startTarget starts this program again as a target's process (pecbot,
// or the floor) on Redis at redisURL and the Bot API at api, and waits
// until it serves its webhook. Its log goes to stderr.
func startTarget(ctx context.Context, floor bool, redisURL, api string, stderr io.Writer) (*targetProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("target process: %w", err)
	}
	args := []string{"target", "-redis", redisURL, "-api", api}
	if floor {
		args = append(args, "-floor")
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), targetEnv+"=1")
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("target process: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("target process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("target process: %w", err)
	}
	p := &targetProc{cmd: cmd, in: in, out: json.NewDecoder(out)}
	var first targetReply
	if err := p.out.Decode(&first); err != nil || first.Webhook == "" {
		_ = in.Close()
		werr := cmd.Wait()
		return nil, fmt.Errorf("target process did not start (%v): %v", err, werr)
	}
	p.webhook = first.Webhook
	return p, nil
}

// ask sends a command and reads its answer.
func (p *targetProc) ask(command string) (targetReply, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var r targetReply
	if _, err := fmt.Fprintln(p.in, command); err != nil {
		return r, fmt.Errorf("target process: %s: %w", command, err)
	}
	if err := p.out.Decode(&r); err != nil {
		return r, fmt.Errorf("target process: %s: %w", command, err)
	}
	if r.Err != "" {
		return r, fmt.Errorf("target process: %s: %s", command, r.Err)
	}
	return r, nil
}

// stats reads the target's counters.
func (p *targetProc) stats() (targetStats, error) {
	r, err := p.ask("stats")
	if err == nil && r.Stats == nil {
		err = errors.New("target process: stats: no stats")
	}
	if err != nil {
		return targetStats{}, err
	}
	return *r.Stats, nil
}

// profile starts the target's CPU profile to path, or stops it ("").
func (p *targetProc) profile(path string) error {
	_, err := p.ask(strings.TrimSpace("profile " + path))
	return err
}

// stop stops the target (as pecbot stops: updates under way finish, the
// deliveries end) and waits for its process to exit.
func (p *targetProc) stop() error {
	_, err := p.ask("stop")
	_ = p.in.Close()
	if werr := p.cmd.Wait(); err == nil {
		err = werr
	}
	return err
}

// kill ends the target's process at once: pecbench is failing.
func (p *targetProc) kill() {
	_ = p.in.Close()
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}
