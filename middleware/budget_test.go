package middleware

import (
	"errors"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func withdrawN(b *Budget, n int) (granted int) {
	for range n {
		if b.Withdraw() {
			granted++
		}
	}
	return granted
}

func TestBudgetRatio(t *testing.T) {
	clock := newFakeClock()
	b, err := NewBudget(BudgetConfig{Ratio: 0.2, MinPerSecond: -1, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		b.Deposit()
	}
	if got := withdrawN(b, 1000); got != 200 {
		t.Fatalf("granted %d extra attempts for 1000 first attempts, want 200", got)
	}
	// The window slides: after it has passed, old deposits no longer count.
	clock.Add(10 * time.Second)
	if b.Withdraw() {
		t.Fatal("granted an extra attempt with no first attempts in the window")
	}
	for range 50 {
		b.Deposit()
	}
	if got := withdrawN(b, 100); got != 10 {
		t.Fatalf("granted %d, want 10", got)
	}
}

func TestBudgetFloor(t *testing.T) {
	clock := newFakeClock()
	b, _ := NewBudget(BudgetConfig{MinPerSecond: 2, Window: 5 * time.Second, Now: clock.Now})
	if got := withdrawN(b, 100); got != 10 {
		t.Fatalf("granted %d with no traffic, want the floor 2/s × 5 s = 10", got)
	}
	// The floor is pooled over the window: a burst spends it until the
	// burst's second slides out.
	clock.Add(4 * time.Second)
	if got := withdrawN(b, 100); got != 0 {
		t.Fatalf("granted %d four seconds after the burst, want 0", got)
	}
	clock.Add(time.Second)
	if got := withdrawN(b, 100); got != 10 {
		t.Fatalf("granted %d once the burst left the window, want 10", got)
	}
}

func TestBudgetDefaultsAndErrors(t *testing.T) {
	clock := newFakeClock()
	b, err := NewBudget(BudgetConfig{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		b.Deposit()
	}
	if got := withdrawN(b, 1000); got != 20+100 {
		t.Fatalf("defaults granted %d, want 20%% of 100 + 10/s × 10 s = 120", got)
	}
	for _, cfg := range []BudgetConfig{{Ratio: -1}, {Window: time.Millisecond}} {
		if _, err := NewBudget(cfg); !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("NewBudget(%+v) error = %v", cfg, err)
		}
	}
}

func TestBudgetSpreadsDepositsOverTheGap(t *testing.T) {
	clock := newFakeClock()
	b, _ := NewBudget(BudgetConfig{Ratio: 0.5, MinPerSecond: -1, Now: clock.Now})
	b.Withdraw() // the first sync: the window starts here
	// 1000 first attempts over 100 s of steady traffic, with no retry in
	// between; only the last 10 s — 100 of them — are in the window.
	for range 1000 {
		b.Deposit()
	}
	clock.Add(100 * time.Second)
	if got := withdrawN(b, 1000); got != 50 {
		t.Fatalf("granted %d, want 50%% of the 100 first attempts in the window", got)
	}
	// Half the window later, half of those first attempts have left it.
	clock.Add(5 * time.Second)
	if got := withdrawN(b, 1000); got != 0 {
		t.Fatalf("granted %d with the extras already spent, want 0", got)
	}
	clock.Add(5 * time.Second)
	for range 40 {
		b.Deposit()
	}
	if got := withdrawN(b, 1000); got != 20 {
		t.Fatalf("granted %d, want 50%% of the 40 new first attempts", got)
	}
}
