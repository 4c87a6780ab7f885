package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omceo-latina/pecbot/bot/telegramtest"
	"github.com/omceo-latina/pecbot/storage/redistest"
)

// TestMain runs the benchmark's target when the test binary is started
// again as one (pecbench updates starts os.Executable, this binary in a
// test).
func TestMain(m *testing.M) {
	if os.Getenv(targetEnv) != "" && len(os.Args) > 1 && os.Args[1] == "target" {
		if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "pecbench:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer is a buffer the benchmark's goroutines may write to while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestReminders runs a small benchmark on a throwaway redis-server (the
// in-memory Redis without one, which reports no memory figures): every
// member gets their reminder once, and every figure is printed. (The
// figures themselves depend on the machine: not checked.)
func TestReminders(t *testing.T) {
	rds := redistest.StartServer(t)
	var stdout, stderr lockedBuffer
	err := run(context.Background(), []string{"reminders", "-n", "300", "-spread", "3s", "-lead", "1s", "-progress", "0",
		"-redis", "redis://" + rds.Addr() + "/0"}, &stdout, &stderr)
	out := stdout.String()
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	for _, want := range []string{
		"pecbench reminders: n=300 ",
		"\nstates:      300 committed in ",
		"\nscheduled:   300 wake-ups in ",
		"\ndelay:       p50 ",
		"300 reminders)\n",
		"\nthroughput:  ",
		"(300 messages from the first send",
		"\nduplicates:  0 ",
		"\nmissing:     0 ",
		"\nsample:      \"Oggi è il giorno previsto per l'attivazione",
		"\nmemory:      ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "not reported by this Redis") {
		for _, want := range []string{" B per pending reminder", " B per member stored", "\ncpu:         per reminder"} {
			if !strings.Contains(out, want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
	}
	if strings.Contains(out, "strays:") {
		t.Errorf("messages to chats that are no member:\n%s", out)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// TestBroadcast runs a small broadcast on a throwaway redis-server, at the
// fake Bot API's limit: every member gets the announcement once, the staff
// member the final report, nobody a 429, and every figure is printed. (The
// rate and times depend on the machine: not checked.)
func TestBroadcast(t *testing.T) {
	rds := redistest.StartServer(t)
	var stdout, stderr lockedBuffer
	err := run(context.Background(), []string{"broadcast", "-n", "120", "-rate", "60", "-limit", "60", "-progress", "0",
		"-redis", "redis://" + rds.Addr() + "/0"}, &stdout, &stderr)
	out := stdout.String()
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	for _, want := range []string{
		"pecbench broadcast: n=120 procs=1 rate=60/s paid=false limit=60/s ",
		"\nmembers:     120 stored in ",
		"\nrate:        ",
		" msg/s achieved, 60/s configured: ",
		"(120 copies accepted from the first to the last, over ",
		"\nfan-out:     the first copy ",
		"\nthrottled:   0 answers 429 (the fake's limit of 60/s; copyMessage 0, the staff's messages 0)\n",
		"\nduplicates:  0 ",
		"\nmissing:     0 ",
		"\ncounts:      sent 120, blocked 0, failed 0, skipped 0 (storage.BroadcastCounts); 0 outboxes left\n",
		"\nreport:      ",
		"\"✅ Annuncio del ",
		"\ncpu:         per message: pecbench ",
		"\nbusy:        ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "redis-server not reported by this Redis") && !strings.Contains(out, "\nredis:       ") {
		t.Errorf("the output lacks the Redis commands per message:\n%s", out)
	}
	for _, unwanted := range []string{"\n429:", "\nstrays:", "\nfailed:", "\npaid:"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("the output has %q:\n%s", unwanted, out)
		}
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// TestUpdates runs a tiny updates benchmark, pecbot's and the floor's, on
// a throwaway redis-server: every update is answered, every reply comes
// complete with the buttons the members press, and every figure is
// printed. (The figures depend on the machine: not checked.)
func TestUpdates(t *testing.T) {
	rds := redistest.StartServer(t)
	var stdout, stderr lockedBuffer
	err := run(context.Background(), []string{"updates", "-members", "20", "-think", "1s", "-warmup", "500ms", "-duration", "1500ms",
		"-progress", "0", "-redis", "redis://" + rds.Addr() + "/0"}, &stdout, &stderr)
	out := stdout.String()
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	for _, want := range []string{
		"pecbench updates: max (closed loop: each member's next update after its reply) members=20 think=1s conns=40 duration=1.5s ",
		"\njourney:     8 updates, 9 messages: /start (2 messages), go_act, bought, pay:card|pay:postal|pay:bank, fax_other, «28/09/2027», calendar, /status ",
		"\npace:        ",
		"to spare, not the limit\n",
		"\nrate:        ",
		" updates/s sustained over ",
		"\nlatency:     p50 ",
		"\nack:         p50 ",
		"\nqueued:      p50 ",
		"\ntrips:       ",
		" Redis round trips per update from the bot (",
		"\ncpu:         per update: pecbench's process ",
		"\nbusy:        pecbench's process ",
		"\nallocs:      per update ",
		" 0 refused by the webhook, 0 redelivered; 0 replies incomplete, 0 messages beyond the replies, 0 unexpected; 0 buttons not shown; 0 members gave up waiting\n",
		"\nfloor:       ",
		"\nfloor:       cpu per update: pecbench's process ",
		"\nratio:       pecbot against the floor: cpu per update ×",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "not reported by this Redis") && !strings.Contains(out, "\nredis:       ") {
		t.Errorf("the output lacks the Redis commands per update:\n%s", out)
	}
	// Warnings may come (20 members are the limit, not the bot; other
	// processes share the machine); a conversation gone wrong may not.
	if strings.Contains(out, "went wrong") {
		t.Errorf("the conversation went wrong:\n%s", out)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// TestUpdatesRounds runs two tiny rounds of pecbot and the floor in
// turn, each in a process of its own (-process): the figures are the
// rounds together, pecbot's CPU its process's apart from pecbench's, and
// the rounds: line shows the ratios round by round. (The figures depend
// on the machine: not checked.)
func TestUpdatesRounds(t *testing.T) {
	rds := redistest.StartServer(t)
	var stdout, stderr lockedBuffer
	err := run(context.Background(), []string{"updates", "-process", "-rounds", "2", "-members", "20", "-think", "1s", "-warmup", "300ms", "-duration", "1s",
		"-progress", "0", "-redis", "redis://" + rds.Addr() + "/0"}, &stdout, &stderr)
	out := stdout.String()
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	for _, want := range []string{
		" duration=1s warmup=300ms rounds=2 send-rate=",
		" 0 refused by the webhook, 0 redelivered; 0 replies incomplete, 0 messages beyond the replies, 0 unexpected; 0 buttons not shown; 0 members gave up waiting\n",
		"\ncpu:         per update: pecbot's process ",
		"\nbusy:        pecbot's process ",
		"\nfloor:       cpu per update: the handler's process ",
		"\nratio:       pecbot against the floor: cpu per update ×",
		" (its own: its process + redis-server), ×",
		"\nrounds:      2 rounds, pecbot and the floor in turn; cpu per update against the floor round by round: its own ×",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "went wrong") {
		t.Errorf("the conversation went wrong:\n%s", out)
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", stderr.String())
	}
}

// TestMergeResults: two rounds together are their sums, their samples
// together, their worst; one round is itself.
func TestMergeResults(t *testing.T) {
	at := time.Date(2027, 9, 30, 10, 0, 0, 0, time.UTC)
	millis := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	a := &targetResult{name: "pecbot",
		c0: counters{at: at, cpu: time.Second, loadCPU: time.Second, mallocs: 100, redisCPU: 0.5, machine: 10,
			commands: map[string]int64{"get": 10}, trips: map[tripKind]int64{}},
		c1: counters{at: at.Add(2 * time.Second), cpu: 3 * time.Second, loadCPU: 2 * time.Second, mallocs: 1100, gcs: 2, redisCPU: 0.9, machine: 14.5,
			commands: map[string]int64{"get": 30, "set": 5}, trips: map[tripKind]int64{}},
		acked: 100, sent: 110, latency: millis(1, 2, 3), byStep: [][]time.Duration{millis(1), millis(2, 3)},
		gaps: millis(1000), paceSlack: 300 * time.Millisecond}
	b := &targetResult{name: "pecbot",
		c0: counters{at: at.Add(10 * time.Second), cpu: 5 * time.Second, loadCPU: 4 * time.Second, mallocs: 5000, gcs: 7, redisCPU: 2, machine: 20,
			commands: map[string]int64{"get": 30, "set": 5}},
		c1: counters{at: at.Add(13 * time.Second), cpu: 6 * time.Second, loadCPU: 4500 * time.Millisecond, mallocs: 5600, gcs: 8, redisCPU: 2.2, machine: 22,
			commands: map[string]int64{"get": 90, "set": 5, "evalsha": 40}},
		acked: 300, sent: 305, missing: 1, latency: millis(10, 20, 30, 40, 50, 60, 70), byStep: [][]time.Duration{millis(10)},
		gaps: millis(900), paceSlack: 100 * time.Millisecond}
	m := mergeResults([]*targetResult{a, b})

	if m.window() != 5*time.Second || m.acked != 400 || m.sent != 415 || m.missing != 1 || m.rate() != 80 {
		t.Errorf("window %s, acked %d, sent %d, missing %d, rate %.1f; want 5s, 400, 415, 1, 80/s", m.window(), m.acked, m.sent, m.missing, m.rate())
	}
	// Sums over sums: 3 s of CPU for 400 updates, not the mean of 20 ms and 3.3 ms.
	if m.cpuEach() != 7500*time.Microsecond || m.redisEach() != 1500*time.Microsecond {
		t.Errorf("cpu per update %s, redis-server's %s; want 7.5ms and 1.5ms", m.cpuEach(), m.redisEach())
	}
	// pecbench's own, the load's, apart: 1.5 s for 400 updates.
	if m.loadEach() != 3750*time.Microsecond || m.ownEach() != 9*time.Millisecond || m.wholeEach() != 12750*time.Microsecond {
		t.Errorf("load %s, own %s, whole %s per update; want 3.75ms, 9ms, 12.75ms", m.loadEach(), m.ownEach(), m.wholeEach())
	}
	if got := m.perUpdate(float64(m.c1.mallocs - m.c0.mallocs)); got != 4 {
		t.Errorf("%.2f allocations per update; want 4", got)
	}
	if m.c1.gcs-m.c0.gcs != 3 {
		t.Errorf("%d GC cycles; want 3", m.c1.gcs-m.c0.gcs)
	}
	commands := map[string]int64{}
	for k, v := range m.c1.commands {
		commands[k] = v - m.c0.commands[k]
	}
	if commands["get"] != 80 || commands["set"] != 5 || commands["evalsha"] != 40 || len(commands) != 3 {
		t.Errorf("commands in the windows %v; want get 80, set 5, evalsha 40", commands)
	}
	if o, ok := m.others(); !ok || o < 0.279 || o > 0.281 {
		t.Errorf("other processes %.3f cores (%t); want (6.5 − 3 − 1.5 − 0.6) ÷ 5 s = 0.28", o, ok)
	}
	// Percentiles over all the samples: p50 of the ten is 20 ms (the
	// rounds' own, 2 ms and 40 ms, average 21 ms).
	if p50, p99 := percentile(m.latency, 0.5), percentile(m.latency, 0.99); p50 != 20*time.Millisecond || p99 != 70*time.Millisecond {
		t.Errorf("latency p50 %s p99 %s; want 20ms and 70ms", p50, p99)
	}
	if len(m.byStep) != 2 || !slices.Equal(m.byStep[0], millis(1, 10)) || !slices.Equal(m.byStep[1], millis(2, 3)) {
		t.Errorf("by step %v; want [[1ms 10ms] [2ms 3ms]]", m.byStep)
	}
	if !slices.Equal(m.gaps, millis(900, 1000)) || m.paceSlack != 100*time.Millisecond {
		t.Errorf("gaps %v, pace slack %s; want [900ms 1s] and 100ms", m.gaps, m.paceSlack)
	}
	// A problem in any round is the merged result's.
	if _, errs := m.problems(updatesConfig{rate: 100}); len(errs) != 1 {
		t.Errorf("problems %q; want the incomplete reply of the second round", errs)
	}
	// The rounds are left as they were.
	if !slices.Equal(a.latency, millis(1, 2, 3)) || a.c1.commands["evalsha"] != 0 || a.c1.loadCPU != 2*time.Second {
		t.Errorf("the first round changed: %+v", a)
	}
	// A round whose machine is unknown makes the whole unknown.
	b.c0.machine = 0
	if _, ok := mergeResults([]*targetResult{a, b}).others(); ok {
		t.Errorf("other processes known with a round not knowing them")
	}
	if mergeResults([]*targetResult{a}) != a {
		t.Errorf("one round is not itself")
	}
	if got := []float64{median([]float64{3, 1, 2}), median([]float64{4, 1, 3, 2}), median(nil)}; !slices.Equal(got, []float64{2, 2.5, 0}) {
		t.Errorf("medians %v; want 2, 2.5, 0", got)
	}
}

// TestPrintRounds: the rounds: line gives the ratio: line's two CPU
// ratios round by round, and their medians.
func TestPrintRounds(t *testing.T) {
	// round makes a target of 1,000 updates in 1 s, pecbench's load as
	// much as the target's process.
	round := func(cpu time.Duration, redisCPU float64) *targetResult {
		return &targetResult{separate: true, c1: counters{at: time.Unix(1, 0), cpu: cpu, loadCPU: cpu, redisCPU: redisCPU}, c0: counters{at: time.Unix(0, 0)},
			acked: 1000}
	}
	// Own: 2 ms against 0.5 ms, then 1 ms; the whole: 3 ms against 1 ms, then 2 ms.
	r := &updatesResult{bots: []*targetResult{round(time.Second, 1), round(time.Second, 1)},
		floors: []*targetResult{round(time.Second/2, 0), round(time.Second, 0)}}
	var out bytes.Buffer
	r.printRounds(&out)
	if want := "rounds:      2 rounds, pecbot and the floor in turn; cpu per update against the floor round by round: its own ×4.00 ×2.00 (median ×3.00), the whole ×3.00 ×1.50 (median ×2.25); the lines above are the rounds together\n"; out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
	// In pecbench's own process, the whole only: its own is not known.
	for _, t := range append(r.bots, r.floors...) {
		t.separate, t.c1.cpu, t.c1.loadCPU = false, 2*t.c1.cpu, 0
	}
	out.Reset()
	r.printRounds(&out)
	if want := "rounds:      2 rounds, pecbot and the floor in turn; cpu per update against the floor round by round: the whole ×3.00 ×1.50 (median ×2.25); the lines above are the rounds together\n"; out.String() != want {
		t.Errorf("in process, got  %q\nwant %q", out.String(), want)
	}
	for _, t := range append(r.bots, r.floors...) {
		t.separate, t.c1.cpu, t.c1.loadCPU = true, t.c1.cpu/2, t.c1.cpu/2
	}
	r.floors = nil
	out.Reset()
	r.printRounds(&out)
	if want := "rounds:      2 rounds of pecbot; cpu per update round by round: its own (its process + redis-server) 2ms 2ms (median 2ms), the whole (with pecbench) 3ms 3ms (median 3ms); the lines above are the rounds together\n"; out.String() != want {
		t.Errorf("without the floor, got  %q\nwant %q", out.String(), want)
	}
	r.bots = r.bots[:1]
	out.Reset()
	if r.printRounds(&out); out.Len() != 0 {
		t.Errorf("one round: %q; want nothing", out.String())
	}
}

// TestUsage: no benchmark or an unknown one is a usage error (exit 2);
// help is not.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"updates", "-rate", "-1"}, {"updates", "-members", "0"}, {"updates", "-rounds", "0"}, {"updates", "extra"}, {"reminders", "-n", "0"}, {"reminders", "-bogus"}, {"reminders", "extra"},
		{"broadcast", "-n", "0"}, {"broadcast", "-rate", "0"}, {"broadcast", "-limit", "-1"}, {"broadcast", "extra"},
		{"target", "-redis", "redis://127.0.0.1:1"}} { // target: not for people (no $PECBENCH_TARGET)
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		var u usageError
		if !errors.As(err, &u) || exitCode(err) != 2 {
			t.Errorf("run %q: %v; want a usage error", args, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"updates", "-rounds", "0"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "-rounds must be at least 1") {
		t.Errorf("updates -rounds 0: %v; want -rounds must be at least 1", err)
	}
	if err := run(context.Background(), []string{"help"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "pecbench reminders") {
		t.Errorf("help: %v\n%s", err, stdout.String())
	}
	if err := run(context.Background(), []string{"reminders", "-h"}, &stdout, &stderr); err != nil || !strings.Contains(stderr.String(), "-spread") {
		t.Errorf("reminders -h: %v\n%s", err, stderr.String())
	}
	if err := run(context.Background(), []string{"broadcast", "-h"}, &stdout, &stderr); err != nil || !strings.Contains(stderr.String(), "-paid") {
		t.Errorf("broadcast -h: %v\n%s", err, stderr.String())
	}
	if err := run(context.Background(), []string{"updates", "-h"}, &stdout, &stderr); err != nil || !strings.Contains(stderr.String(), "-think") {
		t.Errorf("updates -h: %v\n%s", err, stderr.String())
	}
}

// TestBroadcastDefaults: -paid raises the default rate to 1,000 a second
// and lifts the fake's limit; -n defaults to the rate times -duration;
// flags given win.
func TestBroadcastDefaults(t *testing.T) {
	for _, c := range []struct {
		args           []string
		n, rate, limit int
		paid           bool
	}{
		{nil, 2100, 30, 30, false},
		{[]string{"-paid"}, 70000, 1000, 0, true},
		{[]string{"-paid", "-rate", "500", "-limit", "800", "-duration", "10s"}, 5000, 500, 800, true},
		{[]string{"-rate", "28", "-n", "99"}, 99, 28, 30, false},
	} {
		var stderr bytes.Buffer
		cfg, err := parseBroadcast(c.args, &stderr)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if cfg.n != c.n || cfg.rate != c.rate || cfg.limit != c.limit || cfg.paid != c.paid || cfg.timeout <= 0 {
			t.Errorf("%q: n=%d rate=%d limit=%d paid=%t timeout=%s; want n=%d rate=%d limit=%d paid=%t and a timeout",
				c.args, cfg.n, cfg.rate, cfg.limit, cfg.paid, cfg.timeout, c.n, c.rate, c.limit, c.paid)
		}
	}
}

// TestTargetProcess drives a target as pecbench drives its process, over
// its standard input and output: it serves a webhook, answers stats (its
// own counters), refuses an unknown command and a profile it cannot
// write, and stops on "stop". Missing flags are a usage error.
func TestTargetProcess(t *testing.T) {
	var stderr lockedBuffer
	if err := runTargetProcess(t.Context(), []string{"-redis", "redis://127.0.0.1:1"}, strings.NewReader(""), io.Discard, &stderr); exitCode(err) != 2 {
		t.Errorf("no -api: %v; want a usage error", err)
	}
	rds := redistest.StartServer(t)
	fake := telegramtest.New(t, botToken)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runTargetProcess(t.Context(), []string{"-floor", "-redis", "redis://" + rds.Addr() + "/0", "-api", fake.URL()}, inR, outW, &stderr)
		_ = outW.Close()
	}()
	replies := json.NewDecoder(outR)
	var first targetReply
	if err := replies.Decode(&first); err != nil || !strings.HasPrefix(first.Webhook, "http://127.0.0.1:") {
		t.Fatalf("first line %+v (%v); want the webhook", first, err)
	}
	ask := func(cmd string) targetReply {
		t.Helper()
		if _, err := fmt.Fprintln(inW, cmd); err != nil {
			t.Fatal(err)
		}
		var r targetReply
		if err := replies.Decode(&r); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return r
	}
	if r := ask("stats"); r.Stats == nil || r.Stats.CPU <= 0 || r.Stats.Mallocs == 0 || r.Err != "" {
		t.Errorf("stats: %+v; want the process's counters", r)
	}
	if r := ask("bogus"); !strings.Contains(r.Err, `unknown command "bogus"`) {
		t.Errorf("bogus: %+v; want an unknown command", r)
	}
	if r := ask("profile " + t.TempDir() + "/no/such/dir/cpu.prof"); !strings.Contains(r.Err, "-cpuprofile") {
		t.Errorf("profile to a missing directory: %+v; want its error", r)
	}
	path := t.TempDir() + "/cpu.prof"
	if r := ask("profile " + path); r.Err != "" {
		t.Errorf("profile: %s", r.Err)
	}
	if r := ask("profile"); r.Err != "" {
		t.Errorf("profile stopped: %s", r.Err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("the profile was not written: %v", err)
	}
	if r := ask("stop"); r.Err != "" {
		t.Errorf("stop: %s", r.Err)
	}
	if err := <-done; err != nil {
		t.Errorf("the target ended with %v", err)
	}
}
