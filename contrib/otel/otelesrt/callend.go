package otelesrt

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/esrt-dev/esrt/rt"
)

// finish takes next's outcome: it ends the call now for an error or a
// response without a body, or else when the caller is done with the body.
func (c *call) finish(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		c.node = failedNode(err, c.url)
		c.end(err)
		return nil, err
	}
	c.status = resp.StatusCode
	c.node = c.url
	if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.Host != "" {
		c.node = resp.Request.URL
	}
	c.namespace = resp.Header.Get(headerFoundCluster)
	c.nodeName = resp.Header.Get(headerFoundInstance)
	if resp.Body == nil || resp.Body == http.NoBody {
		c.end(nil)
		return resp, nil
	}
	resp.Body = wrapResponseBody(resp.Body, c.end)
	return resp, nil
}

// failedNode returns the URL the failed call last went to: the last
// attempt's node (esrt's errors name it), with the caller's path and query,
// else the caller's URL.
func failedNode(err error, caller *url.URL) *url.URL {
	var ae *rt.AttemptError
	if !errors.As(err, &ae) || ae.Node == nil || ae.Node.URL == nil {
		return caller
	}
	u := *ae.Node.URL
	u.Path += caller.Path
	if caller.RawPath != "" {
		u.RawPath = u.EscapedPath() + caller.RawPath
	}
	u.RawQuery = caller.RawQuery
	return &u
}

// end ends the span and records the measurement. err is the call's error,
// or the error of reading the response body, or nil.
func (c *call) end(err error) {
	now := time.Now()
	errType := ""
	switch {
	case err != nil:
		errType = errorType(err)
	case c.status >= 400:
		errType = statusType(c.status)
	}
	if c.span != nil {
		c.endSpan(now, errType, err)
	}
	if c.metrics {
		c.record(now, errType)
	}
}

func (c *call) endSpan(now time.Time, errType string, err error) {
	attrs := make([]attribute.KeyValue, 0, 10)
	if c.status > 0 {
		attrs = append(attrs, keyDBResponseStatus.String(strconv.Itoa(c.status)))
	}
	if errType != "" {
		attrs = append(attrs, keyErrorType.String(errType))
	}
	if c.node != c.url {
		if full := redactURL(c.node); full != c.full {
			attrs = appendServer(attrs, c.node, full) // the node's address replaces the caller's
		}
	}
	if c.namespace != "" {
		attrs = append(attrs, keyDBNamespace.String(c.namespace))
	}
	if c.nodeName != "" {
		attrs = append(attrs, keyESNodeName.String(c.nodeName))
	}
	if c.tap.complete() {
		attrs = c.appendObserved(attrs)
	}
	c.span.SetAttributes(attrs...)
	if errType != "" {
		setError(c.span, err)
	}
	c.span.End(trace.WithTimestamp(now))
}

// setError sets the span's status to Error and, for a Go error, records it
// as an exception event, with any credential in its message redacted.
func setError(span trace.Span, err error) {
	if err == nil {
		span.SetStatus(codes.Error, "")
		return
	}
	msg := redactText(err.Error())
	span.SetStatus(codes.Error, msg)
	span.AddEvent("exception", trace.WithAttributes(
		keyExceptionType.String(fmt.Sprintf("%T", err)),
		keyExceptionMessage.String(msg)))
}

// record records db.client.operation.duration, with the conventions'
// attributes: db.response.status_code only for a call that failed.
func (c *call) record(now time.Time, errType string) {
	var buf [8]attribute.KeyValue
	attrs := append(buf[:0], systemName, keyDBOperationName.String(c.op))
	if c.collection != "" {
		attrs = append(attrs, keyDBCollectionName.String(c.collection))
	}
	if c.namespace != "" {
		attrs = append(attrs, keyDBNamespace.String(c.namespace))
	}
	if c.node != nil && c.node.Host != "" {
		attrs = append(attrs, keyServerAddress.String(c.node.Hostname()), keyServerPort.Int(port(c.node)))
	}
	if errType != "" {
		attrs = append(attrs, keyErrorType.String(errType))
		if c.status > 0 {
			attrs = append(attrs, keyDBResponseStatus.String(strconv.Itoa(c.status)))
		}
	}
	c.in.m.duration.Record(c.ctx, now.Sub(c.start).Seconds(), metric.WithAttributes(attrs...))
}
