package main

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/l7proxy"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/internal/roottest"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const gcpFireNetTopology = "testdata/gcp-firenet.yaml"

// TestGCPFireNetLab (root): FireNet on a GCP transit
// (testdata/gcp-firenet.yaml), east-west and egress. The matrix is as the
// intent says (the services' verdicts probed); the routes of the transit
// subnet's network tag send both domains' prefixes to transit-1 (the
// firewalls' way back) and each firewall is an instance with canIpForward
// on one interface with an external address (read through the Compute
// Engine library); pings from prod-app to dev-app are steered to the
// firewalls; 40 connections split over both firewalls by the 5-tuple
// hash, each in exactly one firewall's connection table, from prod-app's
// own address both ways (no SNAT); tcp/22 is dropped by the rule while
// ICMP passes; prod's internet egress leaves by the firewalls' external
// addresses (checkFireNetEgress); stopping the firewall that carries a
// ping stream through the Compute Engine API moves it to the other within
// 2 s.
func TestGCPFireNetLab(t *testing.T) {
	lab := deployCloudLab(t, gcpFireNetTopology, "gcfn")
	checkMatrix(t, lab)
	svc, project := gcpService(t, lab)
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{"10.1.0.0/16", "10.2.0.0/16"} {
		if hop := gcpRouteHop(t, svc, project, "transit-vpc", dst); !strings.HasSuffix(hop, instances["transit-1"].ID) {
			t.Errorf("transit-vpc: %s via %q, want transit-1 (%s)", dst, hop, instances["transit-1"].ID)
		}
	}
	for _, fw := range []string{"fw1", "fw2"} {
		gcpCheckFirewall(t, svc, project, fw, instances[fw])
	}
	fireNetOneArmed(t, lab, instances, func(t *testing.T, lab, key, ns string) {
		gcpStop(t, svc, project, key, instances[key].ID, ns)
	})
}

// TestGCPFireNetHAEgressLab (root): FireNet egress on an HA GCP transit
// (testdata/gcp-firenet-ha.yaml), checked as TestFireNetHAEgressLab
// checks it on AWS: 48 connections to 16 internet hosts over both transit
// gateways and both firewalls, each whole in one firewall's connection
// table (the firewalls return each flow to the gateway that sent it,
// whose MAC address, which the Compute Engine API does not report, each
// learns by ARP on its interface), and the transit gateway carrying a
// ping stream stopped through the Compute Engine API moves the stream to
// the other within 3 s.
func TestGCPFireNetHAEgressLab(t *testing.T) {
	fireNetHAEgress(t, "testdata/gcp-firenet-ha.yaml", "gcfnha", func(t *testing.T, lab, key, ns string) {
		svc, project := gcpService(t, lab)
		gcpStop(t, svc, project, key, instanceID(t, lab, key), ns)
	})
}

// gcpCheckFirewall checks firewall instance fw through the Compute Engine
// library: canIpForward on, one network interface, in the transit's
// subnet, with an external address (its egress address, which the lab
// knows as its public IP).
func gcpCheckFirewall(t *testing.T, svc *compute.Service, project, fw string, in cloud.InstanceInfo) {
	t.Helper()
	w := strings.Split(in.ID, "/")
	vm, err := svc.Instances.Get(project, w[3], w[5]).Do()
	if err != nil {
		t.Fatal(err)
	}
	if !vm.CanIpForward || len(vm.NetworkInterfaces) != 1 || len(vm.NetworkInterfaces[0].AccessConfigs) != 1 ||
		vm.NetworkInterfaces[0].AccessConfigs[0].NatIP != in.PublicIP.String() || !in.PublicIP.IsValid() {
		t.Errorf("%s: canIpForward %v, interfaces %+v; want forwarding on one interface with external address %s", fw, vm.CanIpForward, vm.NetworkInterfaces, in.PublicIP)
		return
	}
	t.Logf("%s: %s on %s, external address %s", fw, vm.NetworkInterfaces[0].NetworkIP, vm.NetworkInterfaces[0].Subnetwork[strings.LastIndex(vm.NetworkInterfaces[0].Subnetwork, "/")+1:], in.PublicIP)
}

// gcpStop stops instance key (path id) through the Compute Engine API and
// waits until the realizer has removed its namespace ns.
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/instances/stop
func gcpStop(t *testing.T, svc *compute.Service, project, key, id, ns string) {
	t.Helper()
	w := strings.Split(id, "/")
	if _, err := svc.Instances.Stop(project, w[3], w[5]).Do(); err != nil {
		t.Fatalf("stop %s: %v", key, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for netns.Exists(ns) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // until the realizer has removed the instance's namespace
	}
	if netns.Exists(ns) {
		t.Fatalf("%s's namespace %s is still there 10 s after instances.stop", key, ns)
	}
}

// eastWestSplit makes n TCP connections from client's namespace (address
// src) to dst:8080, where a listener in server's namespace accepts each
// from src itself, and checks from the firewalls' own connection tables
// that each crossed exactly one firewall, untranslated both ways (its
// replies addressed to src, and counted); it returns how many crossed
// each.
func eastWestSplit(t *testing.T, lab string, instances map[string]cloud.InstanceInfo, client, server string, src, dst netip.Addr, n int) map[string]int {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(server, func() (err error) { ln, err = net.Listen("tcp4", netip.AddrPortFrom(dst, 8080).String()); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ports := map[uint16]bool{}
	for range n {
		var c net.Conn
		if err := netns.Do(client, func() (err error) {
			c, err = net.DialTimeout("tcp4", netip.AddrPortFrom(dst, 8080).String(), 3*time.Second)
			return err
		}); err != nil {
			t.Fatalf("connection %d: %v", len(ports)+1, err)
		}
		ln.(*net.TCPListener).SetDeadline(time.Now().Add(3 * time.Second))
		s, err := ln.Accept()
		ports[c.LocalAddr().(*net.TCPAddr).AddrPort().Port()] = true
		c.Close()
		if err != nil {
			t.Fatalf("%s accepted no connection %d: %v", dst, len(ports), err)
		}
		if got := s.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap(); got != src {
			t.Errorf("connection %d arrived from %s, want %s", len(ports), got, src)
		}
		s.Close()
	}
	at := map[uint16][]string{}
	for _, fw := range []string{"fw1", "fw2"} {
		var cts []*netlink.ConntrackFlow
		if err := netns.Do(emulator.InstanceNamespace(lab, instances[fw].ID), func() (err error) {
			cts, err = netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
			return err
		}); err != nil {
			t.Fatalf("%s's connection table: %v", fw, err)
		}
		for _, ct := range cts {
			if ct.Forward.Protocol != unix.IPPROTO_TCP || ct.Forward.DstPort != 8080 || !ct.Forward.DstIP.Equal(dst.AsSlice()) || !ports[ct.Forward.SrcPort] {
				continue
			}
			if !ct.Forward.SrcIP.Equal(src.AsSlice()) || !ct.Reverse.DstIP.Equal(src.AsSlice()) || ct.Reverse.Packets == 0 {
				t.Errorf("%s's flow from port %d: %s -> replies to %s, %d reply packets; want %s both ways, with replies",
					fw, ct.Forward.SrcPort, ct.Forward.SrcIP, ct.Reverse.DstIP, ct.Reverse.Packets, src)
			}
			at[ct.Forward.SrcPort] = append(at[ct.Forward.SrcPort], fw)
		}
	}
	per := map[string]int{}
	for p := range ports {
		if len(at[p]) != 1 {
			t.Errorf("flow from port %d is in the connection tables of %v; want exactly one firewall's", p, at[p])
			continue
		}
		per[at[p][0]]++
	}
	return per
}

// TestGCPFireNetL7Lab (root): the l7 engine (squid) on a GCP transit's
// firewalls (testdata/gcp-firenet-l7.yaml), checked as TestFireNetLab
// checks it on AWS (l7Blocks): GET /ok passes with the client's own
// address, /admin gets squid's 403 and never reaches the server, TLS
// naming blocked.example.net is cut while TLS to the same address passes,
// and inspect shows the decisions with their rules.
func TestGCPFireNetL7Lab(t *testing.T) {
	roottest.Require(t)
	if err := l7proxy.CheckSquid(); err != nil {
		roottest.Missing(t, "the firewalls run the l7 engine: %v", err)
	}
	lab := deployCloudLab(t, "testdata/gcp-firenet-l7.yaml", "gcfl7")
	checkMatrix(t, lab)
	l7Blocks(t, lab, "prod-app", workloadNS(t, lab, "shared-web"), netip.MustParseAddr("10.1.1.10"), netip.MustParseAddr("10.3.1.10"))
}
