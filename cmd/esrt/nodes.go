package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/esrt-dev/esrt"
	"github.com/esrt-dev/esrt/discovery"
	"github.com/esrt-dev/esrt/rt"
)

const nodesUsage = `usage: esrt nodes [flags]

Asks the cluster for its nodes (GET /_nodes/http, as esrt's sniffing
does) through esrt's default chain and prints one line per node: its
name, the URL esrt would use, its roles, its version, whether it answers
a HEAD / from here and how fast. It says so when the cluster does not
let clients list its nodes (managed services: sniffing must stay off)
and when the addresses the nodes publish do not answer from here (a
cluster in Docker or behind a proxy: sniffing must stay off too).

Roles are abbreviated as _cat/nodes does when all are Elasticsearch's
(c cold, d data, f frozen, h hot, i ingest, l ml, m master,
r remote_cluster_client, s content, t transform, v voting_only, w warm,
- none: coordinating only), and written out otherwise. Dedicated master
nodes are listed but not probed: esrt sends them no requests.

The exit status is 0 when at least one published address answers, 1
when none does or the nodes cannot be listed, 2 for a wrong command line
or a setting that cannot work.

flags:
  --timeout D         how long each HEAD / may take (default 2s)

` + connUsage

// nodeInfo is what GET /_nodes/http says about one node.
type nodeInfo struct {
	ID      string
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Roles   []string `json:"roles"`
	HTTP    *struct {
		PublishAddress string `json:"publish_address"`
	} `json:"http"`
	url     *rt.Node // nil for a node esrt would not send requests to
	answers bool
	latency time.Duration
	status  string
}

// nodes runs "esrt nodes".
func nodes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esrt nodes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var conn connFlags
	conn.register(fs)
	timeout := fs.Duration("timeout", 2*time.Second, "")
	if code, done := parseFlags(fs, args, "nodes", nodesUsage, stdout, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "esrt nodes: unexpected argument %q\n\n%s", fs.Arg(0), nodesUsage)
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "esrt nodes: --timeout must be positive\n\n%s", nodesUsage)
		return 2
	}
	cfg, sec, err := conn.config(ctx, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "esrt nodes: %s\n", sec.scrub(err.Error()))
		return 2
	}
	resp, body, err := send(ctx, cfg, http.MethodGet, "/_nodes/http", nil)
	if err != nil {
		return failed(stderr, "nodes", sec, err)
	}
	switch code := resp.StatusCode; {
	case code == 401 || code == 403 || code == 404:
		fmt.Fprintf(stderr, "esrt nodes: the cluster does not list its nodes to this client (GET /_nodes/http: %s); "+
			"managed services (Amazon OpenSearch, Elastic Cloud serverless) and proxies refuse it: keep sniffing off and use the configured addresses\n", resp.Status)
		return 1
	case code < 200 || code > 299:
		fmt.Fprintf(stderr, "esrt nodes: GET /_nodes/http: %s\n", resp.Status)
		return 1
	}
	list, err := parseNodeInfos(body, seedNode(conn, cfg))
	if err != nil {
		fmt.Fprintf(stderr, "esrt nodes: %v\n", err)
		return 1
	}
	if err := probe(ctx, list, cfg, *timeout); err != nil {
		fmt.Fprintf(stderr, "esrt nodes: %s\n", sec.scrub(oneLine(err)))
		return 1
	}
	printNodes(stdout, list)
	return verdict(stdout, stderr, list)
}

// seedNode is the node whose scheme and path prefix discovered nodes
// inherit, as esrt's sniffer does: the first configured address.
func seedNode(conn connFlags, cfg esrt.Config) *rt.Node {
	if cfg.CloudID != "" {
		if n, err := discovery.ParseCloudID(cfg.CloudID); err == nil {
			return n
		}
	}
	addr := "http://localhost:9200"
	if len(conn.urls) > 0 {
		addr = conn.urls[0]
	} else if env := strings.Split(os.Getenv("ELASTICSEARCH_URL"), ","); strings.TrimSpace(env[0]) != "" {
		addr = strings.TrimSpace(env[0])
	}
	n, err := rt.NewNode(addr)
	if err != nil {
		n, _ = rt.NewNode("http://localhost:9200")
	}
	u := *n.URL
	u.User = nil // the HEAD probes send no credentials: any answer counts
	return &rt.Node{URL: &u}
}

// parseNodeInfos reads the nodes of a GET /_nodes/http answer, sorted by
// name, with the URLs that discovery.ParseNodes gives them.
func parseNodeInfos(body []byte, seed *rt.Node) ([]*nodeInfo, error) {
	var doc struct {
		Nodes map[string]*nodeInfo `json:"nodes"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("GET /_nodes/http: the answer does not parse: %v", err)
	}
	parsed, err := discovery.ParseNodes(body, seed)
	if err != nil {
		return nil, fmt.Errorf("GET /_nodes/http: %v", err)
	}
	byID := map[string]*rt.Node{}
	for _, n := range parsed {
		byID[n.ID] = n
	}
	var list []*nodeInfo
	for id, n := range doc.Nodes {
		if n == nil {
			continue
		}
		n.ID, n.url = id, byID[id]
		list = append(list, n)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// probe sends HEAD / to every node's URL at once, each bounded by
// timeout, and records which answer (with any status) and how fast.
func probe(ctx context.Context, list []*nodeInfo, cfg esrt.Config, timeout time.Duration) error {
	base, err := esrt.NewHTTPTransport(esrt.HTTPTransportConfig{CACert: cfg.CACert, CertificateFingerprint: cfg.CertificateFingerprint})
	if err != nil {
		return err
	}
	defer base.CloseIdleConnections()
	var wg sync.WaitGroup
	for _, n := range list {
		if n.url == nil {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodHead, n.url.URL.String()+"/", nil)
			if err != nil {
				n.status = "bad address"
				return
			}
			start := time.Now()
			resp, err := base.RoundTrip(req)
			if err != nil {
				n.status = "no answer"
				return
			}
			resp.Body.Close()
			n.answers, n.latency, n.status = true, time.Since(start), resp.Status
		})
	}
	wg.Wait()
	return nil
}

// printNodes prints the table of nodes.
func printNodes(w io.Writer, list []*nodeInfo) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tURL\tROLES\tVERSION\tANSWERS\tLATENCY")
	for _, n := range list {
		url, answers, latency := "-", "-", "-"
		switch {
		case n.url != nil:
			url = n.url.String()
			answers = "no"
			if n.answers {
				answers = "yes (" + n.status + ")"
				latency = n.latency.Round(10 * time.Microsecond).String()
			}
		case n.HTTP == nil || n.HTTP.PublishAddress == "":
			answers = "no http address"
		default:
			url, answers = n.HTTP.PublishAddress, "skipped: dedicated master"
		}
		roles := compactRoles(n.Roles)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, url, roles, n.Version, answers, latency)
	}
	tw.Flush()
}

// verdict says plainly whether sniffing would work from here, and
// returns the exit code.
func verdict(stdout, stderr io.Writer, list []*nodeInfo) int {
	var probed, answered int
	for _, n := range list {
		if n.url != nil {
			probed++
			if n.answers {
				answered++
			}
		}
	}
	switch {
	case probed == 0:
		fmt.Fprintln(stderr, "esrt nodes: no node publishes an http address esrt would send requests to")
		return 1
	case answered == 0:
		fmt.Fprintln(stderr, "esrt nodes: none of the published addresses answers from here: the nodes publish addresses "+
			"this machine cannot reach (a cluster in Docker or behind a proxy); keep sniffing off and use the configured addresses")
		return 1
	case answered < probed:
		fmt.Fprintf(stdout, "%d of %d published addresses answer from here\n", answered, probed)
	}
	return 0
}

// roleLetters are the abbreviations of _cat/nodes.
var roleLetters = map[string]string{
	"data_cold": "c", "data": "d", "data_frozen": "f", "data_hot": "h", "ingest": "i", "ml": "l", "master": "m",
	"remote_cluster_client": "r", "data_content": "s", "transform": "t", "voting_only": "v", "data_warm": "w",
}

// compactRoles writes roles as _cat/nodes does ("cdfhilmrstw"), or in
// full when one has no letter.
func compactRoles(roles []string) string {
	if len(roles) == 0 {
		return "-"
	}
	letters := make([]string, 0, len(roles))
	for _, r := range roles {
		l, ok := roleLetters[r]
		if !ok {
			return strings.Join(roles, ",")
		}
		letters = append(letters, l)
	}
	sort.Strings(letters)
	return strings.Join(letters, "")
}
