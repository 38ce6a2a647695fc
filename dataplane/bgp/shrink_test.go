package bgp

import (
	"net/netip"
	"runtime"
	"testing"
)

// TestShrunkGivesMemoryBack: a table of 50,000 prefixes cut to 100 is
// rebuilt, with the same entries, and the memory of the large one is
// collected; a table that never reached shrinkFrom entries is kept.
func TestShrunkGivesMemoryBack(t *testing.T) {
	m := map[netip.Prefix][]Path{}
	peak := 0
	for i := range 50000 {
		m[netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)] = nil
	}
	m = shrunk(m, &peak)
	if peak != 50000 {
		t.Fatalf("peak %d after 50,000 entries, want 50000", peak)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	for p := range m {
		if len(m) == 100 {
			break
		}
		delete(m, p)
	}
	keep := make(map[netip.Prefix]bool, 100)
	for p := range m {
		keep[p] = true
	}
	m = shrunk(m, &peak)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	after := ms.HeapAlloc
	if len(m) != 100 || peak != 100 {
		t.Fatalf("after the cut: %d entries, peak %d; want 100 and 100", len(m), peak)
	}
	for p := range keep {
		if _, ok := m[p]; !ok {
			t.Fatalf("prefix %s lost by the shrink", p)
		}
	}
	if before < after+(1<<20) {
		t.Errorf("live heap %d KiB with 50,000 entries, %d KiB after the cut to 100: want at least 1 MiB less", before>>10, after>>10)
	}
	runtime.KeepAlive(m)

	small := map[int]int{1: 1, 2: 2}
	speak := 500
	if got := shrunk(small, &speak); len(got) != 2 || speak != 500 {
		t.Errorf("a map that never reached %d entries: %d entries, peak %d; want 2 and 500 (kept as it is)", shrinkFrom, len(got), speak)
	}
}
