package azure

import (
	"context"
	"slices"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// peerIn is one side of a peering for the SDK.
func peerIn(remote string, forwarded bool) armnetwork.VirtualNetworkPeering {
	return armnetwork.VirtualNetworkPeering{Properties: &armnetwork.VirtualNetworkPeeringPropertiesFormat{
		RemoteVirtualNetwork: &armnetwork.SubResource{ID: to.Ptr(rgID + "virtualNetworks/" + remote)}, AllowForwardedTraffic: to.Ptr(forwarded)}}
}

func peeringState(t *testing.T, pc *armnetwork.VirtualNetworkPeeringsClient, vnet, name string) string {
	t.Helper()
	p, err := pc.Get(context.Background(), "rg1", vnet, name, nil)
	if err != nil {
		t.Fatalf("get peering %s/%s: %v", vnet, name, err)
	}
	return string(*p.Properties.PeeringState)
}

// TestPeerings: A->B is Initiated until B->A exists, then both are
// Connected with each side's own options; overlapping address spaces and
// remote gateways that do not exist are refused with Azure's codes;
// deleting one side leaves the other Disconnected, which stops the side
// from being made again (RemotePeeringIsDisconnected) until the other is
// updated; the effective routes of a NIC in A show B (VNetPeering) and
// not C, which only B peers with.
func TestPeerings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	makeGroup(t, e, "rg1")
	c := newClients(t, e)
	for name, cidr := range map[string][2]string{"va": {"10.1.0.0/16", "10.1.0.0/24"}, "vb": {"10.2.0.0/16", "10.2.0.0/24"},
		"vc": {"10.3.0.0/16", "10.3.0.0/24"}, "vx": {"10.1.128.0/17", "10.1.128.0/24"}} {
		poll(c.vnets.BeginCreateOrUpdate(ctx, "rg1", name, vnet(cidr[0], subnet("s", cidr[1], "")), nil)).must(t)
	}
	f, _ := armnetwork.NewClientFactory(testSub, e.cred, e.opts)
	pc := f.NewVirtualNetworkPeeringsClient()
	ab := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "va", "a-b", peerIn("vb", false), nil)).must(t)
	if *ab.Properties.PeeringState != "Initiated" || *ab.Properties.AllowVirtualNetworkAccess != true || *ab.Properties.RemoteAddressSpace.AddressPrefixes[0] != "10.2.0.0/16" {
		t.Fatalf("first side: %+v", ab.Properties)
	}
	ba := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "vb", "b-a", peerIn("va", true), nil)).must(t)
	if *ba.Properties.PeeringState != "Connected" || peeringState(t, pc, "va", "a-b") != "Connected" || !*ba.Properties.AllowForwardedTraffic {
		t.Fatalf("second side: %+v", ba.Properties)
	}
	poll(pc.BeginCreateOrUpdate(ctx, "rg1", "vb", "b-c", peerIn("vc", false), nil)).must(t)
	poll(pc.BeginCreateOrUpdate(ctx, "rg1", "vc", "c-b", peerIn("vb", false), nil)).must(t)
	_, err := pc.BeginCreateOrUpdate(ctx, "rg1", "va", "a-x", peerIn("vx", false), nil)
	wantCode(t, err, "VnetAddressSpacesOverlap", 400)
	gw := peerIn("vc", false)
	gw.Properties.UseRemoteGateways = to.Ptr(true)
	_, err = pc.BeginCreateOrUpdate(ctx, "rg1", "va", "a-c", gw, nil)
	wantCode(t, err, "RemoteVnetHasNoGateways", 400)
	var names []string
	for pg := pc.NewListPager("rg1", "vb", nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Value {
			names = append(names, *p.Name+"="+string(*p.Properties.PeeringState))
		}
	}
	if slices.Sort(names); !slices.Equal(names, []string{"b-a=Connected", "b-c=Connected"}) {
		t.Fatalf("vb's peerings: %v", names)
	}
	checkNonTransitive(t, e, f)
	poll(pc.BeginDelete(ctx, "rg1", "va", "a-b", nil)).must(t)
	if s := peeringState(t, pc, "vb", "b-a"); s != "Disconnected" {
		t.Fatalf("remaining side: %s", s)
	}
	_, err = pc.BeginCreateOrUpdate(ctx, "rg1", "va", "a-b", peerIn("vb", false), nil)
	wantCode(t, err, "RemotePeeringIsDisconnected", 400)
	if again := poll(pc.BeginCreateOrUpdate(ctx, "rg1", "vb", "b-a", peerIn("va", true), nil)).must(t); *again.Properties.PeeringState != "Initiated" {
		t.Fatalf("updated disconnected side: %s", *again.Properties.PeeringState)
	}
	poll(pc.BeginCreateOrUpdate(ctx, "rg1", "va", "a-b", peerIn("vb", false), nil)).must(t)
	if s := peeringState(t, pc, "vb", "b-a"); s != "Connected" {
		t.Fatalf("after both sides again: %s", s)
	}
	v, _ := c.vnets.Get(ctx, "rg1", "va", nil)
	if len(v.Properties.VirtualNetworkPeerings) != 1 || *v.Properties.VirtualNetworkPeerings[0].Name != "a-b" {
		t.Fatalf("inline peerings of va: %+v", v.Properties.VirtualNetworkPeerings)
	}
}

// checkNonTransitive: a NIC in va routes to vb through the peering and
// has no route to vc (va-vb and vb-vc peered, va-vc not); vc's range
// falls to the system route to None of 10.0.0.0/8.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-peering-overview — peering is not transitive
func checkNonTransitive(t *testing.T, e *env, f *armnetwork.ClientFactory) {
	t.Helper()
	ctx := context.Background()
	nc := f.NewInterfacesClient()
	poll(nc.BeginCreateOrUpdate(ctx, "rg1", "nica", nicIn(rgID+"virtualNetworks/va/subnets/s", "", "", ""), nil)).must(t)
	res := poll(nc.BeginGetEffectiveRouteTable(ctx, "rg1", "nica", nil)).must(t)
	got := map[string]string{}
	for _, r := range res.Value {
		got[*r.AddressPrefix[0]] = string(*r.NextHopType) + "/" + string(*r.State)
	}
	want := map[string]string{"10.1.0.0/16": "VnetLocal/Active", "10.2.0.0/16": "VNetPeering/Active", "0.0.0.0/0": "Internet/Active",
		"10.0.0.0/8": "None/Active", "172.16.0.0/12": "None/Active", "192.168.0.0/16": "None/Active", "100.64.0.0/10": "None/Active"}
	if len(got) != len(want) {
		t.Fatalf("effective routes %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("effective routes %v, want %v", got, want)
		}
	}
	poll(nc.BeginDelete(ctx, "rg1", "nica", nil)).must(t)
}
