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

// TestUsage: no benchmark or an unknown one is a usage error (exit 2);
// help is not.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"updates"}, {"nope"}, {"reminders", "-n", "0"}, {"reminders", "-bogus"}, {"reminders", "extra"}} {
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
}
