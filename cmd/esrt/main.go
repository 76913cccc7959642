// Command esrt is the command-line companion of the esrt library.
//
//	esrt request   send one request to a cluster through esrt's chain
//	esrt nodes     list a cluster's nodes and whether they answer from here
//	esrt demo      run a workload against an in-process three-node cluster
//	               while a script breaks it, with a live view
//	esrt bench     a bounded load test through esrt's chain
//	esrt version   print the version
//
// Unknown commands, flags and stray arguments are errors: the usage goes to
// stderr and the exit status is 2. -h or --help, alone or after a command,
// prints the usage to stdout and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
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
  request   send one request to a cluster through esrt's chain (curl for a cluster)
  nodes     list a cluster's nodes and whether they answer from here
  demo      run a workload against an in-process three-node cluster while
            a script breaks it, and watch esrt absorb the faults
  bench     a bounded load test through esrt's chain
  version   print esrt's version

Run "esrt <command> --help" for a command's usage.
`

// commands holds each command's usage and what it does.
var commands = map[string]struct {
	usage string
	run   func(ctx context.Context, stdout io.Writer) error
}{
	"version": {
		usage: `usage: esrt version

Prints esrt's version. It takes no flags or arguments.
`,
		run: func(_ context.Context, stdout io.Writer) error {
			_, err := fmt.Fprintln(stdout, "esrt", versionString())
			return err
		},
	},
}

// flagCommands are the commands that take flags and arguments: each
// parses its own and returns the exit code.
var flagCommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{
	"request": request,
	"nodes":   nodes,
	"demo":    demoCmd,
	"bench":   benchCmd,
}

// run executes one command and returns the process exit code: 0 on
// success, 1 when the command failed, 2 for a command line that is wrong.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "esrt %s: unexpected argument %q\n\n%s", name, args[1], usage)
			return 2
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	if fc, ok := flagCommands[name]; ok {
		return fc(ctx, args[1:], stdout, stderr)
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "esrt: unknown command %q\n\n%s", name, usage)
		return 2
	}
	// No command has flags yet; parsing still refuses unknown ones and
	// answers -h and --help.
	fs := flag.NewFlagSet("esrt "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch err := fs.Parse(args[1:]); {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, cmd.usage)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "esrt %s: %v\n\n%s", name, err, cmd.usage)
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "esrt %s: unexpected argument %q\n\n%s", name, fs.Arg(0), cmd.usage)
		return 2
	}
	if err := cmd.run(ctx, stdout); err != nil {
		fmt.Fprintf(stderr, "esrt %s: %v\n", name, err)
		return 1
	}
	return 0
}
