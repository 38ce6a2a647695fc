package fib

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestSync10kInBatches installs 10,000 /29s and withdraws them again in
// batches of 500, as a gateway's BGP updates arrive (each Sync carries the
// whole desired table), twice: reading the kernel table back before each
// Sync (Invalidate first: what every Sync did before the FIB kept its
// view) and trusting the FIB's view. Both leave the kernel holding the
// whole set, then nothing; the times of both go to the log side by side.
func TestSync10kInBatches(t *testing.T) {
	roottest.Require(t)
	if testing.Short() {
		t.Skip("10,000 routes twice; not with -short")
	}
	nss := roottest.NewNamespaces(t, "a", "b")
	a, b := nss[0], nss[1]
	roottest.VethPair(t, a, b, "va", "vb", []string{"10.0.0.1/24"}, []string{"10.0.0.2/24", "10.0.0.3/24"})
	const n, batch = 10000, 500
	base := netip.MustParseAddr("198.18.0.0").As4()
	var prefixes []netip.Prefix
	for i := range n {
		v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(i)<<3
		prefixes = append(prefixes, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 29))
	}
	hops := []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")}
	ctx := context.Background()
	run := func(reread bool) (announce, withdraw time.Duration) {
		f := New(a.NL, a.Handle, Options{})
		t.Cleanup(func() { f.Close() })
		want := map[netip.Prefix][]netip.Addr{}
		sync := func() {
			if reread {
				f.Invalidate()
			}
			if err := f.Sync(ctx, want); err != nil {
				t.Fatalf("Sync: %v", err)
			}
		}
		start := time.Now()
		for i, p := range prefixes {
			want[p] = hops
			if (i+1)%batch == 0 {
				sync()
			}
		}
		announce = time.Since(start)
		if got, err := New(a.NL, a.Handle, Options{}).Routes(); err != nil || len(got) != n {
			t.Fatalf("kernel holds %d routes of the FIB (%v), want %d", len(got), err, n)
		}
		start = time.Now()
		for i, p := range prefixes {
			delete(want, p)
			if (i+1)%batch == 0 {
				sync()
			}
		}
		withdraw = time.Since(start)
		if got := kernelRoutes(t, a); len(got) != 0 {
			t.Fatalf("after the withdrawal the kernel holds %d routes", len(got))
		}
		return announce, withdraw
	}
	ra, rw := run(true)
	ia, iw := run(false)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("%d prefixes in batches of %d; /proc/loadavg %s", n, batch, strings.TrimSpace(string(load)))
	t.Logf("read back per Sync: announce %v, withdraw %v", ra.Round(time.Millisecond), rw.Round(time.Millisecond))
	t.Logf("FIB's view:         announce %v, withdraw %v", ia.Round(time.Millisecond), iw.Round(time.Millisecond))
}
