package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// healthcheckTimeout bounds `pecbot healthcheck` (Docker's own timeout
// for the check is longer).
const healthcheckTimeout = 3 * time.Second

// runHealthcheck asks the bot running on this machine whether it is ready
// (GET /readyz on LISTEN_ADDR's port): nil when it answers 200, otherwise
// the reason. It is Docker's health check, run in the bot's container
// (which has no shell nor curl). Every failure is exit code 1, a bad
// argument included: Docker reserves 2.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pecbot healthcheck\n\nGETs http://127.0.0.1:<LISTEN_ADDR's port>/readyz; exit 0 when the bot is ready, else 1.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("healthcheck: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck takes no arguments (got %q)", fs.Args())
	}
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return fmt.Errorf("healthcheck: configuration: %w", err)
	}
	target, err := readyURL(c.ListenAddr)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	reason := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: HTTP %d: %s", resp.StatusCode, reason)
	}
	fmt.Fprintln(stdout, reason)
	return nil
}

// readyURL is where the bot listening on addr (LISTEN_ADDR) answers
// /readyz from this machine: the loopback address when it listens on every
// interface, else the host it listens on.
func readyURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("LISTEN_ADDR=%q is not host:port (e.g. :8080)", addr)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
