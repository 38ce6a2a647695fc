package intent

import (
	"fmt"
	"net/netip"

	"github.com/mcnlab/mcnlab/topologies"
)

// gatewayAddrs returns the private addresses of n gateways in subnet s of
// VPC v: host 10, 11 and upward, then 4 to 9, skipping the addresses that
// the VPC's workloads fix. AWS reserves the first four addresses and the
// last of a subnet
// (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html),
// and an address asked for that an interface holds already is refused
// (InvalidIPAddress.InUse); a workload's address is the user's intent,
// so the gateways, whose addresses the controller chooses, move aside.
func gatewayAddrs(v *topologies.VPC, s *topologies.Subnet, n int) ([]netip.Addr, error) {
	taken := map[netip.Addr]bool{}
	for _, w := range v.Workloads {
		if w.Subnet == s.Name && w.Address.IsValid() {
			taken[w.Address] = true
		}
	}
	size := 1 << (32 - s.CIDR.Bits())
	// Hosts are tried in order and no further than needed: a /16 has
	// 65,534 of them and a gateway wants one or two.
	var out []netip.Addr
	take := func(h int) bool {
		if a := nth(s.CIDR, h); !taken[a] {
			out = append(out, a)
		}
		return len(out) == n
	}
	for h := gatewayHost; h < size-1; h++ {
		if take(h) {
			return out, nil
		}
	}
	for h := 4; h < min(gatewayHost, size-1); h++ {
		if take(h) {
			return out, nil
		}
	}
	return nil, fmt.Errorf("subnet %s (%s) has no room for %d gateways: its workloads fix every usable address but %d; give the gateways another subnet, or a workload no address",
		s.Name, s.CIDR, n, len(out))
}

// boolInt is 1 for true.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
