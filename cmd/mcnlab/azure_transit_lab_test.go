package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/emulator"
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
// (VirtualAppliance), whose IP forwarding is on; FlightPath names the NSG
// rule that blocks dev-app from prod-db and says reachable once a rule is
// added through the Azure SDK (azureFlightPath); a spoke gateway killed,
// the UDR moves to its pair and prod-app keeps reaching dev-app.
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
	ctx := context.Background()
	f := azureNetwork(t, lab)
	tables, nics := f.NewRouteTablesClient(), f.NewInterfacesClient()
	for _, c := range []struct{ group, table, dst, hop, nic string }{
		{"rg-prod", "prod-vnet-app", "10.2.0.0/16", "10.1.0.10", "prod-1-nic"},
		{"rg-dev", "dev-vnet-app", "10.1.0.0/16", "10.2.0.10", "dev-1-nic"},
	} {
		if hop := udrHop(t, tables, c.group, c.table, c.dst); hop != "VirtualAppliance "+c.hop {
			t.Errorf("route table %s: %s -> %q, want VirtualAppliance %s", c.table, c.dst, hop, c.hop)
		}
		n, err := nics.Get(ctx, c.group, c.nic, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f := n.Properties.EnableIPForwarding; f == nil || !*f {
			t.Errorf("NIC %s: IP forwarding %v, want on", c.nic, f)
		}
	}
	azurePlan(t, lab)
	azureFlightPath(t, lab)
	azureFailover(t, lab, tables)
}

// azurePlan: mcnlab plan of the deployed topology finds nothing to do, and
// of the topology with one more workload lists the ARM operations that
// would add it, making none; inspect lists the gateways.
func azurePlan(t *testing.T, lab string) {
	if out, _, err := run(t, "plan", "-t", azureTransit, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan of the deployed topology: %v\n%s", err, out)
	}
	src, err := os.ReadFile(azureTransit)
	if err != nil {
		t.Fatal(err)
	}
	more := filepath.Join(t.TempDir(), "azure-transit.yaml")
	src = []byte(strings.Replace(string(src), "      dev-app: {subnet: app, address: 10.2.1.10}\n",
		"      dev-app: {subnet: app, address: 10.2.1.10}\n      dev-web: {subnet: app, address: 10.2.1.20}\n", 1))
	if err := os.WriteFile(more, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "plan", "-t", more, "--lab", lab)
	for _, want := range []string{
		"Microsoft.Network networkSecurityGroups/write dev-vnet/dev-web resourceGroup=rg-dev location=westeurope",
		"Microsoft.Network networkInterfaces/write dev-web resourceGroup=rg-dev location=westeurope subnet=/subscriptions/",
		"Microsoft.Compute virtualMachines/write dev-web resourceGroup=rg-dev location=westeurope vmSize=Standard_B1s",
	} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("plan with dev-web: %v\n%s\nwant a line with %q", err, out, want)
		}
	}
	if out, _, err := run(t, "plan", "-t", azureTransit, "--lab", lab); err != nil || !strings.Contains(out, "no changes") {
		t.Errorf("plan made calls: %v\n%s", err, out)
	}
	if out, _, err := run(t, "inspect", "--lab", lab); err != nil || !strings.Contains(out, "transit-1") || !strings.Contains(out, "dev-2") {
		t.Errorf("inspect: %v\n%s", err, out)
	}
}

// udrHop is the next hop of dst in a route table, read through the Azure
// SDK: its type and address ("" when no route is for dst).
func udrHop(t *testing.T, tables *armnetwork.RouteTablesClient, group, table, dst string) string {
	t.Helper()
	rt, err := tables.Get(context.Background(), group, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rt.Properties.Routes {
		if p := r.Properties; *p.AddressPrefix == dst && p.NextHopIPAddress != nil {
			return string(*p.NextHopType) + " " + *p.NextHopIPAddress
		}
	}
	return ""
}

// azureFailover kills prod-1's gateway daemon under a probe stream from
// prod-app to dev-app: prod's UDR to dev moves to prod-2's NIC, and back
// once the cloud has restarted prod-1's daemon.
func azureFailover(t *testing.T, lab string, tables *armnetwork.RouteTablesClient) {
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	node := strings.TrimPrefix(emulator.InstanceNamespace(lab, instances["prod-1"].ID), emulator.NamespaceName(lab, ""))
	pids, err := emulator.NodePIDs(lab, node)
	if err != nil || len(pids) != 1 {
		t.Fatalf("prod-1's gateway: pids %v, %v", pids, err)
	}
	var moved, back time.Duration
	pr := probeDuring(t, workloadNS(t, lab, "prod-app"), netip.MustParseAddr("10.2.1.10"), func() {
		if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for udrHop(t, tables, "rg-prod", "prod-vnet-app", "10.2.0.0/16") != "VirtualAppliance 10.1.0.11" {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("prod's UDR to 10.2.0.0/16 not at prod-2 (10.1.0.11) 10 s after prod-1 died")
			}
			time.Sleep(10 * time.Millisecond) // polling the cloud's route table, bounded
		}
		moved = time.Since(start)
		for udrHop(t, tables, "rg-prod", "prod-vnet-app", "10.2.0.0/16") != "VirtualAppliance 10.1.0.10" {
			if time.Since(start) > 20*time.Second {
				t.Fatalf("prod's UDR to 10.2.0.0/16 not back at the restarted prod-1 (10.1.0.10) 20 s after it died")
			}
			time.Sleep(10 * time.Millisecond)
		}
		back = time.Since(start) - moved
	})
	t.Logf("prod-1 killed: UDR moved to prod-2 in %s, back to the restarted prod-1 %s later; %d probes lost, longest outage %s",
		moved.Round(time.Millisecond), back.Round(time.Millisecond), pr.Lost, pr.Outage.Round(time.Millisecond))
	if pr.Outage > 3*time.Second {
		t.Errorf("prod-app lost dev-app for %s when prod-1 died, want under 3 s", pr.Outage)
	}
}
