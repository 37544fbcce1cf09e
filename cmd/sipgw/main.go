// Command sipgw is the SIP-I/SIP-T ↔ ISUP gateway (see package gateway and
// gateway/config/REFERENCE.md).
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
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sipgw:", err)
		os.Exit(exitCode(err))
	}
}
