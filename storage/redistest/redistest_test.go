package redistest

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestStartIsAThrowawayRedisServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed")
	}
	srv := StartServer(t)
	if strings.HasSuffix(srv.Addr(), ":6379") {
		t.Fatalf("started on the machine's Redis port: %s", srv.Addr())
	}
	c := srv.Client()
	info := c.Info(t.Context(), "server").Val()
	if !strings.Contains(info, "redis_version:") || strings.Contains(info, "miniredis") {
		t.Fatalf("not a redis-server: %q", info)
	}
	if got := c.ConfigGet(t.Context(), "save").Val()["save"]; got != "" {
		t.Errorf("save = %q, want snapshots off", got)
	}
}

func TestStopRestartKeepsDataKillLosesIt(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("miniredis=%t", fallback), func(t *testing.T) {
			if fallback {
				t.Setenv("PATH", t.TempDir()) // no redis-server to find
				t.Setenv(RequireEnv, "")
			} else if _, err := exec.LookPath("redis-server"); err != nil {
				t.Skip("redis-server not installed")
			}
			srv := StartServer(t)
			c := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
			t.Cleanup(func() { _ = c.Close() })
			ctx := t.Context()
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}

			srv.Stop()
			if err := c.Ping(ctx).Err(); err == nil {
				t.Fatal("PING answered while stopped")
			}
			srv.Restart()
			if got := c.Get(ctx, "k").Val(); got != "v" {
				t.Fatalf("after Stop and Restart k = %q, want the data kept", got)
			}

			srv.Kill()
			srv.Restart()
			if n := c.Exists(ctx, "k").Val(); n != 0 {
				t.Fatal("after Kill and Restart the data is still there")
			}
		})
	}
}

// fatalRecorder is a testing.TB whose Fatal ends only the goroutine that
// called it, so that a test can look at what a helper failed with.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatal(args ...any) {
	r.fatal = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestRequireRedisFailsWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv(RequireEnv, "1")
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec)
	}()
	<-done
	if !strings.Contains(rec.fatal, "apt-get install redis-server") {
		t.Errorf("Fatal = %q, want the install hint", rec.fatal)
	}
}
