package discovery

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Run sniffs every Interval (if set) and after [Sniffer.NodeFailed], until
// ctx is done, when it returns ctx.Err(), or until discovery stops, when it
// returns [ErrStopped]. It does not sniff at once: call [Sniffer.Sniff]
// first for a sniff on start. Failed sniffs are logged and tried again at the
// next trigger. Run leaves no goroutine behind. Only one Run may be active at
// a time; a second one returns an error at once.
func (s *Sniffer) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("esrt: discovery: Run is already running")
	}
	defer s.running.Store(false)

	var tick <-chan time.Time
	var periodic *time.Timer
	if s.interval > 0 {
		periodic = time.NewTimer(s.jitter())
		defer periodic.Stop()
		tick = periodic.C
	}
	for {
		if s.stopped.Load() {
			return ErrStopped
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
		case <-s.trigger:
			if err := s.waitMinDelay(ctx); err != nil {
				return err
			}
			// Failures reported while waiting are served by this sniff.
			select {
			case <-s.trigger:
			default:
			}
		}
		// The outcome is logged by Sniff; a failure is retried at the next
		// trigger.
		_ = s.Sniff(ctx)
		if periodic != nil {
			periodic.Reset(s.jitter())
		}
	}
}

// jitter returns Interval varied by up to ±10 %.
func (s *Sniffer) jitter() time.Duration {
	spread := s.interval / 5
	if spread <= 0 {
		return s.interval
	}
	return s.interval - spread/2 + rand.N(spread+1)
}

// waitMinDelay waits until MinDelay has passed since the start of the last
// sniff.
func (s *Sniffer) waitMinDelay(ctx context.Context) error {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last.IsZero() {
		return nil
	}
	d := time.Until(last.Add(s.minDelay))
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
