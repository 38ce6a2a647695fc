package daemon

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// sink keeps the test's allocation alive until it drops it.
var sink [][]byte

// TestReleaseMemory: after 64 MiB of the heap are dropped and collected,
// the free heap the process holds falls back under the threshold within
// a few intervals, where the runtime alone would keep it for minutes.
func TestReleaseMemory(t *testing.T) {
	const above = 8 << 20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go releaseMemory(ctx, 50*time.Millisecond, above)
	for range 64 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		sink = append(sink, b)
	}
	sink = nil
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for heapFree() > above {
		if time.Now().After(deadline) {
			t.Fatalf("free heap still held after 5 s: %d MiB, want <= %d MiB", heapFree()>>20, above>>20)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
