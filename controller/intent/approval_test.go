package intent

import (
	"net/netip"
	"testing"
)

// The topology's approval rules, applied to run-time approvals: exactly the
// reasons an operator reads, each saying what would be valid.
func TestCheckApproval(t *testing.T) {
	p := demo(t)
	const adv = "site dc1 advertises 10.100.0.0/24, 10.101.0.0/24"
	for _, c := range []struct{ prefix, want string }{
		{"10.100.0.0/24", ""},
		{"10.101.0.0/24", ""},
		{"10.100.0.128/25", ""}, // inside an advertised prefix
		{"0.0.0.0/0", "0.0.0.0/0 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.100.0.0/16", "10.100.0.0/16 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.102.0.0/24", "10.102.0.0/24 is not inside anything site dc1 advertises (10.100.0.0/24, 10.101.0.0/24); approve one of those or a prefix inside one"},
		{"10.3.1.0/24", "10.3.1.0/24 overlaps VPC shared-vpc (10.3.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"10.3.0.0/16", "10.3.0.0/16 overlaps VPC shared-vpc (10.3.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"10.10.1.0/24", "10.10.1.0/24 overlaps VPC transit-vpc (10.10.0.0/16): a cloud route table cannot hold a route inside its VPC's own range; " + adv},
		{"::/0", "::/0 is IPv6; site dc1 advertises IPv4 prefixes only (10.100.0.0/24, 10.101.0.0/24): the cloud intent is IPv4 only, so approve one of those or a prefix inside one"},
		{"fd00::/64", "fd00::/64 is IPv6; site dc1 advertises IPv4 prefixes only (10.100.0.0/24, 10.101.0.0/24): the cloud intent is IPv4 only, so approve one of those or a prefix inside one"},
	} {
		err := p.CheckApproval("dc1", netip.MustParsePrefix(c.prefix))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("CheckApproval(dc1, %s) = %q\n want %q", c.prefix, got, c.want)
		}
	}
}

func TestInsideVPC(t *testing.T) {
	vpc := netip.MustParsePrefix("10.1.0.0/16")
	for _, c := range []struct {
		prefix string
		want   bool
	}{
		{"10.1.0.0/16", true},
		{"10.1.1.0/24", true},
		{"10.1.255.255/32", true},
		{"10.0.0.0/8", false}, // less specific: the local route still wins
		{"0.0.0.0/0", false},
		{"10.2.0.0/16", false},
		{"::/0", false},
		{"::ffff:10.1.0.0/112", false}, // another family
	} {
		if got := InsideVPC(netip.MustParsePrefix(c.prefix), vpc); got != c.want {
			t.Errorf("InsideVPC(%s, %s) = %v, want %v", c.prefix, vpc, got, c.want)
		}
	}
}
