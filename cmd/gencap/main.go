// Command gencap writes synthetic SIP and SIP-I/ISUP captures for
// benchmarks: gencap sip|sipi -calls N -o FILE.
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
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(exitCode(err))
	}
}
