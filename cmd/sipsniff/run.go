package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errReported means the failure was already written to stderr.
var errReported = errors.New("reported")

// usageError is a command line mistake: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `usage: sipsniff -r FILE… [--calls|--messages|--stats|--ladder CALL|-w OUT] [options]
       sipsniff <command> [arguments]

"sipsniff help" lists the analyzer's options.

commands:
  decode [--variant itu|ansi] [--no-cic] [--json] HEX…   decode ISUP octets
         HEX may contain spaces, colons and 0x prefixes; several arguments
         form one message. "-" reads messages from standard input, one per
         line; -f FILE reads them from a file.
  help                                                  this text
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	if isAnalyzeArgs(args) {
		return runAnalyze(ctx, args, stdin, stdout, stderr)
	}
	switch args[0] {
	case "decode":
		return runDecode(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		fmt.Fprint(stdout, "\n"+analyzeUsage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
