package otelesrt

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// durationBuckets are the explicit bucket boundaries, in seconds, that the
// semantic conventions give db.client.operation.duration.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// The instruments' names.
const (
	metricDuration = "db.client.operation.duration"
	metricAttempts = "esrt.client.attempts"
	metricRetries  = "esrt.client.retries"
	metricNodes    = "esrt.client.node.changes"
	metricBreakers = "esrt.client.breaker.changes"
	metricBulk     = "esrt.client.bulk.items"
)

// instruments are the metrics of an [Instrumentation].
type instruments struct {
	duration  metric.Float64Histogram
	attempts  metric.Int64Counter
	retries   metric.Int64Counter
	nodes     metric.Int64Counter
	breakers  metric.Int64Counter
	bulkItems metric.Int64Counter
}

// newInstruments creates the instruments on m. An instrument that cannot
// be created (the names are valid, so only a broken SDK fails) is reported
// to otel.Handle, and the API's no-op instrument that comes with the error
// records nothing.
func newInstruments(m metric.Meter) instruments {
	var i instruments
	var err error
	i.duration, err = m.Float64Histogram(metricDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of database client operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	i.attempts = counter(m, metricAttempts, "{attempt}", "Attempts sent to a node, by outcome.")
	i.retries = counter(m, metricRetries, "{retry}", "Retries, by the reason of the attempt that failed.")
	i.nodes = counter(m, metricNodes, "{change}", "Nodes taken out of rotation (down) or returned to it (up).")
	i.breakers = counter(m, metricBreakers, "{change}", "Circuit breaker state changes.")
	i.bulkItems = counter(m, metricBulk, "{item}", "Bulk items, by result.")
	return i
}

func counter(m metric.Meter, name, unit, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	handle(err)
	return c
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}
