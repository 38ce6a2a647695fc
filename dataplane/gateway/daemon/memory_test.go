package daemon

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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

// TestReleaseFreesPooledBuffers: buffers put back into a sync.Pool (as
// wireguard-go keeps its 64 KiB packet buffers) and not used again are
// gone, and their pages returned, after one release.
func TestReleaseFreesPooledBuffers(t *testing.T) {
	pool := sync.Pool{New: func() any { return new([64 << 10]byte) }}
	var bufs []*[64 << 10]byte
	for range 512 { // 32 MiB, every page touched
		b := pool.Get().(*[64 << 10]byte)
		for i := range b {
			b[i] = 1
		}
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		pool.Put(b)
	}
	bufs = nil
	release()
	if held := objectBytes(); held > 16<<20 {
		t.Fatalf("heap objects after a release: %d MiB, want the 32 MiB of pooled buffers gone", held>>20)
	}
	runtime.KeepAlive(&pool)
}

// objectBytes is the heap the runtime holds in objects.
func objectBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
