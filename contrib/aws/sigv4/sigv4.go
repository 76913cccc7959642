// Package sigv4 signs every attempt of an esrt transport with AWS Signature
// Version 4, for Amazon OpenSearch Service (service "es") and Amazon
// OpenSearch Serverless (service "aoss").
//
// It is a per-attempt middleware: put it in esrt.Config.AttemptMiddleware,
// or right above the base transport in a chain of your own, so that it
// signs the node's final host, headers and (compressed) body, and so that
// each retry is signed afresh at its own time:
//
//	awsCfg, err := config.LoadDefaultConfig(ctx) // environment, shared config, IAM role
//	...
//	tr, err := esrt.New(esrt.Config{
//		Addresses:         []string{"https://search-my-domain.eu-west-1.es.amazonaws.com"},
//		AttemptMiddleware: []rt.Middleware{sigv4.Middleware(sigv4.Config{
//			Credentials: awsCfg.Credentials,
//			Region:      awsCfg.Region,
//		})},
//	})
//
// The signing itself is aws-sdk-go-v2's (aws/signer/v4); this package
// decides what is signed: the payload's SHA-256, computed without consuming
// the caller's body when it can be read again, the request as it leaves
// for the node, the credentials from a cache. A failure to sign (no
// credentials, an unreadable body) is an [*rt.LocalError]: esrt's routing
// does not hold it against the node and retry does not repeat it.
package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/esrt-dev/esrt/rt"
)

// Config configures [Middleware].
type Config struct {
	// Credentials gives the AWS credentials, such as the Credentials of
	// aws-sdk-go-v2's config.LoadDefaultConfig (environment, shared
	// config and credentials files, IAM role). A provider that is not
	// already an *aws.CredentialsCache is wrapped in one, so that
	// credentials are retrieved once and refreshed before they expire,
	// not fetched per request. Required.
	Credentials aws.CredentialsProvider

	// Region is the AWS region of the domain or collection, such as
	// "eu-west-1". Required.
	Region string

	// Service is the signing name: "es" (the default) for Amazon
	// OpenSearch Service, "aoss" for Amazon OpenSearch Serverless.
	Service string

	// Now returns the signing time. If nil, time.Now.
	Now func() time.Time
}

// Services with a signing name of their own here.
const (
	ServiceOpenSearch = "es"
	ServiceServerless = "aoss"
)

// emptyHash is the hex SHA-256 of an empty payload.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// check validates cfg and returns it with its defaults filled in.
func (cfg Config) check() (Config, error) {
	if cfg.Credentials == nil {
		return cfg, &rt.ConfigError{Field: "Credentials", Err: errors.New("required: an aws.CredentialsProvider, such as the Credentials of config.LoadDefaultConfig")}
	}
	if cfg.Region == "" {
		return cfg, &rt.ConfigError{Field: "Region", Err: errors.New(`required: the region of the domain or collection, such as "eu-west-1"`)}
	}
	if cfg.Service == "" {
		cfg.Service = ServiceOpenSearch
	}
	if !serviceName.MatchString(cfg.Service) {
		return cfg, &rt.ConfigError{Field: "Service", Err: fmt.Errorf(`%q is not a signing name: want "es" or "aoss"`, cfg.Service)}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if !aws.IsCredentialsProvider(cfg.Credentials, (*aws.CredentialsCache)(nil)) {
		cfg.Credentials = aws.NewCredentialsCache(cfg.Credentials)
	}
	return cfg, nil
}

// New returns the signing middleware for cfg, or an [*rt.ConfigError] if
// cfg is invalid: use it to stop at startup on a bad configuration.
func New(cfg Config) (rt.Middleware, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	signer := v4.NewSigner()
	return func(next http.RoundTripper) http.RoundTripper {
		return &transport{next: next, cfg: cfg, signer: signer}
	}, nil
}

// Middleware returns a middleware that signs every request it passes on
// with Signature Version 4. If cfg is invalid, every request fails, before
// anything is sent, with an [*rt.LocalError] wrapping the [*rt.ConfigError];
// [New] reports it at once instead.
//
// The request it sends is a copy of the caller's carrying the signature:
// Authorization, X-Amz-Date, X-Amz-Content-Sha256 (the payload's hash,
// which Serverless requires and OpenSearch Service accepts), and
// X-Amz-Security-Token for temporary credentials. Every header of the
// request is signed but User-Agent, Expect, Transfer-Encoding and
// X-Amzn-Trace-Id; so is Content-Length when the body is not empty. The
// query string is sent in its canonical form, which means the same to
// OpenSearch (a "+" becomes "%20"); one that cannot be parsed fails.
//
// The payload's hash is computed from a fresh reader from GetBody when the
// request has one (esrt's retry and compression give every body one);
// otherwise the body is read into memory first. A request that already
// carries an Authorization header (basic auth or an API key configured as
// well) is refused: the signature would replace it.
func Middleware(cfg Config) rt.Middleware {
	mw, err := New(cfg)
	if err != nil {
		return func(next http.RoundTripper) http.RoundTripper {
			return &transport{next: next, err: err}
		}
	}
	return mw
}

type transport struct {
	next   http.RoundTripper
	cfg    Config
	signer *v4.Signer
	err    error // a configuration error, returned for every request

	// noContentHash leaves out the X-Amz-Content-Sha256 header, for the
	// test suite's vectors, which do not sign it.
	noContentHash bool
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	out, err := t.sign(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &rt.LocalError{Err: err}
	}
	return t.next.RoundTrip(out)
}

// CloseIdleConnections forwards to the next transport.
func (t *transport) CloseIdleConnections() { rt.CloseIdleConnections(t.next) }

// Headers the signature sets: a caller's value would be replaced.
var signatureHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// sign returns a signed copy of req. On error req's body is not closed.
func (t *transport) sign(req *http.Request) (*http.Request, error) {
	if t.err != nil {
		return nil, t.err
	}
	if len(req.Header["Authorization"]) > 0 {
		return nil, errors.New("sigv4: the request already has an Authorization header (basic auth, an API key or a token?): a signed request carries only the signature")
	}
	if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
		// The signer would drop what it cannot parse and send the rest.
		return nil, fmt.Errorf("sigv4: invalid query string: %w", err)
	}
	ctx := req.Context()
	creds, err := t.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("sigv4: retrieving AWS credentials: %w", err)
	}

	out := req.WithContext(ctx) // a shallow copy
	u := *req.URL
	out.URL = &u
	out.Header = make(http.Header, len(req.Header)+4)
	for k, v := range req.Header {
		out.Header[k] = v
	}
	for _, k := range signatureHeaders {
		// Deleted, not overwritten: the signer appends to the slice it
		// finds, which the caller's header shares.
		delete(out.Header, k)
	}

	payload, err := payloadHash(out)
	if err != nil {
		return nil, err
	}
	if !t.noContentHash {
		out.Header["X-Amz-Content-Sha256"] = []string{payload}
	}
	// The canonical path is normalized (no dot segments, no empty ones),
	// as for every AWS service but S3; the path sent stays the caller's.
	// The signer reads a set Opaque as the path, and writes only the
	// query, which is sent as signed.
	if p := out.URL.EscapedPath(); out.URL.Opaque == "" {
		if norm := normalize(p); norm != p {
			out.URL.Opaque = norm
			defer func() { out.URL.Opaque = "" }()
		}
	}
	if err := t.signer.SignHTTP(ctx, creds, out, payload, t.cfg.Service, t.cfg.Region, t.cfg.Now()); err != nil {
		return nil, fmt.Errorf("sigv4: signing: %w", err)
	}
	return out, nil
}

// normalize removes the dot segments and empty segments of an escaped path,
// keeping a trailing slash: "//a/./b/../c/" is "/a/c/".
func normalize(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	n := "/" + strings.Join(out, "/")
	if last := segs[len(segs)-1]; (last == "" || last == "." || last == "..") && n != "/" {
		n += "/"
	}
	return n
}

// payloadHash returns the hex SHA-256 of req's body. It reads the body from
// GetBody when it can; otherwise it reads req.Body into memory, closes it,
// and gives req a body (and GetBody) over the bytes read. If reading fails,
// req.Body is left open.
func payloadHash(req *http.Request) (string, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return emptyHash, nil
	}
	h := sha256.New()
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return "", fmt.Errorf("sigv4: reading the body to hash it: %w", err)
		}
		n, err := io.Copy(h, body)
		body.Close()
		if err != nil {
			return "", fmt.Errorf("sigv4: reading the body to hash it: %w", err)
		}
		if req.ContentLength <= 0 && n > 0 {
			// Known now: sent with its length, signed, not chunked.
			req.ContentLength = n
		}
		return sum(h), nil
	}
	var buf bytes.Buffer
	if req.ContentLength > 0 {
		buf.Grow(int(req.ContentLength))
	}
	if _, err := io.Copy(io.MultiWriter(&buf, h), req.Body); err != nil {
		return "", fmt.Errorf("sigv4: reading the body to hash it: %w", err)
	}
	req.Body.Close()
	b := buf.Bytes()
	req.ContentLength = int64(len(b))
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	if len(b) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}
	return sum(h), nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
