package main

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// TestAzureFireNetHAEgressLab (root): FireNet egress on an HA Azure
// transit (testdata/azure-firenet-ha.yaml), checked as
// TestFireNetHAEgressLab checks it on AWS: 48 connections to 16 internet
// hosts over both transit gateways and both firewalls, each whole in one
// firewall's connection table (the firewalls return each flow to the
// gateway that sent it, by the MAC address ARM reports for its NIC), and
// the transit gateway carrying a ping stream powered off through the
// Azure SDK moves the stream to the other within 3 s.
func TestAzureFireNetHAEgressLab(t *testing.T) {
	fireNetHAEgress(t, "testdata/azure-firenet-ha.yaml", "azfnha", azurePowerOff)
}

// azurePowerOff powers VM key (in resource group rg-transit) off through
// the Azure SDK and waits until the realizer has removed its namespace ns.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/power-off — the VM stops running (it keeps its resources)
func azurePowerOff(t *testing.T, lab, key, ns string) {
	t.Helper()
	ep, cred, opts := azureLabClient(t, lab)
	vms, err := armcompute.NewVirtualMachinesClient(ep.AccountID, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pl, err := vms.BeginPowerOff(ctx, "rg-transit", key, nil)
	if err == nil {
		_, err = pl.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
	}
	if err != nil {
		t.Fatalf("power off %s: %v", key, err)
	}
	for netns.Exists(ns) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond) // until the realizer has removed the VM's namespace
	}
	if netns.Exists(ns) {
		t.Fatalf("%s's namespace %s is still there 30 s after powerOff", key, ns)
	}
}
