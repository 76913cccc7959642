// Command esrt is the command-line companion of the esrt library.
//
//	esrt demo      run an in-process three-node cluster and talk to it
//	esrt version   print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: esrt <command>

commands:
  demo      start an in-process three-node cluster and show esrt at work
  version   print esrt's version
`

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		if err := demo(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "esrt demo:", err)
			return 1
		}
		return 0
	case "version":
		fmt.Fprintln(stdout, "esrt", versionString())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "esrt: unknown command %q\n\n%s", args[0], usage)
	return 2
}
