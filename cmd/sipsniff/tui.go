package main

import (
	"context"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sipgw/sipgw/capture"
	"github.com/sipgw/sipgw/capture/session"
	"github.com/sipgw/sipgw/ui"
)

// isTerminal reports whether w is a terminal (the UI draws there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// runTUI analyses the files and opens the terminal UI on the result; a
// --filter given on the command line is the UI's first filter.
func runTUI(ctx context.Context, opt capture.Options, a analyzeArgs) error {
	src, err := session.Offline(ctx, opt)
	if err != nil {
		return err
	}
	defer src.Close()
	app := ui.New(src, ui.Options{Title: strings.Join(a.files, ", ")})
	if a.filter != "" {
		if err := app.List().SetFilter(a.filter); err != nil {
			return usageError{err.Error()}
		}
	}
	return app.Run(ctx)
}
