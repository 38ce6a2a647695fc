package main

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/dataplane/fwmgmt"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// psfRule reads the packets of the rule named name of the firewall
// engine of instance in (false: no such rule).
func psfRule(t *testing.T, lab string, in cloud.InstanceInfo, name string) (fwmgmt.Status, uint64, bool) {
	t.Helper()
	cl := fwmgmt.NewClient(emulator.GatewaySocket(lab, in.ID))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatalf("status of the PSF gateway: %v", err)
	}
	for _, r := range st.Rules {
		if r.Name == name {
			return st, r.Packets, true
		}
	}
	return st, 0, false
}

// ingressTables reads the route tables associated with an internet
// gateway through the AWS CLI: their gateway and routes to interfaces.
func ingressTables(t *testing.T, lab string) map[string]map[string]string {
	t.Helper()
	var out struct {
		RouteTables []struct {
			Associations []struct{ GatewayId string }
			Routes       []struct{ DestinationCidrBlock, NetworkInterfaceId string }
		}
	}
	awsCLI(t, lab, &out, "ec2", "describe-route-tables")
	got := map[string]map[string]string{}
	for _, rt := range out.RouteTables {
		for _, a := range rt.Associations {
			if a.GatewayId == "" {
				continue
			}
			got[a.GatewayId] = map[string]string{}
			for _, r := range rt.Routes {
				if r.NetworkInterfaceId != "" {
					got[a.GatewayId][r.DestinationCidrBlock] = r.NetworkInterfaceId
				}
			}
		}
	}
	return got
}

// TestPSFLab deploys a public web workload behind a Public Subnet
// Filtering gateway with GuardDuty enforced (poll 1 s): the internet
// gateway's route table (aws ec2 describe-route-tables) sends the web
// subnet to the gateway's interface, and the gateway's connection table
// holds the clients' flows; the attacker reaches web, and within the poll
// interval + 2 s it is blocked both by a deny entry in the web subnet's
// network ACL and by a deny rule at the gateway, whose packet counter
// rises with each further try; the friend (excluded) and the client
// still reach web, and the gateway has no rule for the friend; inspect
// shows the gateway's rules and the block event.
func TestPSFLab(t *testing.T) {
	lab := deployCloudLab(t, "testdata/aws-psf.yaml", "psf")
	attacker, friend, client := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("192.0.2.77"), netip.MustParseAddr("192.0.2.88")
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	web, psf := instances["web"], instances["web-psf"]
	if !web.PublicIP.IsValid() || psf.ID == "" {
		t.Fatalf("web = %+v, web-psf = %+v; want a public web and a PSF gateway", web, psf)
	}
	tables := ingressTables(t, lab)
	if len(tables) != 1 {
		t.Fatalf("route tables associated with a gateway: %v; want the internet gateway's", tables)
	}
	for gw, routes := range tables {
		if !strings.HasPrefix(gw, "igw-") || routes["10.30.2.0/24"] != psf.Interface || len(routes) != 1 {
			t.Fatalf("gateway %s's route table: %v; want 10.30.2.0/24 to web-psf's interface %s", gw, routes, psf.Interface)
		}
	}
	serveHi(t, emulator.InstanceNamespace(lab, web.ID), web.PrivateIP)
	labGuardDuty(t, lab, 20*time.Second)
	inet := emulator.NamespaceName(lab, "inet")
	for _, src := range []netip.Addr{client, friend} {
		if err := connectFrom(inet, src, web.PublicIP, 2*time.Second); err != nil {
			t.Fatalf("%s cannot reach web at %s through web-psf: %v", src, web.PublicIP, err)
		}
	}
	if st, _, _ := psfRule(t, lab, psf, ""); st.Established.Packets == 0 {
		t.Fatalf("web-psf passed no packet of an allowed connection: %+v; the internet flows did not cross it", st)
	}

	first := time.Now()
	if err := connectFrom(inet, attacker, web.PublicIP, 2*time.Second); err != nil {
		t.Fatalf("the attacker cannot reach web at %s before its block: %v", web.PublicIP, err)
	}
	const limit = time.Second + 2*time.Second // poll + 2 s
	rule := "guardduty-" + attacker.String()
	for {
		_, _, atPSF := psfRule(t, lab, psf, rule)
		if atPSF && connectFrom(inet, attacker, web.PublicIP, 250*time.Millisecond) != nil {
			break
		}
		if time.Since(first) > limit {
			t.Fatalf("%s after the attacker's first connection: rule %s at web-psf %v, and the attacker is not blocked (limit %s)",
				time.Since(first).Round(time.Millisecond), rule, atPSF, limit)
		}
		time.Sleep(50 * time.Millisecond) // the attacker's next try
	}
	t.Logf("attacker blocked in the network ACL and at web-psf %s after its first connection (limit %s)", time.Since(first).Round(time.Millisecond), limit)

	checkPSFBlock(t, lab, psf, attacker, web.PublicIP)
	for _, src := range []netip.Addr{client, friend} {
		if err := connectFrom(inet, src, web.PublicIP, 2*time.Second); err != nil {
			t.Errorf("%s cannot reach web after the attacker's block: %v", src, err)
		}
	}
	if _, _, ok := psfRule(t, lab, psf, "guardduty-"+friend.String()); ok {
		t.Error("web-psf has a rule for the excluded friend")
	}
	out, _, err := run(t, "inspect", "--lab", lab)
	ruleLine := false
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 7 && f[0] == "web-psf" && f[1] == rule && f[4] == "deny" && f[5] != "0" {
			ruleLine = true
		}
		if strings.HasPrefix(line, "web-psf") {
			t.Logf("inspect: %s", strings.TrimSpace(line))
		}
	}
	if err != nil || !strings.Contains(out, "PUBLIC SUBNET FILTERING GATEWAY") || !ruleLine ||
		!strings.Contains(out, "at Public Subnet Filtering gateway web-psf: deny rule "+rule) {
		t.Errorf("inspect: %v; want web-psf's rule %s with its dropped packets and the block event:\n%s", err, rule, out)
	}
}

// checkPSFBlock checks a blocked attacker at PSF gateway psf: each
// further try of the attacker to reach dst is a packet dropped by the
// gateway's rule for it, and a network ACL of the lab (the probed
// subnet's, through the AWS CLI) has one inbound deny entry for it.
func checkPSFBlock(t *testing.T, lab string, psf cloud.InstanceInfo, attacker, dst netip.Addr) {
	t.Helper()
	rule := "guardduty-" + attacker.String()
	_, before, ok := psfRule(t, lab, psf, rule)
	if !ok {
		t.Fatalf("the PSF gateway has no rule %s", rule)
	}
	inet := emulator.NamespaceName(lab, "inet")
	if err := connectFrom(inet, attacker, dst, 500*time.Millisecond); err == nil {
		t.Fatal("the attacker reached its target after its block")
	}
	if _, after, _ := psfRule(t, lab, psf, rule); after <= before {
		t.Errorf("the PSF gateway's rule %s counted %d packets before the attacker's try and %d after; want more", rule, before, after)
	}
	var acls struct {
		NetworkAcls []struct {
			Entries []struct {
				RuleAction, CidrBlock string
				Egress                bool
			}
		}
	}
	awsCLI(t, lab, &acls, "ec2", "describe-network-acls")
	denied := 0
	for _, a := range acls.NetworkAcls {
		for _, e := range a.Entries {
			if e.RuleAction == "deny" && !e.Egress && e.CidrBlock == netip.PrefixFrom(attacker, 32).String() {
				denied++
			}
		}
	}
	if denied != 1 {
		t.Errorf("network ACL deny entries for %s: %d, want 1", attacker, denied)
	}
}
