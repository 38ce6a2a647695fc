package firewall_test

import (
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

var noSSH = firewall.Config{Rules: []firewall.Rule{
	{Name: "no-ssh", Proto: policy.ProtoTCP, DstPort: policy.Port(22), Action: firewall.Deny},
	{Name: "prod-to-shared", Src: netip.MustParsePrefix("10.1.0.0/16"), Dst: netip.MustParsePrefix("10.2.0.0/16")},
}}

// noSSHTable is the table of noSSH.
const noSSHTable = `table inet mcn-firewall {
	counter default
	counter established
	counter invalid
	counter rule-no-ssh
	counter rule-prod-to-shared
	chain forward { type filter hook forward priority 0; policy accept;
		ct state established,related counter name "established" accept
		ct state invalid counter name "invalid" drop
		meta l4proto tcp tcp dport 22 counter name "rule-no-ssh" drop
		ip saddr 10.1.0.0/16 ip daddr 10.2.0.0/16 counter name "rule-prod-to-shared" accept
		counter name "default" accept
	}
}
`

// TestTableRendersRules: the rules in order after the stateful ones, each
// with its counter, and the default last.
func TestTableRendersRules(t *testing.T) {
	f := policy.NewFake()
	e, err := firewall.Start(f, fakeCT{}, noSSH)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != noSSHTable {
		t.Errorf("table:\n%s\nwant:\n%s", got, noSSHTable)
	}
	f.SetCounter(policy.Table{Name: firewall.TableName}, "rule-no-ssh", policy.Count{Packets: 3, Bytes: 180})
	c, err := e.Counters()
	if err != nil || c.Rules["no-ssh"] != (policy.Count{Packets: 3, Bytes: 180}) || len(c.Rules) != 2 {
		t.Errorf("Counters = %+v, %v", c, err)
	}
	deny := noSSH
	deny.Default = firewall.Deny
	if err := e.Apply(deny); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.String(), `counter name "default" drop`) {
		t.Errorf("default deny not applied:\n%s", f)
	}
	if c, _ := e.Counters(); c.Rules["no-ssh"].Packets != 3 {
		t.Errorf("a kept rule lost its counter: %+v", c)
	}
	if err := e.Close(); err != nil || f.String() != "" {
		t.Errorf("Close = %v, left %q", err, f.String())
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// TestConfigRefusesInvalid: duplicate names and mixed families name the
// rule; nothing is applied.
func TestConfigRefusesInvalid(t *testing.T) {
	for _, tc := range []struct {
		cfg  firewall.Config
		want string
	}{
		{firewall.Config{Rules: []firewall.Rule{{Name: "a"}, {Name: "a"}}}, `rule 1: name "a" empty or used twice`},
		{firewall.Config{Rules: []firewall.Rule{{Name: "m", Src: netip.MustParsePrefix("10.0.0.0/8"), Dst: netip.MustParsePrefix("fd00::/8")}}}, "rule m: 10.0.0.0/8 and fd00::/8 are of two families"},
		{firewall.Config{Rules: []firewall.Rule{{Name: "p", DstPort: policy.Port(22)}}}, "ports or ICMP type without a protocol"},
	} {
		f := policy.NewFake()
		if _, err := firewall.Start(f, fakeCT{}, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Start = %v, want %q", err, tc.want)
		}
		if f.String() != "" {
			t.Errorf("invalid config applied: %s", f)
		}
	}
}

// TestFlowsReadConntrack: both directions of each connection, sorted.
func TestFlowsReadConntrack(t *testing.T) {
	e, err := firewall.Start(policy.NewFake(), fakeCT{unix.AF_INET: {{
		Forward: netlink.IPTuple{Protocol: 6, SrcIP: net.ParseIP("10.1.1.5"), DstIP: net.ParseIP("10.2.1.5"), SrcPort: 40000, DstPort: 80, Packets: 5, Bytes: 400},
		Reverse: netlink.IPTuple{Protocol: 6, SrcIP: net.ParseIP("10.2.1.5"), DstIP: net.ParseIP("10.1.1.5"), SrcPort: 80, DstPort: 40000, Packets: 4, Bytes: 300},
	}}}, firewall.Config{})
	if err != nil {
		t.Fatal(err)
	}
	flows, err := e.Flows()
	want := firewall.Flow{Proto: 6, Src: netip.MustParseAddrPort("10.1.1.5:40000"), Dst: netip.MustParseAddrPort("10.2.1.5:80"),
		ReplySrc: netip.MustParseAddrPort("10.2.1.5:80"), ReplyDst: netip.MustParseAddrPort("10.1.1.5:40000"),
		Packets: 5, Bytes: 400, ReplyPackets: 4, ReplyBytes: 300}
	if err != nil || len(flows) != 1 || flows[0] != want {
		t.Errorf("Flows = %+v, %v; want %+v", flows, err, want)
	}
}

type fakeCT map[netlink.InetFamily][]*netlink.ConntrackFlow

func (f fakeCT) ConntrackTableList(_ netlink.ConntrackTableType, fam netlink.InetFamily) ([]*netlink.ConntrackFlow, error) {
	return f[fam], nil
}
