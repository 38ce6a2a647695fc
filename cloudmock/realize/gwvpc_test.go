package realize

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/dataplane/wg"
	"github.com/mcnlab/mcnlab/emulator/probe"
)

// gwSide is one VPC of the two-VPC test: a gateway instance with an
// elastic IP in a public subnet, and a workload in a private subnet.
type gwSide struct {
	vpc      model.Network
	gw, work model.Instance
	eip      model.ElasticIP
	key      wg.Key
	client   *mgmt.Client
}

// Two VPCs are joined by their own gateway instances: each gateway, in a
// public subnet with an elastic IP and its source/destination check off,
// holds a WireGuard tunnel to the other's elastic IP through the emulated
// internet (one-to-one NAT at both internet gateways) and an eBGP session
// over the tunnel's inner addresses; each private subnet routes the other
// VPC's CIDR to its local gateway instance, and the workloads ping each
// other across.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing — route traffic through a middlebox appliance
func TestGatewaysJoinTwoVPCs(t *testing.T) {
	l := gatewayLab(t)
	const port = 51820 // each gateway's WireGuard port, kept by the one-to-one NAT
	sides := []*gwSide{l.gatewaySide(1, port), l.gatewaySide(2, port)}
	l.sync()
	for _, s := range sides {
		s.client = mgmt.NewClient(GatewaySocket(l.name, s.gw.ID))
		defer s.client.Close()
	}
	l.pingFails(l.ns(sides[0].work), sides[1].work.PrivateIP) // nothing carries it before the gateways are configured

	inner := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{169, 254, 100, byte(i - 1)}) }
	for i, s := range sides {
		j := 1 - i
		o := sides[j]
		cfg := mgmt.Config{
			Name: GatewayName(s.gw.ID), ASN: uint32(65001 + i), RouterID: s.gw.PrivateIP,
			Prefixes: []netip.Prefix{s.vpc.CIDRs[0].Prefix}, PrivateKey: s.key.String(),
			Peers: []mgmt.Peer{{
				Name: GatewayName(o.gw.ID), PublicKey: o.key.PublicKey().String(),
				Endpoint: netip.AddrPortFrom(o.eip.PublicIP, port), ListenPort: port,
				Address: netip.PrefixFrom(inner(i+1), 31), PeerAddress: inner(j + 1), ASN: uint32(65001 + j),
			}},
		}
		ctx, cancel := context.WithTimeout(context.Background(), gwConverge)
		_, err := s.client.PutConfig(ctx, cfg)
		cancel()
		if err != nil {
			t.Fatalf("configure gateway %s: %v", s.gw.ID, err)
		}
	}

	// Tunnels up and BGP established on both, each learning the other's VPC.
	for i, s := range sides {
		waitConverged(t, i, s, sides[1-i])
	}

	ctx, cancel := context.WithTimeout(context.Background(), gwConverge)
	defer cancel()
	for i, s := range sides {
		o := sides[1-i]
		if _, err := probe.WaitReachable(ctx, l.ns(s.work), o.work.PrivateIP, 500*time.Millisecond); err != nil {
			t.Fatalf("workload in VPC %d should reach %s in the other VPC through the gateways: %v", i+1, o.work.PrivateIP, err)
		}
	}
	// The tunnel runs between the elastic IPs: the peer sees the other's
	// public address as the endpoint.
	st, err := sides[0].client.Status(ctx)
	l.ok(err)
	if got, want := st.Tunnels[0].Endpoint.Addr(), sides[1].eip.PublicIP; got != want {
		t.Errorf("gateway 1's tunnel endpoint is %s, want gateway 2's elastic IP %s", got, want)
	}
	st, err = sides[1].client.Status(ctx)
	l.ok(err)
	if got, want := st.Tunnels[0].Endpoint.Addr(), sides[0].eip.PublicIP; got != want {
		t.Errorf("gateway 2 sees gateway 1's tunnel from %s, want its elastic IP %s", got, want)
	}

	// With its source/destination check back on, gateway 1 no longer
	// forwards: the workloads lose each other though the tunnel stays up.
	l.ok(l.cloud.SetSourceDestCheck(acct, sides[0].gw.ID, true))
	l.sync()
	l.pingFails(l.ns(sides[0].work), sides[1].work.PrivateIP)
}

// gatewaySide makes VPC 10.i.0.0/16 of TestGatewaysJoinTwoVPCs: a public
// subnet behind an internet gateway with a gateway instance (its elastic
// IP, WireGuard on port open, source/destination check off), and a private
// subnet with a workload whose route to the other VPC is the gateway.
func (l *lab) gatewaySide(i, port int) *gwSide {
	any4, tenNet := netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("10.0.0.0/8")
	s := &gwSide{vpc: l.vpc(fmt.Sprintf("10.%d.0.0/16", i))}
	pub, priv := l.subnet(s.vpc, fmt.Sprintf("10.%d.1.0/24", i)), l.subnet(s.vpc, fmt.Sprintf("10.%d.2.0/24", i))
	igw := must[model.InternetGateway](l.t)(l.cloud.CreateInternetGateway(acct, nil))
	l.ok(l.cloud.AttachInternetGateway(acct, igw.ID, s.vpc.ID))
	rtPub := must[model.RouteTable](l.t)(l.cloud.CreateRouteTable(acct, s.vpc.ID, nil))
	must[model.RouteTableAssociation](l.t)(l.cloud.AssociateRouteTable(acct, rtPub.ID, pub.ID))
	l.ok(l.cloud.CreateRoute(acct, rtPub.ID, any4, model.Target{Kind: model.TargetInternetGateway, ID: igw.ID}))

	gsg := must[model.RuleSet](l.t)(createGroup(l.cloud, s.vpc.ID, "gateway", "gateway", nil))
	_, err := addGroupRules(l.cloud, gsg.ID, model.Ingress, []sgRule{
		{Protocol: "udp", FromPort: port, ToPort: port, Prefix: any4}, // WireGuard; the liveness hellos and BGP ride inside it
		{Protocol: "icmp", FromPort: -1, ToPort: -1, Prefix: tenNet},
	})
	l.ok(err)
	s.gw = l.gatewayInstance(pub, gsg.ID)
	l.ok(l.cloud.SetSourceDestCheck(acct, s.gw.ID, false))
	s.eip = must[model.ElasticIP](l.t)(l.cloud.AllocateAddress(acct, nil))
	l.ok(l.cloud.AssociateAddress(acct, s.eip.ID, s.gw.ID))

	wsg := must[model.RuleSet](l.t)(createGroup(l.cloud, s.vpc.ID, "workload", "workload", nil))
	_, err = addGroupRules(l.cloud, wsg.ID, model.Ingress, []sgRule{
		{Protocol: "icmp", FromPort: -1, ToPort: -1, Prefix: tenNet}})
	l.ok(err)
	s.work = l.instance(priv, wsg.ID)
	other := netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", 3-i))
	l.ok(l.cloud.CreateRoute(acct, s.vpc.MainRouteTableID, other, model.Target{Kind: model.TargetInstance, ID: s.gw.ID}))
	s.key = must[wg.Key](l.t)(wg.GenerateKey())
	return s
}

// waitConverged waits until gateway s has its tunnel up and its BGP
// session established, and has learnt the VPC of gateway o.
func waitConverged(t *testing.T, i int, s, o *gwSide) {
	t.Helper()
	var last string
	deadline := time.Now().Add(gwConverge)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := s.client.Status(ctx)
		cancel()
		last = fmt.Sprintf("status %+v, %v", st, err)
		if err == nil && len(st.Tunnels) == 1 && st.Tunnels[0].State == mgmt.TunnelUp &&
			len(st.Sessions) == 1 && st.Sessions[0].State == "established" &&
			len(st.Routes) == 1 && st.Routes[0].Prefix == o.vpc.CIDRs[0].Prefix {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway %d did not converge: %s", i+1, last)
		}
		time.Sleep(100 * time.Millisecond) // polling the gateway's status
	}
}
