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

// testThrottleAll: an event counts against every bucket or none; a
// refused bucket leaves the others as they were; a peek counts nothing.
func testThrottleAll(t *testing.T, s store.Store) {
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	every := 20 * time.Second
	all := func(at time.Time, bs ...store.Bucket) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := s.ThrottleAll(ctx, at, bs...)
		if err != nil {
			t.Fatalf("ThrottleAll: %v", err)
		}
		return ok, wait
	}
	small := store.Bucket{Key: "all/small", Burst: 1, Every: time.Minute}
	big := store.Bucket{Key: "all/big", Burst: 3, Every: every}
	if ok, _ := all(t0, small, big); !ok {
		t.Fatal("the first event was refused")
	}
	// small is used up: the next events are refused and must not charge big.
	for i := range 5 {
		if ok, wait := all(t0, big, small); ok || wait != time.Minute {
			t.Fatalf("event %d: ok %v, wait %v; want refused with a minute's wait", i+2, ok, wait)
		}
	}
	for i := range 2 {
		if ok, _, err := s.Throttle(ctx, big.Key, big.Burst, big.Every, t0); err != nil || !ok {
			t.Fatalf("big after refusals, event %d of its remaining 2: ok %v, err %v (charged by refused events?)", i+1, ok, err)
		}
	}
	if ok, wait := all(t0, big); ok || wait != every {
		t.Errorf("big used up: ok %v, wait %v; want refused, wait %v", ok, wait, every)
	}
	// Peeks count nothing, and see a used-up bucket as one.
	peek := store.Bucket{Key: "all/peek", Burst: 2, Every: time.Minute, Peek: true}
	for i := range 5 {
		if ok, _ := all(t0, peek); !ok {
			t.Fatalf("peek %d at a fresh bucket refused", i+1)
		}
	}
	for range 2 {
		if ok, _, err := s.Throttle(ctx, peek.Key, peek.Burst, peek.Every, t0); err != nil || !ok {
			t.Fatalf("Throttle after peeks: ok %v, err %v", ok, err)
		}
	}
	if ok, wait := all(t0, store.Bucket{Key: "all/other", Burst: 5, Every: time.Second}, peek); ok || wait != time.Minute {
		t.Errorf("peek at a used-up bucket: ok %v, wait %v; want refused, wait 1m", ok, wait)
	}
	if ok, _ := all(t0, store.Bucket{Key: "all/other", Burst: 1, Every: time.Second}); !ok {
		t.Errorf("a bucket asked with a refusing peek was charged")
	}
	// No buckets, or no limits: let through.
	if ok, _ := all(t0); !ok {
		t.Errorf("no buckets: refused")
	}
	if ok, _ := all(t0, store.Bucket{Key: "all/none"}); !ok {
		t.Errorf("a bucket without a limit: refused")
	}
}
