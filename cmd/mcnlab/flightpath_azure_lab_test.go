package main

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/api"
)

// azureFlightPath runs FlightPath on the Azure transit lab: dev-app to
// prod-db on tcp/5432 is blocked at prod-db by its NIC's NSG, named by
// its resource ID, and by the rule deny-other-inbound (priority 4096),
// marked among the NSG's rules and Azure's default rules; dev-app's end
// shows its effective routes, the system routes (Default) with the
// user-defined route to prod's VNet (User, VirtualAppliance to dev-1)
// marked; a TCP connect fails. Once an allow rule at priority 200 is
// added through the Azure SDK (SecurityRules.CreateOrUpdate, what `az
// network nsg rule create` calls), FlightPath says reachable, the connect
// succeeds, and tcp/22 stays blocked.
func azureFlightPath(t *testing.T, lab string) {
	dev, db := workloadNS(t, lab, "dev-app"), workloadNS(t, lab, "prod-db")
	dbAddr := netip.MustParseAddr("10.1.1.20")
	serveHiOn(t, db, netip.AddrPortFrom(dbAddr, 5432))

	fp := flightPath(t, lab, "dev-app", "prod-db", "--proto", "tcp", "--port", "5432")
	b := fp.Block
	if fp.Reachable || b == nil || b.Kind != "filter" || b.Hop != "prod-db" || !strings.Contains(b.Object, "/networkSecurityGroups/") ||
		!strings.Contains(b.Rule, "deny-other-inbound (4096)") {
		t.Fatalf("flightpath dev-app prod-db tcp/5432: reachable %v, block %+v (%s); want blocked at prod-db by its NSG's deny-other-inbound", fp.Reachable, b, fp.Reason)
	}
	nsgName := b.Object[strings.LastIndex(b.Object, "/")+1:]
	if !strings.Contains(fp.Reason, "network security group: "+nsgName) {
		t.Errorf("reason %q: want it to name NSG %s", fp.Reason, nsgName)
	}
	text, _, err := run(t, "flightpath", "--lab", lab, "dev-app", "prod-db", "--proto", "tcp", "--port", "5432")
	if err != nil || !strings.Contains(text, "dev-app -> prod-db, tcp/5432: BLOCKED") || !strings.Contains(text, "* deny-other-inbound (4096)") {
		t.Errorf("flightpath (text): %v\n%s", err, text)
	}
	t.Logf("mcnlab flightpath dev-app prod-db --proto tcp --port 5432:\n%s", text)
	checkAzureEnds(t, fp, b.Object)
	if connects(dev, dbAddr, 5432, time.Second) {
		t.Fatal("dev-app connects to prod-db:5432 while FlightPath says blocked")
	}

	addNSGRule(t, lab, "rg-prod", nsgName)
	fp = flightPath(t, lab, "dev-app", "prod-db", "--proto", "tcp", "--port", "5432")
	if !fp.Reachable || fp.Block != nil {
		t.Fatalf("after adding allow-dev-5432: reachable %v, block %+v (%s); want reachable", fp.Reachable, fp.Block, fp.Reason)
	}
	if !connects(dev, dbAddr, 5432, 2*time.Second) {
		t.Fatal("FlightPath says reachable, but dev-app does not connect to prod-db:5432")
	}
	if fp := flightPath(t, lab, "dev-app", "prod-db", "--proto", "tcp", "--port", "22"); fp.Reachable || fp.Block == nil || !strings.Contains(fp.Block.Rule, "deny-other-inbound") {
		t.Errorf("dev-app to prod-db tcp/22: reachable %v, block %+v; the new rule admits tcp/5432 only", fp.Reachable, fp.Block)
	}
}

// checkAzureEnds: prod-db's end lists its NIC's NSG (nsg) with the rule
// that decides marked and Azure's default rules; dev-app's route table
// holds system routes and marks the user-defined route to prod.
func checkAzureEnds(t *testing.T, fp api.FlightPath, nsg string) {
	t.Helper()
	if len(fp.Ends) != 2 {
		t.Fatalf("%d ends, want 2", len(fp.Ends))
	}
	ns := fp.Ends[1].NetworkSecurityGroups
	if len(ns) != 1 || ns[0].ID != nsg || ns[0].Association != "network interface" {
		t.Fatalf("prod-db's NSGs %+v, want its NIC's %s", ns, nsg)
	}
	var marked, defaults []string
	for _, r := range ns[0].Inbound {
		if r.Matched {
			marked = append(marked, r.Name)
		}
		if r.Default {
			defaults = append(defaults, r.Name)
		}
	}
	if strings.Join(marked, ",") != "deny-other-inbound" || strings.Join(defaults, ",") != "AllowVnetInBound,AllowAzureLoadBalancerInBound,DenyAllInBound" {
		t.Errorf("prod-db's NSG inbound: marked %v, default rules %v", marked, defaults)
	}
	rt := fp.Ends[0].RouteTable
	var match, system []string
	for _, r := range rt.Routes {
		if r.Matched {
			match = append(match, r.Destination.String()+" -> "+r.Target+" "+r.Source)
		}
		if r.Source == "Default" {
			system = append(system, r.Destination.String())
		}
	}
	if strings.Join(match, ",") != "10.1.0.0/16 -> 10.2.0.10 User" || len(system) == 0 || fp.Ends[0].NetworkACL != nil {
		t.Errorf("dev-app's route table %s: marked %v (want 10.1.0.0/16 -> 10.2.0.10 User), system routes %v", rt.ID, match, system)
	}
}

// azureNetwork is an Azure SDK network client factory on the lab's
// emulated Azure.
func azureNetwork(t *testing.T, lab string) *armnetwork.ClientFactory {
	t.Helper()
	ep, cred, opts := azureLabClient(t, lab)
	f, err := armnetwork.NewClientFactory(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// addNSGRule adds the rule allow-dev-5432 (priority 200, tcp/5432 from
// dev-app) to an NSG through the Azure SDK.
func addNSGRule(t *testing.T, lab, group, nsg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pl, err := azureNetwork(t, lab).NewSecurityRulesClient().BeginCreateOrUpdate(ctx, group, nsg, "allow-dev-5432", armnetwork.SecurityRule{Properties: &armnetwork.SecurityRulePropertiesFormat{
		Priority: to.Ptr[int32](200), Access: to.Ptr(armnetwork.SecurityRuleAccessAllow), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound),
		Protocol: to.Ptr(armnetwork.SecurityRuleProtocolTCP), SourceAddressPrefix: to.Ptr("10.2.1.10/32"), SourcePortRange: to.Ptr("*"),
		DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr("5432")}}, nil)
	if err == nil {
		_, err = pl.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
	}
	if err != nil {
		t.Fatalf("create security rule allow-dev-5432 in %s: %v", nsg, err)
	}
}
