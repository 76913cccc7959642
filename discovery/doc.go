// Package discovery finds the nodes of a cluster: it parses the configured
// addresses ([Seeds]) and Elastic Cloud IDs ([ParseCloudID]), and a
// [Sniffer] asks the cluster for its nodes (GET /_nodes/http) and publishes
// the node sets it finds.
//
// Discovery does not choose nodes or send application requests. Like a gRPC
// resolver feeding a balancer, it hands node lists to whoever holds the node
// pool (package selector, wired by the root package esrt); the two packages
// do not import each other:
//
//	Addresses / CloudID ──► Seeds / ParseCloudID ──► seeds ──────────┐
//	                                                                  ▼
//	Sniffer.Sniff (on start), Sniffer.Run (periodic, NodeFailed)    pool (selector)
//	   GET /_nodes/http ──► ParseNodes ──► filter ──► Publish ───────┘
//
// # Sniffing
//
// Sniffing is off by default; the caller turns it on. A sniff sends
// GET /_nodes/http through the base transport (not through retry or routing)
// to one node at a time: up to three of the most recently published nodes,
// then the seeds, each request bounded by a timeout. The seed's userinfo
// becomes basic auth for that request and is never logged. The first node
// that answers decides the outcome:
//
//   - The answer is read up to 32 MiB (one whose Content-Length says more
//     is refused unread), and the next node is asked. An answer whose
//     "nodes" object lists more than MaxNodes entries ([DefaultMaxNodes],
//     5000, far beyond any real cluster) is refused whole, with a Warn log
//     line: the published set stays ([ErrTooManyNodes]). A subset is never
//     adopted: which nodes it would hold is arbitrary, and an answer that
//     large is broken or hostile.
//   - Discovered nodes take the address from http.publish_address and
//     inherit the scheme, path prefix and userinfo of the node that answered.
//     Nodes without an http section or publish address are skipped, and so
//     are dedicated master / cluster_manager nodes ([IsDedicatedMaster]),
//     always; Config.Filter narrows the rest further.
//   - A new result is checked before it is published: unless it holds the
//     node that answered, up to three of its nodes, chosen at random, are
//     sent HEAD / at once, bounded by 2 s (or RequestTimeout, if shorter).
//     If none answers (with any HTTP status), the published set stays —
//     the seeds, before any set was published — and one Warn line says
//     "published addresses do not answer ...; using the configured
//     addresses; sniffing is not for clusters behind Docker or a proxy"
//     ([ErrUnreachable]). This is the Docker case: the nodes publish
//     container addresses that the host cannot reach.
//   - A checked non-empty result is published as the full node set. The
//     pool merges it by node identity ([rt.Node.Key]: host, port, path
//     prefix), keeping the health state of nodes that stay.
//   - An empty result leaves the published set as it was.
//   - A 401, 403 or 404 answer (AWS domains, SaaS offerings, proxies that do
//     not expose the nodes info API) leaves the published set as it was,
//     is logged once, and stops discovery for good: no periodic or
//     on-failure sniff follows ([ErrStopped]).
//   - Any other failure (connection refused, timeout, another status, a body
//     that does not parse) moves on to the next node; if none answers, the
//     sniff is logged and tried again at the next trigger. Because the seeds
//     are always asked last, a sniff that cannot reach any published node
//     still reaches the cluster through the seeds.
//
// A sniff runs on start ([Sniffer.Sniff], synchronous, bounded by the
// caller's deadline), every Interval with ±10 % jitter, and after a node
// failure ([Sniffer.NodeFailed]): single-flight, and no sooner than MinDelay
// (10 s) after the previous sniff started. Creating a Sniffer does no I/O
// and starts no goroutine; [Sniffer.Run] is the only background work and
// returns when its context is done. Timing uses the time package, so tests
// run it under testing/synctest.
//
// The rule "if every discovered node is unreachable, requests still reach
// the seeds" lives in the pool, not here: the pool keeps the seeds as a
// fallback list for when every published node is dead. The check above
// only keeps a set that cannot be reached from being published at all.
//
// # When not to sniff
//
// Do not sniff behind a load balancer, a reverse proxy or Kubernetes
// service address, in Docker with published ports, or for Elastic Cloud:
// the nodes publish addresses that only make sense inside their network
// (container IPs, internal host names), and sniffing replaces the address
// that works by ones that do not. Elastic Cloud IDs always mean sniffing off.
package discovery
