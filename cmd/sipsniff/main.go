// Command sipsniff decodes and analyzes SIP, SIP-I and ISUP signalling.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if err != errReported {
			fmt.Fprintln(os.Stderr, "sipsniff:", err)
		}
		os.Exit(exitCode(err))
	}
}
