package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The sentinels' timings: short, so that a failover takes seconds, yet not
// so short that a busy test machine looks like a dead primary.
const (
	// downAfter is how long the primary may stay silent before a sentinel
	// believes it down.
	downAfter = time.Second
	// failoverTimeout also spaces out a second election when the first
	// splits the vote (twice this), and bounds a promotion.
	failoverTimeout = 3 * time.Second
	// sentinelsReadyWithin bounds how long the sentinels take to find the
	// replica and one another (they say hello every 2 seconds).
	sentinelsReadyWithin = 15 * time.Second
)

// Sentinels is a throwaway Redis Sentinel deployment on 127.0.0.1: a
// primary, one replica and three sentinels (quorum 2) watching them, all
// real redis-server processes killed when the test ends. Clients find the
// primary by asking the sentinels, as the bot does with a
// redis-sentinel:// URL.
type Sentinels struct {
	t        testing.TB
	master   string
	data     []*process // the primary and the replica, in start order
	watchers []*process // the sentinels
	killed   string     // the primary KillPrimary took down last
}

// StartSentinel starts a primary, a replica of it and three sentinels, and
// returns once the sentinels know the replica and one another, so that a
// failover can happen. Without redis-server it skips the test (miniredis
// cannot replicate), unless PECBOT_REQUIRE_REDIS=1, which makes it fail.
func StartSentinel(t testing.TB) *Sentinels {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal("redis-server required: install it (Debian: apt-get install redis-server)")
		}
		t.Skip("redis-server not found on PATH: Sentinel needs the real thing")
	}
	s := &Sentinels{t: t, master: "pecbot"}
	root := t.TempDir()
	// Registered after TempDir, so it runs before the directory is removed.
	t.Cleanup(s.stop)

	primary := s.startProcess(bin, filepath.Join(root, "primary"), func(dir string, port int) []string {
		return dataArgs(dir, port)
	})
	s.data = append(s.data, primary)
	replica := s.startProcess(bin, filepath.Join(root, "replica"), func(dir string, port int) []string {
		return append(dataArgs(dir, port), "--replicaof", "127.0.0.1", strconv.Itoa(primary.port))
	})
	s.data = append(s.data, replica)
	// A sentinel learns of replicas from the primary's INFO, which it
	// first reads as it starts: the replica must be attached by then, or
	// the sentinels would only see it ten seconds later.
	s.poll(readyWithin, "the replica in sync with the primary", func() (bool, string) {
		info, err := infoOf(replica.addr(), "replication")
		status := info["master_link_status"]
		return err == nil && status == "up", fmt.Sprintf("master_link_status %q, %v", status, err)
	})

	for i := range 3 {
		s.watchers = append(s.watchers, s.startProcess(bin, filepath.Join(root, fmt.Sprintf("sentinel%d", i+1)),
			func(dir string, port int) []string {
				conf := filepath.Join(dir, "sentinel.conf")
				// Sentinel rewrites its configuration file as it learns, so
				// it is a file of its own, not flags.
				text := strings.Join([]string{
					"port " + strconv.Itoa(port),
					"bind 127.0.0.1",
					"dir " + dir,
					fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2", s.master, primary.port),
					fmt.Sprintf("sentinel down-after-milliseconds %s %d", s.master, downAfter.Milliseconds()),
					fmt.Sprintf("sentinel failover-timeout %s %d", s.master, failoverTimeout.Milliseconds()),
					fmt.Sprintf("sentinel parallel-syncs %s 1", s.master),
				}, "\n") + "\n"
				if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
					t.Fatalf("write %s: %v", conf, err)
				}
				return []string{conf, "--sentinel"}
			}))
	}
	// A failover needs a majority of the sentinels each knows to vote, and
	// a replica they all consider fit to promote.
	for _, w := range s.watchers {
		s.poll(sentinelsReadyWithin, "sentinel "+w.addr()+" ready for a failover", func() (bool, string) {
			return sentinelReady(w.addr(), s.master, replica.addr())
		})
	}
	return s
}

// dataArgs are the flags of a primary or replica: no persistence, as in
// Start, so that what survives a failover is only what was replicated; and
// a replica's first sync at once, not after the default 5 seconds spent
// waiting for more replicas to share it.
func dataArgs(dir string, port int) []string {
	return []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
		"--repl-diskless-sync-delay", "0",
	}
}

// sentinelReady reports whether the sentinel at addr knows the two other
// sentinels and the replica at replicaAddr as healthy, and if not why.
func sentinelReady(addr, master, replicaAddr string) (bool, string) {
	c := sentinelClient(addr)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	others, err := c.Sentinels(ctx, master).Result()
	if err != nil {
		return false, fmt.Sprintf("SENTINEL SENTINELS: %v", err)
	}
	if len(others) != 2 {
		return false, fmt.Sprintf("knows %d other sentinels, want 2", len(others))
	}
	replicas, err := c.Replicas(ctx, master).Result()
	if err != nil {
		return false, fmt.Sprintf("SENTINEL REPLICAS: %v", err)
	}
	for _, r := range replicas {
		if net.JoinHostPort(r["ip"], r["port"]) == replicaAddr {
			if r["flags"] == "slave" && r["master-link-status"] == "ok" {
				return true, ""
			}
			return false, fmt.Sprintf("replica flags %q, link %q", r["flags"], r["master-link-status"])
		}
	}
	return false, fmt.Sprintf("replica %s not known (knows %v)", replicaAddr, replicas)
}

// MasterName is the name the sentinels know the primary by.
func (s *Sentinels) MasterName() string { return s.master }

// Addrs are the sentinels' host:port addresses.
func (s *Sentinels) Addrs() []string {
	addrs := make([]string, len(s.watchers))
	for i, w := range s.watchers {
		addrs[i] = w.addr()
	}
	return addrs
}

// URL is the redis-sentinel:// URL of the deployment, as storage.Open reads it.
func (s *Sentinels) URL() string {
	return "redis-sentinel://" + strings.Join(s.Addrs(), ",") + "/" + s.master
}

// Client returns a new client that follows the primary through failovers
// by asking the sentinels, closed when the test ends.
func (s *Sentinels) Client() redis.UniversalClient {
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.master, SentinelAddrs: s.Addrs()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Primary is the primary's address as a sentinel gives it to clients now
// (between a kill and the failover, still the dead one's).
func (s *Sentinels) Primary() string {
	s.t.Helper()
	var errs []string
	for _, w := range s.watchers {
		addr, err := masterAddr(w.addr(), s.master)
		if err == nil {
			return addr
		}
		errs = append(errs, err.Error())
	}
	s.t.Fatalf("no sentinel names the primary: %s", strings.Join(errs, "; "))
	return ""
}

// WaitReplicated waits until the replica has applied everything the primary
// had received when it was called: the writes acknowledged so far then
// survive a failover. Replication is asynchronous, so without this a
// failover may lose the last writes, as in production.
func (s *Sentinels) WaitReplicated(timeout time.Duration) {
	s.t.Helper()
	primary := s.Primary()
	info, err := infoOf(primary, "replication")
	if err != nil {
		s.t.Fatalf("INFO replication of the primary %s: %v", primary, err)
	}
	want, err := strconv.ParseInt(info["master_repl_offset"], 10, 64)
	if err != nil {
		s.t.Fatalf("the primary's master_repl_offset %q: %v", info["master_repl_offset"], err)
	}
	var replica *process
	for _, p := range s.data {
		if p.addr() != primary && p.running() {
			replica = p
		}
	}
	if replica == nil {
		s.t.Fatalf("no replica of %s is running", primary)
	}
	s.poll(timeout, fmt.Sprintf("replica %s at the primary's offset %d", replica.addr(), want), func() (bool, string) {
		info, err := infoOf(replica.addr(), "replication")
		if err != nil {
			return false, err.Error()
		}
		got, err := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
		return err == nil && got >= want, fmt.Sprintf("slave_repl_offset %q", info["slave_repl_offset"])
	})
}

// KillPrimary kills the primary the sentinels name with SIGKILL, as a crash
// would, and returns its address. Its unreplicated writes are lost.
func (s *Sentinels) KillPrimary() string {
	s.t.Helper()
	primary := s.Primary()
	for _, p := range s.data {
		if p.addr() == primary {
			p.kill()
			s.killed = primary
			return primary
		}
	}
	s.t.Fatalf("the sentinels name %s as primary, which this test did not start", primary)
	return ""
}

// WaitFailover waits until every sentinel names a new primary (another than
// the one KillPrimary killed, or than the current one if none was killed)
// and that primary answers as one, and returns its address. It fails the
// test after timeout, showing the sentinels' logs.
func (s *Sentinels) WaitFailover(timeout time.Duration) string {
	s.t.Helper()
	old := s.killed
	if old == "" {
		old = s.Primary()
	}
	var primary string
	s.poll(timeout, "a failover away from "+old, func() (bool, string) {
		primary = ""
		for _, w := range s.watchers {
			addr, err := masterAddr(w.addr(), s.master)
			switch {
			case err != nil:
				return false, err.Error()
			case addr == old:
				return false, fmt.Sprintf("sentinel %s still names %s", w.addr(), old)
			case primary != "" && addr != primary:
				return false, fmt.Sprintf("sentinels disagree: %s and %s", primary, addr)
			}
			primary = addr
		}
		// The sentinels announce the switch once the replica reports itself
		// promoted; checking it costs one round trip.
		info, err := infoOf(primary, "replication")
		return err == nil && info["role"] == "master", fmt.Sprintf("%s: role %q, %v", primary, info["role"], err)
	})
	s.killed = ""
	return primary
}

// poll checks cond (with a growing pause) until it holds, failing the test
// after limit with what cond said last and the sentinels' logs. The
// processes are external: asking is the only way to know.
func (s *Sentinels) poll(limit time.Duration, what string, cond func() (ok bool, state string)) {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not within %v (last: %s)\n%s", what, limit, state, s.logs())
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-s.t.Context().Done():
			timer.Stop()
			s.t.Fatalf("%s: the test ended first", what)
		}
	}
}

// logs are the last lines each process logged, for a failure message.
func (s *Sentinels) logs() string {
	var b strings.Builder
	for _, p := range append(append([]*process{}, s.data...), s.watchers...) {
		log, _ := os.ReadFile(p.logPath())
		fmt.Fprintf(&b, "--- %s (%s):\n%s\n", filepath.Base(p.dir), p.addr(), lastLines(string(log), 12))
	}
	return b.String()
}

// stop kills every process, after showing their logs if the test failed.
func (s *Sentinels) stop() {
	if s.t.Failed() {
		s.t.Logf("the Redis processes' logs:\n%s", s.logs())
	}
	for _, p := range append(append([]*process{}, s.watchers...), s.data...) {
		p.kill()
	}
}

// startProcess starts redis-server with args(dir, port) in dir on a free
// port, trying another port if that one was taken meanwhile, and waits
// until it answers PING.
func (s *Sentinels) startProcess(bin, dir string, args func(dir string, port int) []string) *process {
	s.t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.t.Fatal(err)
	}
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			s.t.Fatalf("find a free port: %v", err)
		}
		p := &process{dir: dir, port: port}
		if lastErr = p.start(bin, args(dir, port)); lastErr == nil {
			return p
		}
	}
	s.t.Fatalf("start redis-server in %s: %v", filepath.Base(dir), lastErr)
	return nil
}

// process is one redis-server of the deployment, in a directory of its own.
type process struct {
	dir  string
	port int
	proc *exec.Cmd
	done chan struct{} // closed when proc has exited
}

func (p *process) addr() string    { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }
func (p *process) logPath() string { return filepath.Join(p.dir, "redis.log") }

func (p *process) running() bool {
	if p.proc == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// start runs the process and waits until it answers PING.
func (p *process) start(bin string, args []string) error {
	cmd, done, err := launch(bin, p.dir, p.port, args)
	if err != nil {
		return err
	}
	p.proc, p.done = cmd, done
	return nil
}

// kill ends the process with SIGKILL and waits until it is gone.
func (p *process) kill() {
	if p.proc == nil {
		return
	}
	_ = p.proc.Process.Kill()
	<-p.done
}

// sentinelClient is a client to one sentinel that does not retry: the
// callers poll.
func sentinelClient(addr string) *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{
		Addr: addr, MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second,
	})
}

// masterAddr asks the sentinel at addr where the primary is.
func masterAddr(addr, master string) (string, error) {
	c := sentinelClient(addr)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	hp, err := c.GetMasterAddrByName(ctx, master).Result()
	if err != nil {
		return "", fmt.Errorf("sentinel %s: get-master-addr-by-name: %w", addr, err)
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("sentinel %s: get-master-addr-by-name: %q", addr, hp)
	}
	return net.JoinHostPort(hp[0], hp[1]), nil
}

// infoOf reads one section of INFO from the server at addr as a map.
func infoOf(addr, section string) (map[string]string, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	text, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("INFO %s of %s: %w", section, addr, err)
	}
	info := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			info[k] = v
		}
	}
	return info, nil
}
