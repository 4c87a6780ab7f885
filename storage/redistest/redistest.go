// Package redistest starts throwaway Redis servers for tests: a real
// redis-server on a free 127.0.0.1 port when one is installed, never the
// machine's own Redis. Without redis-server it falls back to miniredis and
// says so, unless PECBOT_REQUIRE_REDIS=1, which CI sets so that it always
// tests against the real thing.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// RequireEnv is the environment variable that, set to "1", turns the
// miniredis fallback into a test failure.
const RequireEnv = "PECBOT_REQUIRE_REDIS"

// readyWithin bounds how long a starting server may take to answer PING.
const readyWithin = 5 * time.Second

// Start starts a throwaway Redis, stopped when the test ends, and returns a
// client to it (closed when the test ends).
func Start(t testing.TB) redis.UniversalClient {
	t.Helper()
	return StartServer(t).Client()
}

// Server is a throwaway Redis that a test can stop and restart, to see how
// the code under test lives through an outage.
type Server struct {
	t    testing.TB
	bin  string   // redis-server; "" when this is miniredis
	dir  string   // the server's working directory: log and dump
	port int      // kept across restarts, so clients find it again
	args []string // more redis-server arguments (StartServerWith)

	mu   sync.Mutex
	proc *exec.Cmd
	done chan struct{} // closed when proc has exited
	mini *miniredis.Miniredis
}

// StartServer starts a throwaway Redis, stopped when the test ends.
func StartServer(t testing.TB) *Server {
	t.Helper()
	return StartServerWith(t)
}

// StartServerWith is StartServer with more redis-server arguments, which
// override the defaults (no persistence): e.g. "--appendonly", "yes" for
// a server whose Kill loses nothing it acknowledged. With miniredis (no
// redis-server) they are ignored.
func StartServerWith(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal("redis-server required: install it (Debian: apt-get install redis-server)")
		}
		t.Log("redis-server not found on PATH: testing against miniredis instead")
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true) // expire keys with time, as Redis does
		if err := m.Start(); err != nil {
			t.Fatalf("start miniredis: %v", err)
		}
		t.Cleanup(m.Close)
		return &Server{t: t, mini: m, port: m.Server().Addr().Port}
	}

	s := &Server{t: t, bin: bin, dir: t.TempDir(), args: args}
	t.Cleanup(s.kill) // registered after TempDir, so it runs before the dir is removed
	// The free port is found by listening on port 0 and closing: another
	// process may take it before redis-server does, so try a few.
	var lastErr error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("start redis-server: %v", lastErr)
	return nil
}

// Addr is the server's host:port. It stays the same across Restart.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Client returns a new client to the server, closed when the test ends.
// Several clients stand for several processes.
func (s *Server) Client() redis.UniversalClient {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop shuts the server down as an administrator would, keeping its data
// for Restart. Clients get connection errors until then.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mini != nil {
		s.mini.Close()
		return
	}
	if s.proc == nil {
		return
	}
	// --save "" means no snapshots of its own: ask for one on the way out.
	if err := command(s.Addr(), "SHUTDOWN SAVE"); err != nil && !isClosed(err) {
		s.t.Fatalf("stop redis-server: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(readyWithin):
		s.t.Fatalf("redis-server on %s did not stop within %s", s.Addr(), readyWithin)
	}
	s.proc = nil
}

// Kill ends the server abruptly (SIGKILL), as a crash would, losing its
// data, unless it keeps an append-only file (StartServerWith
// "--appendonly", "yes"): Restart then loads it.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mini != nil {
		s.mini.FlushAll()
		s.mini.Close()
		return
	}
	s.killLocked()
	_ = os.Remove(filepath.Join(s.dir, "dump.rdb"))
}

// Restart starts the server again on the same port after Stop or Kill.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mini != nil {
		if err := s.mini.Restart(); err != nil {
			s.t.Fatalf("restart miniredis: %v", err)
		}
		return
	}
	if s.proc != nil {
		s.t.Fatal("redistest: Restart while the server is running")
	}
	if err := s.startLocked(); err != nil {
		s.t.Fatalf("restart redis-server: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startLocked()
}

// startLocked runs redis-server on s.port and waits until it answers PING.
func (s *Server) startLocked() error {
	cmd, done, err := launch(s.bin, s.dir, s.port, append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no"}, s.args...))
	if err != nil {
		return err
	}
	s.proc, s.done = cmd, done
	return nil
}

// launch runs bin with args in dir, its output appended to dir/redis.log,
// and waits until the server on port answers PING. It returns the process
// and a channel closed once it has exited; a process that does not answer
// in time is killed.
func launch(bin, dir string, port int, args []string) (*exec.Cmd, chan struct{}, error) {
	logPath := filepath.Join(dir, "redis.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(readyWithin)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := command(addr, "PING")
		if err == nil {
			return cmd, done, nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			return nil, nil, fmt.Errorf("redis-server exited on port %d: %s", port, lastLines(string(log), 5))
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return nil, nil, fmt.Errorf("redis-server on port %d did not answer PING within %s: %v", port, readyWithin, err)
		}
	}
}

func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.proc == nil {
		return
	}
	_ = s.proc.Process.Kill()
	<-s.done
	s.proc = nil
}

// command sends one inline command and checks that the reply is not an
// error; it needs no client, so it also works while a client would retry.
func command(addr, line string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte(line + "\r\n")); err != nil {
		return err
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.HasPrefix(reply, "-") {
		return fmt.Errorf("%s: %s", line, strings.TrimSpace(reply[1:]))
	}
	return nil
}

// isClosed reports whether err is the server hanging up, which is how
// SHUTDOWN succeeds.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
