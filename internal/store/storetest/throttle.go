package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// testThrottle: a key has its burst at once, then one event per interval;
// refused events are not counted; keys are apart; idle keys fill up again.
func testThrottle(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	every := 20 * time.Second // 3 per minute
	take := func(key string, at time.Time) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := s.Throttle(ctx, key, 3, every, at)
		if err != nil {
			t.Fatalf("Throttle(%s): %v", key, err)
		}
		return ok, wait
	}
	for i := range 3 {
		if ok, _ := take("a", t0); !ok {
			t.Fatalf("event %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := take("a", t0.Add(5*time.Second))
	if ok || wait != 15*time.Second {
		t.Errorf("fourth event 5 s later: ok %v, wait %v; want refused, wait 15s", ok, wait)
	}
	// The refusal was not counted: one interval after the burst there is
	// exactly one event again.
	if ok, _ := take("a", t0.Add(every)); !ok {
		t.Errorf("an event one interval later was refused")
	}
	if ok, wait := take("a", t0.Add(every)); ok || wait != every {
		t.Errorf("a second event at once: ok %v, wait %v; want refused, wait %v", ok, wait, every)
	}
	if ok, _ := take("b", t0); !ok {
		t.Errorf("another key was refused")
	}
	// Idle for long enough, a key has its whole burst again.
	later := t0.Add(time.Hour)
	for i := range 3 {
		if ok, _ := take("a", later); !ok {
			t.Fatalf("event %d after an hour refused", i+1)
		}
	}
	if ok, _ := take("a", later); ok {
		t.Errorf("a fourth event after an hour was let through")
	}
	// No limit at all.
	if ok, _, err := s.Throttle(ctx, "c", 0, every, t0); !ok || err != nil {
		t.Errorf("burst 0: ok %v, err %v; want no limit", ok, err)
	}
}

// testThrottleConcurrent: events racing on one key from many connections
// are let through exactly burst times.
func testThrottleConcurrent(t *testing.T, s store.Store) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			ok, _, err := s.Throttle(t.Context(), "race", 10, time.Minute, at)
			if err != nil {
				errs <- fmt.Errorf("event %d: %w", i, err)
				return
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := allowed.Load(); n != 10 {
		t.Errorf("%d of 40 concurrent events let through, want the burst of 10", n)
	}
}
