package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisReadyWithin bounds how long a starting redis-server may take to
// answer PING.
const redisReadyWithin = 10 * time.Second

// startRedis runs a private redis-server from PATH on a free port of
// 127.0.0.1, without persistence, and returns its URL and the function
// that kills it and removes its directory.
func startRedis(ctx context.Context) (url string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("redis-server not found on PATH (install it, or give -redis): %w", err)
	}
	dir, err := os.MkdirTemp("", "pecbench-redis-")
	if err != nil {
		return "", nil, fmt.Errorf("redis-server directory: %w", err)
	}
	// The free port is found by listening on port 0 and closing: another
	// process may take it before redis-server does, so try a few.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", nil, fmt.Errorf("find a free port: %w", err)
		}
		stop, err := startRedisOn(ctx, bin, dir, port)
		if err == nil {
			return "redis://127.0.0.1:" + strconv.Itoa(port) + "/0", func() { stop(); _ = os.RemoveAll(dir) }, nil
		}
		lastErr = err
	}
	_ = os.RemoveAll(dir)
	return "", nil, fmt.Errorf("start redis-server: %w", lastErr)
}

// startRedisOn runs redis-server on port and waits until it answers PING.
func startRedisOn(ctx context.Context, bin, dir string, port int) (stop func(), err error) {
	var out bytes.Buffer
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	kill := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(redisReadyWithin)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := c.Ping(ctx).Err()
		if err == nil {
			return kill, nil
		}
		select {
		case <-done:
			return nil, fmt.Errorf("redis-server exited on port %d: %s", port, lastLines(out.String(), 5))
		case <-ctx.Done():
			kill()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			kill()
			return nil, fmt.Errorf("redis-server on port %d did not answer PING within %s: %w", port, redisReadyWithin, err)
		}
	}
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

// redisInfo is what the benchmark reads of INFO.
type redisInfo struct {
	usedMemory    int64   // used_memory
	clientsMemory int64   // mem_clients_normal: connection buffers, not data
	cpu           float64 // used_cpu_user + used_cpu_sys, seconds
	commands      int64   // total_commands_processed (a script counts once, and once more per call it makes)
	// missing is set when this Redis does not report them (the in-memory
	// one the tests fall back to without a redis-server): the figures
	// that need them are not printed.
	missing bool
}

// data is the memory that holds data: used memory less the clients'
// buffers, which follow the number of connections, not of reminders.
func (i redisInfo) data() int64 { return i.usedMemory - i.clientsMemory }

// readInfo reads INFO memory, cpu and stats.
func readInfo(ctx context.Context, rdb redis.UniversalClient) (redisInfo, error) {
	raw, err := rdb.Info(ctx, "memory", "cpu", "stats").Result()
	if err != nil && strings.HasPrefix(err.Error(), "ERR ") {
		return redisInfo{missing: true}, nil // a Redis that refuses it: the in-memory one
	}
	if err != nil {
		return redisInfo{}, fmt.Errorf("redis INFO: %w", err)
	}
	var info redisInfo
	found := 0
	for line := range strings.SplitSeq(raw, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch k {
		case "used_memory":
			info.usedMemory, err = strconv.ParseInt(v, 10, 64)
			found++
		case "mem_clients_normal":
			info.clientsMemory, err = strconv.ParseInt(v, 10, 64)
			found++
		case "total_commands_processed":
			info.commands, err = strconv.ParseInt(v, 10, 64)
			found++
		case "used_cpu_user", "used_cpu_sys":
			var f float64
			f, err = strconv.ParseFloat(v, 64)
			info.cpu += f
			found++
		}
		if err != nil {
			return redisInfo{}, fmt.Errorf("redis INFO %s=%q: %w", k, v, err)
		}
	}
	if found != 5 {
		return redisInfo{missing: true}, nil
	}
	return info, nil
}
