// Command pecbench measures pecbot against a real Redis and the fake
// Telegram Bot API (bot/telegramtest), with the bot's own code wired as
// cmd/pecbot wires it.
//
//	pecbench reminders [flags]   schedule N reminders, send them, and report
//	                             scheduling rate, delay, throughput, memory
//	pecbench broadcast [flags]   broadcast to N members, and report the rate
//	                             achieved against the one configured
//	pecbench updates [flags]     members talk to the bot through its webhook;
//	                             report updates a second, reply latency, and
//	                             the cost per update against a floor
//	pecbench help                this text
//
// Each benchmark starts a private redis-server (from PATH) unless given
// -redis, and prints its figures on stdout; logs (warnings and worse) go
// to stderr.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/Rome must resolve on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pecbench:", err)
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line: exit code 2, not 1.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run is the whole program: main only adds the signals, streams and exit
// code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageError{errors.New("no benchmark named")}
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return nil
	case "reminders":
		return runReminders(ctx, args[1:], stdout, stderr)
	case "broadcast":
		return runBroadcast(ctx, args[1:], stdout, stderr)
	case "updates":
		return runUpdates(ctx, args[1:], stdout, stderr)
	case "target":
		if os.Getenv(targetEnv) != "" { // started by updates, not for people
			return runTargetProcess(ctx, args[1:], os.Stdin, stdout, stderr)
		}
	}
	usage(stderr)
	return usageError{fmt.Errorf("unknown benchmark %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `pecbench: measures pecbot against a real Redis and the fake Bot API

Usage:
  pecbench reminders [flags]
        schedule -n reminders due over -spread, send them through the fake
        Bot API, and print the scheduling rate, the delay from due time to
        send, messages per second, Redis memory per pending reminder
        (pecbench reminders -h lists the flags)
  pecbench broadcast [flags]
        store -n members, broadcast a staff announcement to them all as
        the "send" button does, deliver it through the fake Bot API
        (answering 429 beyond -limit a second), and print the rate
        achieved against -rate, 429s, duplicates, missing, the time to the
        staff's final report, CPU and Redis commands per message
        (pecbench broadcast -h lists the flags)
  pecbench updates [flags]
        members go through the conversation (/start, buttons, a date
        typed, the calendar file, /status), their updates POSTed to the
        bot's webhook as Telegram posts them, the replies received by the
        fake Bot API; print the updates a second sustained (closed loop,
        or -rate offered), the latency from update to reply, Redis
        commands and round trips, CPU and allocations per update, and the
        same for a floor (the same I/O, no logic) with pecbot's ratio to it
        (pecbench updates -h lists the flags)
  pecbench help
        this text

Without -redis, a private redis-server (from PATH) is started on a free
port of 127.0.0.1 and stopped at the end.
`)
}
