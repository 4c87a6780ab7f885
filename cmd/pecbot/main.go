// Command pecbot is the PEC assistant of the Ordine dei Medici di Latina.
//
//	pecbot console [--now 2027-09-30T10:00] [--lang en]   try the conversation in a terminal
//	pecbot diagram                                        print the conversation as a Mermaid diagram
//	pecbot healthcheck                                    exit 0 if the bot running here is ready (Docker)
//	pecbot --help                                         usage and configuration
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/Rome must resolve on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pecbot:", err)
		os.Exit(exitCode(err))
	}
}
