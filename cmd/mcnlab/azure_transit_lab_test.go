package main

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud/azure"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const azureTransit = "../../topologies/azure-transit.yaml"

// TestAzureTransitLab deploys topologies/azure-transit.yaml through the
// commands every lab goes through (deploy; destroy, which leaves nothing):
// the controller builds the three VNets and six gateway VMs through the
// emulated Azure Resource Manager, the gateways converge, every pair of
// workloads is as simulate says (dev-app does not reach prod-db, whose
// NSG admits prod only), and, read through the Azure SDK, the spoke
// subnets' route tables send the other spoke's VNet to their gateway's NIC
// (VirtualAppliance), whose IP forwarding is on.
func TestAzureTransitLab(t *testing.T) {
	lab := deployCloudLab(t, azureTransit, "azt")
	cm := checkMatrix(t, lab)
	seen := 0
	for _, c := range cm.Cells {
		if c.Seen {
			seen++
		}
		if c.From == "dev-app" && c.To == "prod-db" && c.Seen {
			t.Errorf("dev-app reached prod-db, whose NSG admits prod only")
		}
	}
	if len(cm.Cells) != 6 || seen != 5 {
		t.Errorf("%d pairs, %d reached; want 6 and 5", len(cm.Cells), seen)
	}
	ep, err := mcnlab.ReadEndpoint(lab, "azure")
	if err != nil {
		t.Fatal(err)
	}
	cred, opts, err := azure.LabClient(&ep)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tables, err := armnetwork.NewRouteTablesClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	nics, err := armnetwork.NewInterfacesClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ group, table, dst, hop, nic string }{
		{"rg-prod", "prod-vnet-app", "10.2.0.0/16", "10.1.0.10", "prod-1-nic"},
		{"rg-dev", "dev-vnet-app", "10.1.0.0/16", "10.2.0.10", "dev-1-nic"},
	} {
		rt, err := tables.Get(ctx, c.group, c.table, nil)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rt.Properties.Routes {
			p := r.Properties
			if *p.AddressPrefix == c.dst && *p.NextHopType == armnetwork.RouteNextHopTypeVirtualAppliance && p.NextHopIPAddress != nil && *p.NextHopIPAddress == c.hop {
				found = true
			}
		}
		if !found {
			t.Errorf("route table %s has no route %s -> VirtualAppliance %s", c.table, c.dst, c.hop)
		}
		n, err := nics.Get(ctx, c.group, c.nic, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f := n.Properties.EnableIPForwarding; f == nil || !*f {
			t.Errorf("NIC %s: IP forwarding %v, want on", c.nic, f)
		}
	}
}
