package main

import (
	"context"
	"maps"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	ctlcloud "github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/cloud/azure"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestAzureCloudStateRestart: a lab's emulated Azure keeps its state file
// as the AWS cloud does. Killed with SIGKILL under a probe stream from
// prod-app to dev-app, it is restarted by the supervisor on that file:
// every VNet, NIC and VM is there with the ID and etag it had, the SDK
// client made before the kill (and its token) works on, traffic kept
// flowing (the dataplane is adopted, not remade), and the controller,
// which kept running, finds nothing to do (plan: no changes).
func TestAzureCloudStateRestart(t *testing.T) {
	lab := deployCloudLab(t, azureTransit, "azs")
	if !mcnlab.HasCloudState(lab) {
		t.Fatalf("lab %s's Azure cloud keeps no state file %s", lab, mcnlab.CloudStateFile(lab))
	}
	ep, cred, opts := azureLabClient(t, lab)
	vnets, err := armnetwork.NewVirtualNetworksClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	nics, err := armnetwork.NewInterfacesClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	vms, err := armcompute.NewVirtualMachinesClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	before := azureObjects(t, vnets, nics, vms)
	if len(before) < 3+6+6 {
		t.Fatalf("before the restart: %d objects, want the 3 VNets and the 6 gateways' NICs and VMs at least: %v", len(before), before)
	}
	old, _ := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon)
	var back time.Duration
	pr := probeDuring(t, workloadNS(t, lab, "prod-app"), netip.MustParseAddr("10.2.1.10"), func() {
		if err := syscall.Kill(old.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			if p, ok := mcnlab.DaemonOf(lab, mcnlab.CloudDaemon); ok && p.PID != old.PID && p.Alive() {
				if _, err := vnets.Get(context.Background(), "rg-prod", "prod-vnet", nil); err == nil {
					break
				}
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the Azure cloud is not back 30 s after SIGKILL; its log ends:\n%s", mcnlab.Tail(mcnlab.LogFile(lab, mcnlab.CloudDaemon), 20))
			}
			time.Sleep(20 * time.Millisecond) // polling the supervisor's restart, bounded
		}
		back = time.Since(start)
	})
	t.Logf("Azure cloud SIGKILLed: back on its state file and answering in %s; %d of %d probes lost, longest gap %s",
		back.Round(time.Millisecond), pr.Lost, pr.Sent, pr.Outage.Round(time.Millisecond))
	after := azureObjects(t, vnets, nics, vms)
	if !maps.Equal(before, after) {
		for id, tag := range before {
			if after[id] != tag {
				t.Errorf("after the restart %s has etag %q, had %q", id, after[id], tag)
			}
		}
		t.Errorf("after the restart: %d objects, before %d", len(after), len(before))
	}
	if pr.Outage > time.Second {
		t.Errorf("prod-app lost dev-app for %s while the cloud restarted, want the dataplane adopted (under 1 s)", pr.Outage)
	}
	if out, _, err := run(t, "plan", "-t", azureTransit, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan after the restart: %v\n%s", err, out)
	}
	checkMatrix(t, lab)
}

// azureObjects lists the subscription's VNets, NICs and VMs: each ID
// (lower case, as ARM compares them) and its etag (a VM's, which has
// none, its vmId).
func azureObjects(t *testing.T, vnets *armnetwork.VirtualNetworksClient, nics *armnetwork.InterfacesClient, vms *armcompute.VirtualMachinesClient) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for p := vnets.NewListAllPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			out[strings.ToLower(*v.ID)] = *v.Etag
		}
	}
	for p := nics.NewListAllPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page.Value {
			out[strings.ToLower(*n.ID)] = *n.Etag
		}
	}
	for p := vms.NewListAllPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			out[strings.ToLower(*v.ID)] = *v.Properties.VMID
		}
	}
	return out
}

// azureLabClient is the lab's Azure endpoint record and the SDK's
// credential and options for it.
func azureLabClient(t *testing.T, lab string) (ctlcloud.Endpoint, azcore.TokenCredential, *arm.ClientOptions) {
	t.Helper()
	ep, err := mcnlab.ReadEndpoint(lab, "azure")
	if err != nil {
		t.Fatal(err)
	}
	cred, opts, err := azure.LabClient(&ep)
	if err != nil {
		t.Fatal(err)
	}
	return ep, cred, opts
}
