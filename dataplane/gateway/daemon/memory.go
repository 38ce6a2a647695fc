package daemon

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory release: Go returns the heap a gateway no longer uses to the
// system only slowly (its background scavenger paces itself to about 1%
// of a CPU), and collects garbage only when the heap has grown by
// GCPercent of the live heap. A gateway's live heap is mostly
// wireguard-go's packet buffers (64 KiB each, 384 per tunnel, 24 MiB a
// tunnel), whose pages are never touched until a packet lands in them:
// they count towards the collector's goal but not towards the RSS, so the
// goal lets tens of MiB of touched garbage pile up (half the buffers of a
// transit gateway's every tunnel). Every ReleaseEvery the daemon looks at
// what the heap holds beyond its live objects (garbage not yet collected,
// and free pages not yet returned), and above ReleaseAbove it collects and
// returns it at once (debug.FreeOSMemory). An idle gateway makes little
// garbage, so the check costs a metrics read and nothing more. The same
// tick trims the binary's pages (trimmer).
const (
	ReleaseEvery = 5 * time.Second
	ReleaseAbove = 4 << 20
)

// The runtime's metrics heapSpare reads.
var spareMetrics = []string{
	"/memory/classes/heap/free:bytes",    // free heap not yet returned to the system
	"/memory/classes/heap/objects:bytes", // objects, live or not yet swept
	"/gc/heap/live:bytes",                // what the last collection found live
}

// heapSpare returns the heap memory that the process holds beyond its live
// objects: free pages not yet returned, and garbage not yet collected.
func heapSpare() uint64 {
	s := make([]metrics.Sample, len(spareMetrics))
	for i, n := range spareMetrics {
		s[i].Name = n
	}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	free, objects, live := v[0], v[1], v[2]
	if objects > live {
		free += objects - live
	}
	return free
}

// release collects the garbage twice and returns the free heap to the
// system: the packet buffers that wireguard-go keeps in sync.Pools (64 KiB
// each, touched to the end by the TUN's coalescing of bulk traffic) count
// as live through the collection after their last use and go only with
// the next one, which an idle gateway would not run for two minutes (the
// runtime's forced collection).
func release() {
	runtime.GC()
	debug.FreeOSMemory()
}

// releaseMemory collects the garbage and returns the free heap to the
// system whenever more than above bytes of them are held, and trims the
// binary's pages (tr.tick; nil: no trim), checking every interval until
// ctx ends.
func releaseMemory(ctx context.Context, every time.Duration, above uint64, tr *trimmer) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if heapSpare() > above {
				release()
			}
			if tr != nil {
				tr.tick()
			}
		}
	}
}
