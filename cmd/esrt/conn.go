package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/rt"
)

// stdin is the standard input of the commands; tests replace it.
var stdin io.Reader = os.Stdin

// connFlags are the flags that say how to reach a cluster, shared by the
// commands that talk to one.
type connFlags struct {
	urls        []string
	cloudID     string
	apiKey      string
	user        string
	caCert      string
	fingerprint string
	awsRegion   string
	awsService  string
	trace       bool
	verbose     bool
}

// connUsage documents the flags of connFlags.
const connUsage = `connection flags:
  --url URL           a node's address; repeat for several nodes
                      (default: $ELASTICSEARCH_URL, comma-separated,
                      or http://localhost:9200)
  --cloud-id ID       an Elastic Cloud deployment's id
  --api-key KEY       an API key (default: $ELASTICSEARCH_API_KEY)
  --user NAME         basic auth user (wins over $ELASTICSEARCH_API_KEY);
                      the password comes from
                      $ELASTICSEARCH_PASSWORD, or a prompt on a terminal
  --ca-cert FILE      PEM file of the CAs to trust instead of the system's
  --fingerprint HEX   pin a certificate by its SHA-256 fingerprint
  --aws-region R      sign each attempt with AWS SigV4 for region R, with
                      the credentials of the default AWS chain
                      (environment, shared files, IAM role)
  --aws-service S     the signing name: es (default, Amazon OpenSearch
                      Service) or aoss (OpenSearch Serverless)
  --trace             print each request as a curl command to stderr
                      (secrets redacted)
  --verbose           print each attempt, retry and node change to stderr
`

// urlList is a repeatable string flag.
type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(s string) error { *u = append(*u, s); return nil }

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.Var((*urlList)(&c.urls), "url", "")
	fs.StringVar(&c.cloudID, "cloud-id", "", "")
	fs.StringVar(&c.apiKey, "api-key", "", "")
	fs.StringVar(&c.user, "user", "", "")
	fs.StringVar(&c.caCert, "ca-cert", "", "")
	fs.StringVar(&c.fingerprint, "fingerprint", "", "")
	fs.StringVar(&c.awsRegion, "aws-region", "", "")
	fs.StringVar(&c.awsService, "aws-service", "", "")
	fs.BoolVar(&c.trace, "trace", false, "")
	fs.BoolVar(&c.verbose, "verbose", false, "")
}

// secrets are the credentials a connection uses; output is scrubbed of
// them as a last defence.
type secrets []string

// scrub replaces every secret in s with "xxxxx".
func (ss secrets) scrub(s string) string {
	for _, x := range ss {
		// esrt prints no secret; this is a second line of defence. A
		// secret shorter than 4 bytes would garble every message.
		if len(x) >= 4 {
			s = strings.ReplaceAll(s, x, "xxxxx")
		}
	}
	return s
}

// config builds the esrt.Config the flags describe, and the secrets in it.
func (c *connFlags) config(ctx context.Context, stderr io.Writer) (esrt.Config, secrets, error) {
	cfg := esrt.Config{Addresses: c.urls, CloudID: c.cloudID}
	cfg.APIKey = c.apiKey
	if cfg.APIKey == "" && c.user == "" { // --user wins over the environment
		cfg.APIKey = os.Getenv("ELASTICSEARCH_API_KEY")
	}
	if c.user != "" {
		pw, err := password(stderr)
		if err != nil {
			return cfg, nil, err
		}
		cfg.Username, cfg.Password = c.user, pw
	}
	if c.caCert != "" {
		pem, err := os.ReadFile(c.caCert)
		if err != nil {
			return cfg, nil, fmt.Errorf("--ca-cert: %w", err)
		}
		cfg.CACert = pem
	}
	cfg.CertificateFingerprint = c.fingerprint
	if err := signAWS(ctx, &cfg, c.awsRegion, c.awsService); err != nil {
		return cfg, nil, err
	}
	sec := secrets{cfg.Password, cfg.APIKey}
	for _, a := range append(slices.Clone(c.urls), strings.Split(os.Getenv("ELASTICSEARCH_URL"), ",")...) {
		sec = append(sec, userinfoSecret(a))
	}
	if c.trace {
		cfg.Logger = newTraceLogger(scrubWriter{stderr, sec})
		cfg.Logging.Curl = true
	}
	if c.verbose {
		cfg.Hooks = verboseHooks(scrubWriter{stderr, sec})
	}
	return cfg, sec, nil
}

// userinfoSecret returns the secret in an address's userinfo: the
// password, or the user name when there is no password (a token).
func userinfoSecret(addr string) string {
	u, err := url.Parse(strings.TrimSpace(addr))
	if err != nil || u.User == nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return pw
	}
	return u.User.Username()
}

// scrubWriter removes secrets from what passes through it.
type scrubWriter struct {
	w   io.Writer
	sec secrets
}

func (s scrubWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, s.sec.scrub(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// password returns the password of --user: $ELASTICSEARCH_PASSWORD, or
// one read from a prompt when standard input is a terminal.
func password(stderr io.Writer) (string, error) {
	if pw, ok := os.LookupEnv("ELASTICSEARCH_PASSWORD"); ok {
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return "", errors.New("--user needs a password: set ELASTICSEARCH_PASSWORD (standard input is not a terminal to prompt on)")
	}
	fmt.Fprint(stderr, "password: ")
	echo(f, false)
	line, err := bufio.NewReader(f).ReadString('\n')
	echo(f, true)
	fmt.Fprintln(stderr)
	if err != nil && line == "" {
		return "", errors.New("no password read")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// echo turns the terminal's echo on or off, where stty exists.
func echo(f *os.File, on bool) {
	arg := "-echo"
	if on {
		arg = "echo"
	}
	cmd := exec.Command("stty", arg)
	cmd.Stdin = f
	_ = cmd.Run()
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull) // a character device, not a terminal
	return err != nil || !os.SameFile(fi, null)
}

// verboseHooks print attempts, retries and node changes to w.
func verboseHooks(w io.Writer) *rt.Hooks {
	return &rt.Hooks{
		OnAttemptDone: func(i rt.AttemptDoneInfo) {
			outcome := "error: " + errString(i.Err)
			if i.Response != nil {
				outcome = i.Response.Status
			}
			fmt.Fprintf(w, "* attempt %d %s %s → %s: %s in %s\n", i.Attempt, i.Request.Method, i.Request.URL.Path,
				i.Node, outcome, i.Duration.Round(time.Microsecond))
		},
		OnRetry: func(i rt.RetryInfo) {
			fmt.Fprintf(w, "* retry: attempt %d after %s\n", i.Attempt, i.Delay.Round(time.Millisecond))
		},
		OnNodeDown: func(i rt.NodeInfo) {
			fmt.Fprintf(w, "* node down: %s after %d failure(s)\n", i.Node, i.Failures)
		},
		OnNodeUp: func(i rt.NodeInfo) { fmt.Fprintf(w, "* node up: %s\n", i.Node) },
		OnBreakerChange: func(i rt.BreakerInfo) {
			fmt.Fprintf(w, "* breaker %s: %v → %v\n", i.Name, i.From, i.To)
		},
	}
}

func errString(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}
