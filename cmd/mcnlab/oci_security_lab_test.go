package main

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestOCIFireNetLab (root): FireNet on an OCI transit
// (testdata/oci-firenet.yaml), east-west and egress, checked as
// TestGCPFireNetLab checks it on GCP. The matrix is as the intent says
// (the services' verdicts probed); read through the OCI Go SDK, the
// transit subnet's route table sends both domains' prefixes to the
// primary private IP of transit-1's VNIC (the firewalls' way back), and
// each firewall's VNIC skips the source/destination check and holds its
// reserved public IP; pings from prod-app to dev-app are steered to the
// firewalls; 40 connections split over both firewalls by the 5-tuple
// hash, each in exactly one firewall's connection table, from prod-app's
// own address both ways (no SNAT); tcp/22 is dropped by the rule while
// ICMP passes; prod's internet egress leaves by the firewalls' public IPs
// (checkFireNetEgress); stopping the firewall that carries a ping stream
// (InstanceAction STOP) moves it to the other within 2 s.
func TestOCIFireNetLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/oci-firenet.yaml", "ocfn")
	checkMatrix(t, lab)
	vn, tenancy := ociClient(t, lab)
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{"10.1.0.0/16", "10.2.0.0/16"} {
		target := ociRouteTarget(t, vn, tenancy, "transit-vcn/gw", dst)
		pip, err := vn.GetPrivateIp(context.Background(), core.GetPrivateIpRequest{PrivateIpId: &target})
		if err != nil || pip.VnicId == nil || *pip.VnicId != instances["transit-1"].Interface {
			t.Errorf("transit-vcn/gw: %s via private IP %s (%+v, %v); want transit-1's VNIC %s", dst, target, pip.PrivateIp, err, instances["transit-1"].Interface)
		}
	}
	for _, fw := range []string{"fw1", "fw2"} {
		ociCheckFirewall(t, vn, fw, instances[fw])
	}
	fireNetOneArmed(t, lab, instances, ociStop)
}

// fireNetOneArmed checks a FireNet of one-armed firewalls fw1 and fw2
// (GCP's and OCI's: gcp-firenet.yaml and oci-firenet.yaml), inspecting
// prod-app (10.1.1.10) <-> dev-app (10.2.1.10) and prod's egress: pings
// are steered to the firewalls; 40 connections split over both by the
// 5-tuple hash (eastWestSplit: each in one firewall's connection table,
// untranslated); tcp/22 is dropped by the rule while ICMP passes; prod's
// egress leaves by the firewalls' public addresses (checkFireNetEgress);
// stopping the firewall that carries a ping stream through its cloud's
// API (stop) moves the stream to the other within 2 s.
func fireNetOneArmed(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, stop func(t *testing.T, lab, key, ns string)) {
	t.Helper()
	prod, dev := workloadNS(t, lab, "prod-app"), workloadNS(t, lab, "dev-app")
	src, dst := netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.2.1.10")
	after, carrier := steeredPings(t, lab, prod, dst)
	per := eastWestSplit(t, lab, instances, prod, dev, src, dst, 40)
	t.Logf("40 connections prod-app -> dev-app, by firewall: %v", per)
	if per["fw1"] == 0 || per["fw2"] == 0 {
		t.Errorf("40 connections all crossed one firewall: %v; want both used (5-tuple hash)", per)
	}
	dropped22(t, prod, dst, "the firewalls", func() uint64 { return firewallRule(t, lab, "fw1") + firewallRule(t, lab, "fw2") })
	if !reach(t, prod, dst, 3) {
		t.Errorf("ICMP stopped passing")
	}
	checkFireNetEgress(t, lab, instances, "dev-app")

	fwNS := emulator.InstanceNamespace(lab, instances[carrier].ID)
	outage := outageDuring(t, prod, dst, func() { stop(t, lab, carrier, fwNS) })
	t.Logf("stopping %s: longest gap between answers %s", carrier, outage.Round(time.Millisecond))
	if outage > 2*time.Second {
		t.Errorf("the flow took %s to move to the other firewall; want at most 2 s", outage)
	}
	if d := steered(t, lab); d[otherFirewall(carrier)] <= after[otherFirewall(carrier)] {
		t.Errorf("the other firewall's counter did not rise: %v", d)
	}
}

// TestOCIFireNetHAEgressLab (root): FireNet egress on an HA OCI transit
// (testdata/oci-firenet-ha.yaml), checked as TestFireNetHAEgressLab
// checks it on AWS: 48 connections to 16 internet hosts over both transit
// gateways and both firewalls, each whole in one firewall's connection
// table (the firewalls return each flow to the gateway that sent it, by
// the macAddress the Core Services API reports for its VNIC), and the
// transit gateway carrying a ping stream stopped (InstanceAction STOP)
// moves the stream to the other within 3 s.
func TestOCIFireNetHAEgressLab(t *testing.T) {
	fireNetHAEgress(t, "testdata/oci-firenet-ha.yaml", "ocfnha", ociStop)
}

// ociCheckFirewall checks firewall instance fw's VNIC through the OCI Go
// SDK: it skips the source/destination check, and its public IP is the
// one the lab knows (its egress address).
func ociCheckFirewall(t *testing.T, vn core.VirtualNetworkClient, fw string, in cloud.InstanceInfo) {
	t.Helper()
	v, err := vn.GetVnic(context.Background(), core.GetVnicRequest{VnicId: &in.Interface})
	if err != nil {
		t.Fatal(err)
	}
	if v.SkipSourceDestCheck == nil || !*v.SkipSourceDestCheck || v.PublicIp == nil || *v.PublicIp != in.PublicIP.String() || !in.PublicIP.IsValid() {
		t.Errorf("%s: VNIC %+v; want skipSourceDestCheck and public IP %s", fw, v.Vnic, in.PublicIP)
		return
	}
	t.Logf("%s: VNIC %s, %s, public IP %s, skipSourceDestCheck", fw, *v.Id, *v.PrivateIp, *v.PublicIp)
}

// ociStop stops instance key through the Core Services API
// (InstanceAction STOP, through the lab's OCI provider) and waits until
// the realizer has removed its namespace ns.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Instance/InstanceAction — STOP powers the instance off
func ociStop(t *testing.T, lab, key, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := mcnlab.SetPower(ctx, lab, key, false); err != nil {
		t.Fatalf("stop %s: %v", key, err)
	}
	for netns.Exists(ns) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond) // until the realizer has removed the instance's namespace
	}
	if netns.Exists(ns) {
		t.Fatalf("%s's namespace %s is still there 30 s after STOP", key, ns)
	}
}

// steeredPings pings dst from prod (prod-app's namespace) 5 times and
// checks that the firewalls were steered the requests and replies (10
// packets or more); it returns the firewalls' steering counters after
// and one firewall that carried the pings.
func steeredPings(t *testing.T, lab, prod string, dst netip.Addr) (map[string]uint64, string) {
	t.Helper()
	before := steered(t, lab)
	if !reach(t, prod, dst, 5) {
		t.Fatalf("prod-app does not reach %s", dst)
	}
	after := steered(t, lab)
	var total uint64
	carrier := ""
	for fw, n := range after {
		if d := n - before[fw]; d > 0 {
			total += d
			carrier = fw
			t.Logf("%s: %d packets steered to it for 5 pings", fw, d)
		}
	}
	if total < 10 {
		t.Fatalf("the firewalls were steered %d packets for 5 echo requests and their replies, want 10 or more: %v -> %v", total, before, after)
	}
	return after, carrier
}

// TestOCIEgressLab (root): FQDN egress filtering on OCI
// (testdata/oci-egress.yaml). Read through the OCI Go SDK, the app
// subnet's route table sends 0.0.0.0/0 to the primary private IP of the
// egress gateway's VNIC, which skips the source/destination check (the
// gateway forwards what is not its own) and holds its public IP; and
// checkFQDNEgress holds: https://api.example.com answered and
// https://blocked.example.net, from the same server address, reset; the
// wildcard admits www.example.com; the internet sees the gateway's
// public IP; the base policy switched flips the results; the log names
// the rule of each decision. Instances resolve through the VCN's
// resolver at the base of its range plus two, as the lab's OCI has it.
func TestOCIEgressLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/oci-egress.yaml", "oceg")
	vn, tenancy := ociClient(t, lab)
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	target := ociRouteTarget(t, vn, tenancy, "dev-vcn/app", "0.0.0.0/0")
	pip, err := vn.GetPrivateIp(context.Background(), core.GetPrivateIpRequest{PrivateIpId: &target})
	if err != nil || pip.VnicId == nil || *pip.VnicId != instances["dev-egress"].Interface || pip.IpAddress == nil || *pip.IpAddress != "10.30.0.20" {
		t.Errorf("dev-vcn/app: 0.0.0.0/0 via private IP %s (%+v, %v); want dev-egress's 10.30.0.20 on VNIC %s", target, pip.PrivateIp, err, instances["dev-egress"].Interface)
	}
	ociCheckFirewall(t, vn, "dev-egress", instances["dev-egress"])
	checkFQDNEgress(t, lab, "10.30.0.2")
}
