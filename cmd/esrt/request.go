package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/esrt-dev/esrt"
)

const requestUsage = `usage: esrt request [flags] METHOD PATH [BODY|@FILE|-]

Sends one request through esrt's full default chain (retries, node
routing, breakers) and prints the response body to stdout. BODY is the
request body as written, @FILE reads it from a file, - from standard
input. JSON is pretty-printed when stdout is a terminal and printed as
received otherwise.

The exit status is 0 for a 2xx answer, 1 for any other answer (its body
is still printed) or when no node answers, 2 for a wrong command line
or a setting that cannot work.

flags:
  --pretty            pretty-print JSON even when stdout is not a terminal
  --raw               print the body as received even on a terminal

` + connUsage

// request runs "esrt request".
func request(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esrt request", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var conn connFlags
	conn.register(fs)
	pretty := fs.Bool("pretty", false, "")
	raw := fs.Bool("raw", false, "")
	if code, done := parseFlags(fs, args, "request", requestUsage, stdout, stderr); done {
		return code
	}
	rest := fs.Args()
	switch {
	case len(rest) < 2:
		fmt.Fprintf(stderr, "esrt request: need METHOD and PATH\n\n%s", requestUsage)
		return 2
	case len(rest) > 3:
		fmt.Fprintf(stderr, "esrt request: unexpected argument %q\n\n%s", rest[3], requestUsage)
		return 2
	case *pretty && *raw:
		fmt.Fprintf(stderr, "esrt request: --pretty and --raw exclude each other\n\n%s", requestUsage)
		return 2
	}
	method, path := strings.ToUpper(rest[0]), rest[1]
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	var body []byte
	if len(rest) == 3 {
		b, err := readBody(rest[2])
		if err != nil {
			fmt.Fprintf(stderr, "esrt request: %v\n", err)
			return 2
		}
		body = b
	}
	cfg, sec, err := conn.config(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "esrt request: %s\n", sec.scrub(err.Error()))
		return 2
	}
	resp, respBody, err := send(ctx, cfg, method, path, body)
	if err != nil {
		return failed(stderr, "request", sec, err)
	}
	usePretty := *pretty || (!*raw && isTerminalWriter(stdout))
	writeBody(stdout, respBody, usePretty)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(stderr, "esrt request: %s %s: %s\n", method, path, resp.Status)
		return 1
	}
	return 0
}

// parseFlags parses a command's flags; done reports that the command ends
// with code (after --help or a wrong flag).
func parseFlags(fs *flag.FlagSet, args []string, name, usage string, stdout, stderr io.Writer) (code int, done bool) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0, true
	case err != nil:
		fmt.Fprintf(stderr, "esrt %s: %v\n\n%s", name, err, usage)
		return 2, true
	}
	return 0, false
}

// readBody returns the body an argument names: @FILE, - or itself.
func readBody(arg string) ([]byte, error) {
	switch {
	case arg == "-":
		return io.ReadAll(stdin)
	case strings.HasPrefix(arg, "@"):
		return os.ReadFile(arg[1:])
	}
	return []byte(arg), nil
}

// send sends one request through a transport built from cfg, and reads
// the response.
func send(ctx context.Context, cfg esrt.Config, method, path string, body []byte) (*http.Response, []byte, error) {
	tr, err := esrt.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer tr.Close()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://es"+path, r)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		ct := "application/json"
		if strings.HasSuffix(strings.SplitN(path, "?", 2)[0], "_bulk") {
			ct = "application/x-ndjson"
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the response: %w", err)
	}
	return resp, b, nil
}

// writeBody prints a response body, JSON indented when pretty, ending
// with a newline.
func writeBody(w io.Writer, b []byte, pretty bool) {
	if pretty && json.Valid(b) {
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			b = out.Bytes()
		}
	}
	w.Write(b)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		io.WriteString(w, "\n")
	}
}

// isTerminalWriter reports whether w is a terminal.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// oneLine flattens an error onto one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
