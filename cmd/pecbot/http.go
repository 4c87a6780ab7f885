package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/omceo-latina/pecbot/bot"
)

// The bot's HTTP listener (LISTEN_ADDR), in both modes: the probes and the
// metrics, and in webhook mode the updates. Every route is in routes.

// readyTimeout bounds /readyz's PING of Redis.
const readyTimeout = time.Second

// routes lists every endpoint. webhook, when set, takes the updates
// Telegram posts to WEBHOOK_URL's path.
func routes(webhookPath string, webhook http.Handler, ready http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	if webhook != nil {
		mux.Handle("POST "+webhookPath, webhook)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /metrics", promhttp.Handler())
	return mux
}

// readiness answers /readyz: 200 when Redis answers PING within
// readyTimeout and the job engine runs, else 503 with the reason (a few
// plain words: no address, no error text).
func readiness(rdb redis.UniversalClient, jobs interface{ Running() bool }) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		// go-redis bounds a read by its own timeout (3 s), not by ctx's
		// deadline: wait for the answer no longer than readyTimeout.
		pong := make(chan error, 1)
		go func() { pong <- rdb.Ping(ctx).Err() }()
		var err error
		select {
		case err = <-pong:
		case <-ctx.Done():
			err = ctx.Err()
		}
		reason := ""
		switch {
		case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
			reason = "redis: no answer to PING within 1s"
		case err != nil:
			reason = "redis: PING failed"
		case !jobs.Running():
			reason = "job engine: not running"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if reason != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, reason+"\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
}

// webhookRoute is the webhook's path (WEBHOOK_URL's) and handler; none in
// polling mode.
func webhookRoute(cfg settings, tg *bot.Telegram, log zerolog.Logger) (string, http.Handler, error) {
	if cfg.Updates != "webhook" {
		return "", nil, nil
	}
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil {
		return "", nil, usageError{fmt.Errorf("WEBHOOK_URL: %w", err)}
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	return path, bot.WebhookHandler(cfg.WebhookSecret, func(r *http.Request, upd *models.Update) error {
		return tg.Handle(context.WithoutCancel(r.Context()), upd)
	}, log), nil
}

// listener is the HTTP server on LISTEN_ADDR.
type listener struct {
	srv    *http.Server
	failed chan error // Serve's error, should it stop by itself
}

// listen starts serving h on addr. Failing to listen is an error naming
// LISTEN_ADDR: in either mode the bot does not start without its probes.
func listen(addr string, h http.Handler, log zerolog.Logger) (*listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("LISTEN_ADDR %s: %w", addr, err)
	}
	s := &listener{srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, failed: make(chan error, 1)}
	go func() {
		if err := s.srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("the HTTP listener stopped")
			s.failed <- err
		}
	}()
	return s, nil
}

// shutdown stops taking requests and lets those under way (updates being
// handled, in webhook mode) finish within shutdownGrace.
func (s *listener) shutdown(log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		// Updates still under way after the grace are not acknowledged:
		// Telegram delivers them again to the next start. Not a failure.
		log.Warn().Err(err).Msg("some updates were still being handled at shutdown")
	}
}
