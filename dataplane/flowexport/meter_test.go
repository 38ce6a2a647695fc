package flowexport

import (
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
)

// TestMeter: a flow is exported when it appears and each time its counts
// move, with its start and the time they last moved; an idle flow and a
// reply direction that carried nothing are not; counts that go down are a
// new flow of the same tuple; each address is named by its domain.
func TestMeter(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	a, b := netip.MustParseAddr("10.1.0.5"), netip.MustParseAddr("10.2.0.5")
	fwd := Key{Src: a, Dst: b, Proto: 6, SrcPort: 40000, DstPort: 5432}
	rev := Key{Src: b, Dst: a, Proto: 6, SrcPort: 5432, DstPort: 40000}
	m := Meter{Domain: func(x netip.Addr) string {
		if x == a {
			return "prod"
		}
		return ""
	}}
	type want struct {
		key            Key
		packets        uint64
		start, end     time.Time
		srcDom, dstDom string
	}
	for i, step := range []struct {
		now     time.Time
		entries []Entry
		want    []want
	}{
		{at(1), []Entry{{Key: fwd, Packets: 1, Bytes: 60, Start: at(0), Action: ipfix.Permit}, {Key: rev, Start: at(0), Action: ipfix.Permit}},
			[]want{{fwd, 1, at(0), at(1), "prod", ""}}},
		{at(2), []Entry{{Key: fwd, Packets: 3, Bytes: 180, Start: at(0), Action: ipfix.Permit}, {Key: rev, Packets: 2, Bytes: 120, Start: at(0), Action: ipfix.Permit}},
			[]want{{fwd, 3, at(0), at(2), "prod", ""}, {rev, 2, at(0), at(2), "", "prod"}}},
		{at(3), []Entry{{Key: fwd, Packets: 3, Bytes: 180, Start: at(0), Action: ipfix.Permit}, {Key: rev, Packets: 2, Bytes: 120, Start: at(0), Action: ipfix.Permit}},
			nil},
		// A deny flow set knows no start: the first reading is it; its
		// counts going down after a policy change are a new flow.
		{at(4), []Entry{{Key: fwd, Packets: 5, Bytes: 300, Action: ipfix.Deny}}, []want{{fwd, 5, at(4), at(4), "prod", ""}}},
		{at(5), []Entry{{Key: fwd, Packets: 1, Bytes: 60, Action: ipfix.Deny}}, []want{{fwd, 1, at(5), at(5), "prod", ""}}},
	} {
		got := m.Update(step.entries, step.now)
		if len(got) != len(step.want) {
			t.Fatalf("step %d: %d records %+v, want %d", i, len(got), got, len(step.want))
		}
		for j, w := range step.want {
			g := got[j]
			k := Key{Src: g.Src, Dst: g.Dst, Proto: g.Proto, SrcPort: g.SrcPort, DstPort: g.DstPort}
			if k != w.key || g.Packets != w.packets || !g.Start.Equal(w.start) || !g.End.Equal(w.end) || g.SrcDomain != w.srcDom || g.DstDomain != w.dstDom {
				t.Errorf("step %d record %d: %+v, want %+v", i, j, g, w)
			}
		}
	}
}
