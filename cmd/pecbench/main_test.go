package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/omceo-latina/pecbot/storage/redistest"
)

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
		"\ncpu:         per update: pecbench ",
		"\nbusy:        pecbench ",
		"\nallocs:      per update ",
		" 0 refused by the webhook, 0 redelivered; 0 replies incomplete, 0 messages beyond the replies, 0 unexpected; 0 buttons not shown; 0 members gave up waiting\n",
		"\nfloor:       ",
		"\nfloor:       cpu per update: pecbench ",
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

// TestUsage: no benchmark or an unknown one is a usage error (exit 2);
// help is not.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"updates", "-rate", "-1"}, {"updates", "-members", "0"}, {"updates", "extra"}, {"reminders", "-n", "0"}, {"reminders", "-bogus"}, {"reminders", "extra"},
		{"broadcast", "-n", "0"}, {"broadcast", "-rate", "0"}, {"broadcast", "-limit", "-1"}, {"broadcast", "extra"}} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		var u usageError
		if !errors.As(err, &u) || exitCode(err) != 2 {
			t.Errorf("run %q: %v; want a usage error", args, err)
		}
	}
	var stdout, stderr bytes.Buffer
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
