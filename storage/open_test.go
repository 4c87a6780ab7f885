package storage

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/omceo-latina/pecbot/storage/redistest"
)

func TestOpen(t *testing.T) {
	srv := redistest.StartServer(t)
	c, err := Open(t.Context(), "redis://"+srv.Addr()+"/0")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	mustCommit(t, New(c, Options{}), 7, 1, "x")

	for _, bad := range []string{"http://x", "127.0.0.1:6379", "redis://127.0.0.1:1/0"} {
		if c, err := Open(t.Context(), bad); err == nil {
			_ = c.Close()
			t.Errorf("Open(%q) succeeded, want an error", bad)
		} else {
			t.Logf("Open(%q): %v", bad, err)
		}
	}
}

func TestParseRedisURL(t *testing.T) {
	single := func(addr, user, pass string, db int, tls bool) func(*testing.T, redisConfig) {
		return func(t *testing.T, c redisConfig) {
			o := c.single
			if o == nil || o.Addr != addr || o.Username != user || o.Password != pass || o.DB != db || (o.TLSConfig != nil) != tls {
				t.Errorf("single = %+v, want %s user %q pass %q db %d tls %t", o, addr, user, pass, db, tls)
			}
		}
	}
	cluster := func(addrs ...string) func(*testing.T, redisConfig) {
		return func(t *testing.T, c redisConfig) {
			if c.cluster == nil || !slices.Equal(c.cluster.Addrs, addrs) {
				t.Errorf("cluster = %+v, want addrs %v", c.cluster, addrs)
			}
		}
	}
	for _, tc := range []struct {
		url     string
		check   func(*testing.T, redisConfig)
		wantErr string // part of the error
	}{
		{url: "redis://127.0.0.1:6400/0", check: single("127.0.0.1:6400", "", "", 0, false)},
		{url: "redis://:s%40cret@db:6380/3", check: single("db:6380", "", "s@cret", 3, false)},
		{url: "redis://bob:p@ss@db", check: single("db:6379", "bob", "p@ss", 0, false)},
		{url: "rediss://db:6380?dial_timeout=2s", check: single("db:6380", "", "", 0, true)},
		{url: "redis://a:7000,b:7001,c:7002", check: cluster("a:7000", "b:7001", "c:7002")},
		{url: "redis://:pw@a:7000,b:7001/0?max_redirects=3", check: func(t *testing.T, c redisConfig) {
			cluster("a:7000", "b:7001")(t, c)
			if c.cluster.Password != "pw" || c.cluster.MaxRedirects != 3 {
				t.Errorf("cluster password %q max_redirects %d", c.cluster.Password, c.cluster.MaxRedirects)
			}
		}},
		{url: "redis-sentinel://:pw@s1:26379,s2:26379/mymaster?db=2", check: func(t *testing.T, c redisConfig) {
			o := c.failover
			if o == nil || !slices.Equal(o.SentinelAddrs, []string{"s1:26379", "s2:26379"}) ||
				o.MasterName != "mymaster" || o.DB != 2 || o.Password != "pw" || o.SentinelPassword != "" {
				t.Errorf("failover = %+v", o)
			}
		}},
		{url: "redis-sentinel://s1:26379/m?sentinel_password=spw", check: func(t *testing.T, c redisConfig) {
			if o := c.failover; o == nil || o.SentinelPassword != "spw" || o.Password != "" || o.MasterName != "m" {
				t.Errorf("failover = %+v", o)
			}
		}},
		{url: "http://x", wantErr: `unsupported scheme "http"`},
		{url: "localhost:6379", wantErr: "missing scheme"},
		{url: "redis://a:1,,b:2", wantErr: "empty address"},
		{url: "redis://a:99999", wantErr: "bad port"},
		{url: "redis://db/x", wantErr: "invalid database number"},
		{url: "redis://db?bogus=1", wantErr: "bogus"},
		{url: "redis://a:1,b:2/4", wantErr: "only database 0"},
		{url: "redis-sentinel://s1:26379", wantErr: "master name"},
		{url: "redis-sentinel://:topsecret@s1:26379/m?db=x", wantErr: "invalid database number"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			c, err := parseRedisURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Errorf("the error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestSeveralAddressesMakeAClusterClient(t *testing.T) {
	cfg, err := parseRedisURL("redis://127.0.0.1:7000,127.0.0.1:7001")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.client() // no I/O: nothing listens there
	defer c.Close()
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("client is %T, want *redis.ClusterClient", c)
	}
	if got := cc.Options().Addrs; !slices.Equal(got, []string{"127.0.0.1:7000", "127.0.0.1:7001"}) {
		t.Errorf("cluster addrs = %v", got)
	}
	if New(c, Options{}).crossSlotScripts {
		t.Error("a Store on a Cluster would run scripts across slots")
	}
}

func TestEmbedded(t *testing.T) {
	c, stop, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := c.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	s := New(c, Options{})
	ctx := t.Context()
	mustCommit(t, s, 7, 1, "x", "hello")
	if _, err := s.Begin(ctx, 7, 1); !errors.Is(err, ErrSeen) {
		t.Errorf("redelivered update: err = %v, want ErrSeen", err)
	}
	turn := mustBegin(t, s, 7, 2)
	if string(turn.State) != "x" || turn.Version != 1 {
		t.Errorf("state = %q v%d", turn.State, turn.Version)
	}
	if _, err := s.Begin(ctx, 7, 3); !errors.Is(err, ErrBusy) {
		t.Errorf("Begin while locked: err = %v, want ErrBusy", err)
	}
	if box, _ := s.Outbox(ctx, 7); !slices.Equal(stringsOf(box), []string{"hello"}) {
		t.Errorf("outbox = %q", box)
	}
	// TTLs must run on the wall clock, as in Redis.
	if err := c.Set(ctx, "short", "x", 50*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Exists(ctx, "short").Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("a key with a 50ms TTL did not expire in the embedded Redis")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
