package otelesrt

import (
	"context"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt/endpoint"
	"github.com/esrt-dev/esrt/rt"
)

// Hooks returns the hooks that record esrt's attempts, retries, node
// health and breaker changes: put them in esrt.Config.Hooks (composed with
// yours by [rt.ComposeHooks]; [Instrumentation.Instrument] does it).
//
// An attempt becomes a CLIENT span, named by its HTTP method as an HTTP
// client span is, a child of the span in the attempt's context (the call
// span of [Instrumentation.Middleware]); it is recorded only under a
// recording parent, so that requests outside a traced call start no trace
// of their own. It starts when the router has chosen the node and ends
// when the node's response headers or error came back. Its attributes:
// http.request.method, url.full, server.address and server.port of the
// node, elasticsearch.node.name for a discovered node, esrt.attempt (the
// number, from 1), http.request.resend_count (from the second attempt),
// esrt.attempt.hedge, esrt.retry.reason (for a retry: the error.type of
// the attempt that failed), http.response.status_code, error.type and
// esrt.attempt.outcome.
//
// A retry also adds an event "retry" to the call span, with the number of
// the next attempt, the reason and the delay.
func (in *Instrumentation) Hooks() *rt.Hooks {
	return &rt.Hooks{
		OnAttemptStart:  in.attemptStart,
		OnAttemptDone:   in.attemptDone,
		OnRetry:         in.retry,
		OnNodeDown:      func(i rt.NodeInfo) { in.nodeChange(i, "down") },
		OnNodeUp:        func(i rt.NodeInfo) { in.nodeChange(i, "up") },
		OnBreakerChange: in.breakerChange,
	}
}

// callState is what a call's layers tell each other through its context:
// the reason of the last retry, for the next attempt's span.
type callState struct {
	mu     sync.Mutex
	reason string
}

func stateFrom(ctx context.Context) *callState {
	s, _ := ctx.Value(stateKey{}).(*callState)
	return s
}

func (in *Instrumentation) attemptStart(info rt.AttemptInfo) {
	if !in.tracing || info.Request == nil {
		return
	}
	ctx := info.Request.Context()
	if !trace.SpanFromContext(ctx).IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 12)
	attrs = append(attrs, keyHTTPMethod.String(methodValue(info.Request.Method)), keyAttempt.Int(info.Attempt),
		keyAttemptHedge.Bool(info.Hedge))
	attrs = appendServer(attrs, info.Request.URL, redactURL(info.Request.URL))
	if info.Node != nil && info.Node.Name != "" {
		attrs = append(attrs, keyESNodeName.String(info.Node.Name))
	}
	if info.Attempt > 1 {
		attrs = append(attrs, keyHTTPResendCount.Int(info.Attempt-1))
		if s := stateFrom(ctx); s != nil && !info.Hedge {
			s.mu.Lock()
			reason := s.reason
			s.mu.Unlock()
			if reason != "" {
				attrs = append(attrs, keyRetryReason.String(reason))
			}
		}
	}
	name := methodValue(info.Request.Method)
	if name == otherValue {
		name = "HTTP"
	}
	_, span := in.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	in.live.Store(info.Request.URL, span)
}

func (in *Instrumentation) attemptDone(info rt.AttemptDoneInfo) {
	if info.Request == nil {
		return
	}
	ctx := info.Request.Context()
	metrics := in.m.attempts.Enabled(ctx)
	v, live := in.live.LoadAndDelete(info.Request.URL)
	if !metrics && !live {
		return
	}
	outcome, errType := attemptOutcome(ctx, info)
	if metrics {
		attrs := make([]attribute.KeyValue, 0, 5)
		attrs = append(attrs, systemName, keyAttemptOutcome.String(outcome))
		if errType != "" {
			attrs = append(attrs, keyErrorType.String(errType))
		}
		if u := info.Request.URL; u != nil && u.Host != "" {
			attrs = append(attrs, keyServerAddress.String(u.Hostname()), keyServerPort.Int(port(u)))
		}
		in.m.attempts.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
	if live {
		endAttempt(v.(trace.Span), info, outcome, errType)
	}
}

// endAttempt ends an attempt's span.
func endAttempt(span trace.Span, info rt.AttemptDoneInfo, outcome, errType string) {
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, keyAttemptOutcome.String(outcome))
	if info.Response != nil {
		attrs = append(attrs, keyHTTPStatus.Int(info.Response.StatusCode))
	}
	if errType != "" {
		attrs = append(attrs, keyErrorType.String(errType))
	}
	span.SetAttributes(attrs...)
	switch {
	case outcome == outcomeFailure:
		setError(span, info.Err)
	case info.Response != nil && info.Response.StatusCode >= 400:
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// The values of esrt.attempt.outcome.
const (
	outcomeSuccess   = "success"    // a response the node is not to blame for: below 500 and not 429
	outcomeFailure   = "failure"    // an error, a 429 or a 5xx
	outcomeHedgeLost = "hedge_lost" // another attempt of the call answered first
	outcomeCanceled  = "canceled"   // the caller gave up
)

// attemptOutcome returns an attempt's esrt.attempt.outcome and error.type.
func attemptOutcome(ctx context.Context, info rt.AttemptDoneInfo) (outcome, errType string) {
	if info.Err == nil && info.Response != nil {
		status := info.Response.StatusCode
		switch {
		case status == http.StatusTooManyRequests || status >= 500:
			return outcomeFailure, statusType(status)
		case status >= 400:
			return outcomeSuccess, statusType(status)
		}
		return outcomeSuccess, ""
	}
	errType = attemptErrorType(ctx, info.Err)
	switch errType {
	case errHedgeLost:
		return outcomeHedgeLost, errType
	case errCanceled:
		return outcomeCanceled, errType
	}
	return outcomeFailure, errType
}

func (in *Instrumentation) retry(info rt.RetryInfo) {
	if info.Request == nil {
		return
	}
	ctx := info.Request.Context()
	state, span, metrics := stateFrom(ctx), trace.SpanFromContext(ctx), in.m.retries.Enabled(ctx)
	if state == nil && !span.IsRecording() && !metrics {
		return
	}
	reason := retryReason(info)
	if state != nil {
		state.mu.Lock()
		state.reason = reason
		state.mu.Unlock()
	}
	if span.IsRecording() {
		span.AddEvent("retry", trace.WithAttributes(keyAttempt.Int(info.Attempt),
			keyRetryReason.String(reason), keyRetryDelay.Float64(info.Delay.Seconds())))
	}
	if metrics {
		op := endpoint.Of(info.Request).ID
		if op == "" {
			op = methodValue(info.Request.Method)
		}
		in.m.retries.Add(ctx, 1, metric.WithAttributes(systemName,
			keyDBOperationName.String(op), keyRetryReason.String(reason)))
	}
}

// retryReason is esrt.retry.reason: the error.type of the attempt that
// failed.
func retryReason(info rt.RetryInfo) string {
	switch {
	case info.StatusCode > 0:
		return statusType(info.StatusCode)
	case info.Err != nil:
		return errorType(info.Err)
	}
	return otherValue
}

func (in *Instrumentation) nodeChange(info rt.NodeInfo, state string) {
	ctx := context.Background()
	if !in.m.nodes.Enabled(ctx) {
		return
	}
	attrs := []attribute.KeyValue{systemName, keyNodeState.String(state)}
	if info.Node != nil && info.Node.URL != nil {
		attrs = append(attrs, keyServerAddress.String(info.Node.URL.Hostname()), keyServerPort.Int(port(info.Node.URL)))
	}
	in.m.nodes.Add(ctx, 1, metric.WithAttributes(attrs...))
}

func (in *Instrumentation) breakerChange(info rt.BreakerInfo) {
	ctx := context.Background()
	if !in.m.breakers.Enabled(ctx) {
		return
	}
	in.m.breakers.Add(ctx, 1, metric.WithAttributes(systemName,
		keyBreakerName.String(info.Name),
		keyBreakerState.String(string(info.To)),
		keyBreakerPrevious.String(string(info.From))))
}
