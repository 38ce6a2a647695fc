package policy_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/dataplane/policy"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// TestTrackCountsDroppedFlows: a rule that drops TCP to port 9 counts
// each dropped flow in a flow set, with its addresses, ports and the SYNs
// it dropped; what the kernel holds renders as the fake does; a flow the
// rule does not drop is not in the set. It holds in an ip table and in an
// inet table (the gateway's segmentation), where the rule matches IPv4.
func TestTrackCountsDroppedFlows(t *testing.T) {
	for _, fam := range []policy.Family{policy.FamilyIPv4, policy.FamilyINet} {
		t.Run(fam.String(), func(t *testing.T) { trackDropped(t, fam) })
	}
}

func trackDropped(t *testing.T, fam policy.Family) {
	a, _, c := pairWithConn(t)
	tab := policy.Table{Family: fam, Name: "t", Sets: []policy.Set{{Name: "dropped", Family: policy.FamilyIPv4, Track: true}},
		Chains: []policy.Chain{{Name: "input", Hook: policy.HookInput, Rules: []policy.Rule{
			{Match: policy.Match{Family: policy.FamilyIPv4, Proto: policy.ProtoTCP, DstPort: policy.Port(9)}, Track: "dropped", Verdict: policy.Drop},
		}}}}
	err := policy.Apply(c, tab)
	if err != nil {
		t.Fatal(err)
	}
	fake := policy.NewFake()
	if err := policy.Apply(fake, tab); err != nil {
		t.Fatal(err)
	}
	got, err := policy.Dump(c, tab)
	if err != nil || got != fake.String() || !strings.Contains(got, "update @dropped") {
		t.Errorf("kernel holds (%v):\n%s\nfake:\n%s", err, got, fake.String())
	}
	var local int
	err = netns.Do(a.Name, func() error {
		conn, err := net.DialTimeout("tcp4", "10.9.0.2:9", 1500*time.Millisecond) // the SYN and a retry, dropped
		if err == nil {
			conn.Close()
			t.Error("port 9 answered")
		}
		if ne, ok := err.(*net.OpError); ok && ne.Source != nil {
			local = ne.Source.(*net.TCPAddr).Port
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	flows, err := policy.ReadFlowsOf(c, fam, "t", "dropped")
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 {
		t.Fatalf("flows = %+v, want one", flows)
	}
	f := flows[0]
	if netip.AddrFrom4(f.Src) != netip.MustParseAddr("10.9.0.1") || netip.AddrFrom4(f.Dst) != netip.MustParseAddr("10.9.0.2") ||
		f.Proto != 6 || f.DstPort != 9 || (local != 0 && int(f.SrcPort) != local) || f.Packets < 1 || f.Bytes < 40*f.Packets {
		t.Errorf("flow = %+v (client port %d)", f, local)
	}
	if none, err := policy.ReadFlowsOf(c, fam, "t", "nosuch"); err != nil || len(none) != 0 {
		t.Errorf("a missing set: %v, %v", none, err)
	}
}
