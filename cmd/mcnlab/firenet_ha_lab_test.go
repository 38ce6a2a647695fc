package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const fireNetHATopology = "testdata/aws-firenet-ha.yaml"

// TestFireNetHAEgressLab (root): FireNet egress on an HA transit. 48
// connections from prod-app to 16 internet hosts all complete, leave from
// both firewalls' elastic IPs, are steered by both transit gateways
// (prod's spoke balances its egress over the pair by address, and the
// transit subnet's route table points at one of them only), and each
// crosses one firewall both ways (its connection table holds it whole):
// the firewalls return each flow's replies to the gateway that sent it. Stopping the transit
// gateway that carries a ping stream to the internet moves it to the
// other within 3 s, and afterwards 20 new connections all complete
// through the survivor, still over both firewalls.
func TestFireNetHAEgressLab(t *testing.T) {
	fireNetHAEgress(t, fireNetHATopology, "fnha", stopInstance)
}

// fireNetHAEgress deploys topology (an HA transit with FireNet egress of
// prod through fw1 and fw2, and aws-firenet-ha.yaml's internet hosts) as
// lab name and checks what TestFireNetHAEgressLab says; stop stops an
// instance through its cloud's API and returns once its namespace is gone.
func fireNetHAEgress(t *testing.T, topology, name string, stop func(t *testing.T, lab, key, ns string)) {
	lab := deployCloudLab(t, topology, name)
	checkMatrix(t, lab)
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	prodNS := emulator.InstanceNamespace(lab, instances["prod-app"].ID)
	inet := emulator.NamespaceName(lab, "inet")
	eips := map[netip.Addr]string{}
	for _, fw := range []string{"fw1", "fw2"} {
		e, _ := intent.FirewallEgressInterface(instances[fw])
		eips[e.PublicIP] = fw
	}
	gws := []string{"transit-1", "transit-2"}
	before := gatewaySteered(t, lab, instances, gws)
	per := egressSplit(t, lab, instances, prodNS, inet, eips, haHosts(), 3)
	after := gatewaySteered(t, lab, instances, gws)
	t.Logf("48 connections to the internet, by firewall: %v; packets steered by transit gateway: %v -> %v", per, before, after)
	if per["fw1"] == 0 || per["fw2"] == 0 {
		t.Errorf("48 connections all left by one firewall: %v; want both used (5-tuple hash)", per)
	}
	for _, g := range gws {
		if after[g] <= before[g] {
			t.Errorf("transit gateway %s steered nothing of 48 connections (%d -> %d); want the spoke's egress over both", g, before[g], after[g])
		}
	}

	// The gateway that carries a ping stream: the one whose steering
	// counter rises by the pings.
	was := gatewaySteered(t, lab, instances, gws)
	if !reach(t, prodNS, web1, 5) {
		t.Fatal("prod-app does not reach web1")
	}
	now := gatewaySteered(t, lab, instances, gws)
	carrier, other := gws[0], gws[1]
	if now[other]-was[other] > now[carrier]-was[carrier] {
		carrier, other = other, carrier
	}
	outage := outageDuring(t, prodNS, web1, func() {
		stop(t, lab, carrier, emulator.InstanceNamespace(lab, instances[carrier].ID))
	})
	t.Logf("stopping transit gateway %s: longest gap between answers from the internet %s", carrier, outage.Round(time.Millisecond))
	if outage > 3*time.Second {
		t.Errorf("egress took %s to move to %s; want at most 3 s", outage, other)
	}
	delete(instances, carrier)
	was = gatewaySteered(t, lab, instances, []string{other})
	per = egressSplit(t, lab, instances, prodNS, inet, eips, []netip.Addr{web1}, 20)
	now = gatewaySteered(t, lab, instances, []string{other})
	t.Logf("after %s stopped, 20 connections by firewall: %v; %s steered %d packets", carrier, per, other, now[other]-was[other])
	if per["fw1"] == 0 || per["fw2"] == 0 || now[other] <= was[other] {
		t.Errorf("after %s stopped: connections by firewall %v, %s steered %d -> %d; want both firewalls, through %s", carrier, per, other, was[other], now[other], other)
	}
}

// haHosts are aws-firenet-ha.yaml's internet hosts: web1 and h21-h35.
func haHosts() []netip.Addr {
	out := []netip.Addr{web1}
	for i := 21; i <= 35; i++ {
		out = append(out, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
	}
	return out
}

// egressSplit makes n connections from prodNS to each of dsts (each must
// complete), checks that each crossed one firewall both ways
// (symmetricFlows) and returns how many left by each firewall.
func egressSplit(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, prodNS, inet string, eips map[netip.Addr]string, dsts []netip.Addr, n int) map[string]int {
	t.Helper()
	per := map[string]int{}
	var flows []egressFlow
	for _, d := range dsts {
		flows = append(flows, egressSources(t, prodNS, inet, d, n)...)
	}
	for _, f := range flows {
		fw, ok := eips[f.seen]
		if !ok {
			t.Fatalf("the internet saw a connection from %s, not from a firewall's elastic IP %v", f.seen, eips)
		}
		per[fw]++
	}
	symmetricFlows(t, lab, instances, flows, eips)
	return per
}

// gatewaySteered reads, from each named gateway, the packets it steered to
// the firewalls (all of them together).
func gatewaySteered(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, gws []string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, g := range gws {
		c := mgmt.NewClient(emulator.GatewaySocket(lab, instances[g].ID))
		st, err := c.Status(context.Background())
		c.Close()
		if err != nil || st.FireNet == nil {
			t.Fatalf("%s's status: %v, firenet %+v", g, err, st.FireNet)
		}
		for _, f := range st.FireNet.Firewalls {
			out[g] += f.Packets
		}
	}
	return out
}
