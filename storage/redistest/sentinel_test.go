package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestSentinelFailover: a client that follows the sentinels writes to the
// primary; once the replica has it, the primary is killed; the sentinels
// promote the replica, and the same client reads the write back from it and
// goes on writing.
func TestSentinelFailover(t *testing.T) {
	started := time.Now()
	s := StartSentinel(t)
	t.Logf("primary, replica and 3 sentinels ready in %v", time.Since(started).Round(time.Millisecond))

	if got := len(s.Addrs()); got != 3 {
		t.Fatalf("%d sentinels, want 3", got)
	}
	for _, addr := range s.Addrs() {
		if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":26379") {
			t.Errorf("sentinel on %s, want a free loopback port (not the machine's sentinel)", addr)
		}
	}
	if want := "redis-sentinel://" + strings.Join(s.Addrs(), ",") + "/" + s.MasterName(); s.URL() != want {
		t.Errorf("URL() = %q, want %q", s.URL(), want)
	}
	before := s.Primary()
	if info, err := infoOf(before, "replication"); err != nil || info["role"] != "master" || info["connected_slaves"] != "1" {
		t.Fatalf("the sentinels' primary %s: %v, %v; want a master with one replica", before, info, err)
	}

	ctx := t.Context()
	c := s.Client()
	if err := c.Set(ctx, "kept", "acknowledged and replicated", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.WaitReplicated(5 * time.Second)

	killed := time.Now()
	if got := s.KillPrimary(); got != before {
		t.Fatalf("KillPrimary killed %s, want the primary %s", got, before)
	}
	after := s.WaitFailover(20 * time.Second)
	t.Logf("failover in %v", time.Since(killed).Round(time.Millisecond))
	if after == before {
		t.Fatalf("the primary is still %s after the failover", before)
	}
	if got := s.Primary(); got != after {
		t.Errorf("Primary() = %s after the failover to %s", got, after)
	}

	// The client may hold connections to the dead primary: it finds the
	// new one by itself, within its retries.
	got, err := getWithin(ctx, c, "kept", 5*time.Second)
	if err != nil || got != "acknowledged and replicated" {
		t.Fatalf("after the failover kept = %q, %v; want the replicated write", got, err)
	}
	if err := c.Set(ctx, "new", "written", 0).Err(); err != nil {
		t.Fatalf("writing to the promoted replica: %v", err)
	}
	direct := redis.NewClient(&redis.Options{Addr: after})
	defer direct.Close()
	if v := direct.Get(ctx, "new").Val(); v != "written" {
		t.Errorf("the write went elsewhere than %s: GET new = %q", after, v)
	}
}

// getWithin reads key, asking again until timeout while the client gets
// errors (connections to the dead primary being dropped).
func getWithin(ctx context.Context, c redis.UniversalClient, key string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		v, err := c.Get(ctx, key).Result()
		if err == nil || err == redis.Nil || time.Now().After(deadline) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
