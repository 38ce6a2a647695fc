package azure_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/azure"
)

// subnetNSG makes an NSG with one inbound deny of tcp/22 and associates
// it with the subnet spoke-vnet/app, through the Azure SDK, as a user of
// the subscription would.
func (e *env) subnetNSG(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cred, opts, err := azure.LabClient(&e.ep)
	if err != nil {
		t.Fatal(err)
	}
	f, err := armnetwork.NewClientFactory(sub, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	po := &runtime.PollUntilDoneOptions{Frequency: time.Millisecond}
	pl, err := f.NewSecurityGroupsClient().BeginCreateOrUpdate(ctx, "rg-spoke", "app-subnet-nsg", armnetwork.SecurityGroup{Location: to.Ptr("westeurope"),
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{{Name: to.Ptr("deny-ssh"),
			Properties: &armnetwork.SecurityRulePropertiesFormat{Priority: to.Ptr[int32](300), Access: to.Ptr(armnetwork.SecurityRuleAccessDeny),
				Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound), Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP),
				SourceAddressPrefix: to.Ptr("*"), SourcePortRange: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr("22")}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := pl.PollUntilDone(ctx, po)
	if err != nil {
		t.Fatal(err)
	}
	sc := f.NewSubnetsClient()
	s, err := sc.Get(ctx, "rg-spoke", "spoke-vnet", "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Properties.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: g.ID}
	ps, err := sc.BeginCreateOrUpdate(ctx, "rg-spoke", "spoke-vnet", "app", s.Subnet, nil)
	if err == nil {
		_, err = ps.PollUntilDone(ctx, po)
	}
	if err != nil {
		t.Fatal(err)
	}
	return *g.ID
}

// TestReadEnd reads a workload's end through the Azure SDK as FlightPath
// lays it out: its subnet's NSG and its NIC's, each with its rules and
// Azure's default rules, evaluated subnet first inbound; its effective
// routes, the system routes (Default) with the subnet route table's
// user-defined routes (User) that the controller synced, the
// VirtualAppliance next hop being the spoke gateway's address. An unknown
// key is an error naming it.
func TestReadEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, _, err := e.p.Apply(ctx, desired()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.SyncRoutes(ctx, "spoke-vnet/app", map[netip.Prefix]string{pfx("10.100.0.0/24"): "spoke-1"}); err != nil {
		t.Fatal(err)
	}
	subnetNSG := e.subnetNSG(t)
	pr := e.p.(cloud.PathReader)
	es, err := pr.ReadEnd(ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	if es.Address != ip("10.1.1.10") || es.SubnetCIDR != pfx("10.1.1.0/24") || !strings.HasSuffix(es.Subnet, "/virtualNetworks/spoke-vnet/subnets/app") ||
		!strings.Contains(es.Instance, "/virtualMachines/") || es.ACL != nil || len(es.Groups) != 0 {
		t.Errorf("end of app1: %+v", es)
	}
	in := cloud.NSGOrder(es.NSGs, true)
	if len(in) != 2 || in[0].ID != subnetNSG || in[0].Level != cloud.NSGSubnet || in[1].Level != cloud.NSGInterface || !strings.Contains(in[1].Name, "app1") {
		t.Fatalf("NSGs inbound %+v, want the subnet's %s then the NIC's", in, subnetNSG)
	}
	var names []string
	for _, r := range in[1].Ordered(true) {
		names = append(names, r.Name)
	}
	if want := []string{"allow-in-100", "deny-other-inbound", "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound"}; !slices.Equal(names, want) {
		t.Errorf("NIC NSG's inbound rules %v, want %v", names, want)
	}
	ssh := cloud.NSGPacket{Src: ip("10.10.1.10"), Dst: es.Address, Protocol: cloud.ProtocolTCP, Port: 22}
	if r, ok := in[0].Decide(true, ssh); !ok || r.Name != "deny-ssh" || r.Allow {
		t.Errorf("subnet NSG on ssh from the transit: %+v", r)
	}
	if r, ok := in[1].Decide(true, ssh); !ok || r.Name != "allow-in-100" || !r.Allow {
		t.Errorf("NIC NSG on ssh from the transit: %+v", r)
	}
	if !slices.Contains(in[1].VirtualNetwork, pfx("10.100.0.0/24")) || !slices.Contains(in[1].VirtualNetwork, pfx("10.1.0.0/16")) {
		t.Errorf("VirtualNetwork tag %v: want the VNet and the user-defined route's prefix", in[1].VirtualNetwork)
	}
	for dst, want := range map[string]string{"10.100.0.5": "10.100.0.0/24 instance 10.1.0.10 User", "10.1.0.7": "10.1.0.0/16 local VnetLocal Default",
		"8.8.8.8": "0.0.0.0/0 internet Internet Default"} {
		r := es.Table.Lookup(ip(dst))
		if r == nil || r.Destination.String()+" "+string(r.Kind)+" "+r.Target+" "+r.Source != want {
			t.Errorf("route to %s: %+v, want %s", dst, r, want)
		}
	}
	if !strings.HasSuffix(es.Table.ID, "/routeTables/spoke-vnet-app") {
		t.Errorf("route table %q, want the subnet's", es.Table.ID)
	}
	if _, err := pr.ReadEnd(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "instance nope") {
		t.Errorf("ReadEnd of an unknown key: %v", err)
	} else if errors.Unwrap(err) == nil {
		t.Errorf("ReadEnd of an unknown key: %v is not wrapped", err)
	}
}
