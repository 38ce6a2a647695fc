package daemon

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory release: Go returns the heap a gateway no longer uses to the
// system only slowly (its background scavenger paces itself to about 1%
// of a CPU), so after a withdrawal of thousands of routes a gateway would
// hold their memory for minutes. Every ReleaseEvery the daemon looks at
// the heap that is free but still held, and above ReleaseAbove it
// collects and returns it at once (debug.FreeOSMemory). An idle gateway
// frees little, so the check costs a metrics read and nothing more.
const (
	ReleaseEvery = 5 * time.Second
	ReleaseAbove = 8 << 20
)

// heapFreeMetric is the runtime's free heap not yet returned to the system.
const heapFreeMetric = "/memory/classes/heap/free:bytes"

// heapFree returns the free heap memory that the process still holds.
func heapFree() uint64 {
	s := []metrics.Sample{{Name: heapFreeMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// releaseMemory returns the free heap to the system whenever more than
// above bytes of it are held, checking every interval until ctx ends.
func releaseMemory(ctx context.Context, every time.Duration, above uint64) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if heapFree() > above {
				debug.FreeOSMemory()
			}
		}
	}
}
