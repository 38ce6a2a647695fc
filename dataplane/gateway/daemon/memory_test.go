package daemon

import (
	"context"
	"runtime/debug"
	"testing"
	"time"
)

// sink keeps the test's allocation alive until it drops it.
var sink [][]byte

// TestReleaseMemory: after 64 MiB of the heap are dropped, the garbage
// and free heap the process holds fall back under the threshold within a
// few intervals, where the runtime alone (its collector held off by a
// large live heap, here a high GC percent) would keep them.
func TestReleaseMemory(t *testing.T) {
	const above = 8 << 20
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go releaseMemory(ctx, 50*time.Millisecond, above, nil)
	for range 64 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		sink = append(sink, b)
	}
	sink = nil
	deadline := time.Now().Add(5 * time.Second)
	for heapSpare() > above {
		if time.Now().After(deadline) {
			t.Fatalf("garbage and free heap still held after 5 s: %d MiB, want <= %d MiB", heapSpare()>>20, above>>20)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
