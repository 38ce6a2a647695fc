package flows

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/ipfix"
)

var t0 = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

func flow(src, dst string, proto uint8, sport, dport uint16, bytes uint64, end time.Time, sd, dd string, a ipfix.Action) ipfix.Flow {
	return ipfix.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), Proto: proto, SrcPort: sport, DstPort: dport,
		Packets: bytes / 100, Bytes: bytes, Start: t0, End: end, SrcDomain: sd, DstDomain: dd, Action: a}
}

// TestCollectAndQuery: records sent over UDP to Collect are kept, the last
// of a flow replacing the earlier; a malformed datagram is counted and
// skipped; queries group by domain pair, gateway and application, keep
// the top N by bytes and the flows of a recent window.
func TestCollectAndQuery(t *testing.T) {
	s := NewStore()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Collect(conn, "transit-1"); close(done) }()
	out, err := net.Dial("udp", conn.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	st := ipfix.Stream{DomainID: 1}
	send := func(fs ...ipfix.Flow) {
		msgs, err := st.Encode(t0, fs, 1400)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, err := out.Write(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(flow("10.1.0.5", "10.2.0.5", 6, 40000, 5432, 1000, t0.Add(time.Second), "prod", "shared", ipfix.Permit))
	send(flow("10.1.0.5", "10.2.0.5", 6, 40000, 5432, 3000, t0.Add(2*time.Second), "prod", "shared", ipfix.Permit),
		flow("10.2.0.5", "10.1.0.5", 6, 5432, 40000, 2000, t0.Add(2*time.Second), "shared", "prod", ipfix.Permit),
		flow("10.3.0.5", "10.1.0.5", 1, 0, 0, 500, t0.Add(-time.Hour), "dev", "prod", ipfix.Deny))
	if _, err := out.Write([]byte{0, 10, 0, 3}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Malformed("transit-1") == 0 || len(s.Query(Query{}, t0).Flows) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("collected %d flows, %d malformed; want 3 and 1", len(s.Query(Query{}, t0).Flows), s.Malformed("transit-1"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Add("transit-2", flow("10.1.0.6", "10.2.0.6", 17, 53000, 53, 100, t0, "prod", "shared", ipfix.Permit))

	all := s.Query(Query{}, t0.Add(2*time.Second))
	if len(all.Flows) != 4 || all.Flows[0].Bytes != 3000 || all.Flows[0].Gateway != "transit-1" {
		t.Errorf("flows: %+v; want 4, the 3000-byte one first", all.Flows)
	}
	for _, tc := range []struct {
		q    Query
		want []Group
	}{
		{Query{By: ByDomain}, []Group{{"prod>shared", 2, 31, 3100, 0}, {"shared>prod", 1, 20, 2000, 0}, {"dev>prod", 1, 5, 500, 1}}},
		{Query{By: ByGateway}, []Group{{"transit-1", 3, 55, 5500, 1}, {"transit-2", 1, 1, 100, 0}}},
		{Query{By: ByApp, Top: 2}, []Group{{"tcp/5432", 2, 50, 5000, 0}, {"icmp", 1, 5, 500, 1}}},
		{Query{By: ByApp, Since: time.Minute}, []Group{{"tcp/5432", 2, 50, 5000, 0}, {"udp/53", 1, 1, 100, 0}}},
	} {
		got := s.Query(tc.q, t0.Add(2*time.Second)).Groups
		if len(got) != len(tc.want) {
			t.Errorf("%+v: %+v, want %+v", tc.q, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%+v group %d: %+v, want %+v", tc.q, i, got[i], tc.want[i])
			}
		}
	}
	conn.Close()
	<-done
}

func TestParseBy(t *testing.T) {
	if _, err := ParseBy("vpc"); err == nil || err.Error() != `by "vpc": want domain, gateway or app` {
		t.Errorf("ParseBy(vpc) = %v", err)
	}
	if b, err := ParseBy("app"); err != nil || b != ByApp {
		t.Errorf("ParseBy(app) = %q, %v", b, err)
	}
}
