package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/scenarios/differential"
)

// cloudRules changes the filters of a differential lab on Azure or GCP
// through the cloud's own SDK: rules with priorities, allows and denies,
// in the workloads' NSGs (Azure) or their network's firewall (GCP).
type cloudRules struct {
	cloud   string
	az      *armnetwork.SecurityRulesClient
	gce     *compute.Service
	project string
	// nsg is each workload's NIC NSG (Azure: its resource group and
	// name); network its network's path and tag its instance's
	// security-group tag (GCP).
	nsg      map[string][2]string
	network  map[string]string
	tag      map[string]string
	used     map[string][]int32 // priorities taken, by NSG
	n        int
	instance map[string]string // workload -> instance ID
}

// newCloudRules reads, through FlightPath's ends (the controller's
// providers), each workload's NSG or network, and through Compute
// Engine its instance's tags.
func newCloudRules(t *testing.T, d *fpLab, cl string, ids map[string]string) *cloudRules {
	t.Helper()
	c := &cloudRules{cloud: cl, nsg: map[string][2]string{}, network: map[string]string{}, tag: map[string]string{}, used: map[string][]int32{}, instance: ids}
	switch cl {
	case differential.Azure:
		ep, cred, opts := azureLabClient(t, d.lab)
		az, err := armnetwork.NewSecurityRulesClient(ep.AccountID, cred, opts)
		if err != nil {
			t.Fatal(err)
		}
		c.az = az
	case differential.GCP:
		c.gce, c.project = gcpService(t, d.lab)
	}
	for _, e := range d.plan.Endpoints {
		if e.VPC == "" || d.prov[e.Name] != cl {
			continue
		}
		end := d.end(t, e.Name)
		for _, g := range end.NetworkSecurityGroups {
			w := strings.Split(g.ID, "/")
			switch {
			case cl == differential.Azure && g.Association == "network interface" && len(w) >= 9:
				c.nsg[e.Name] = [2]string{w[4], w[8]}
			case cl == differential.GCP && g.Association == "network":
				c.network[e.Name] = strings.TrimSuffix(g.ID, "/firewalls")
			}
		}
		if cl == differential.GCP {
			p := strings.Split(ids[e.Name], "/")
			in, err := c.gce.Instances.Get(c.project, p[3], p[5]).Context(t.Context()).Do()
			if err != nil {
				t.Fatalf("get instance of %s: %v", e.Name, err)
			}
			for _, tg := range in.Tags.Items {
				if strings.HasPrefix(tg, "sg-") {
					c.tag[e.Name] = tg
				}
			}
		}
	}
	return c
}

// end is FlightPath's end of workload w: the cloud as the controller's
// provider reads it.
func (d *fpLab) end(t *testing.T, w string) api.FlightPathEnd {
	t.Helper()
	peer := ""
	for _, e := range d.plan.Endpoints {
		if e.Name != w {
			peer = e.Name
		}
	}
	fp, err := d.api.FlightPath(t.Context(), api.FlightPathRequest{From: w, To: peer})
	if err != nil || len(fp.Ends) == 0 {
		t.Fatalf("flightpath %s %s: %v", w, peer, err)
	}
	return fp.Ends[0]
}

// learnedOf are the routes to a gateway instance in FlightPath's end of
// w (Azure's effective routes, GCP's network routes for its tags).
func (d *fpLab) learnedOf(t *testing.T, w string) map[netip.Prefix]bool {
	out := map[netip.Prefix]bool{}
	if rt := d.end(t, w).RouteTable; rt != nil {
		for _, r := range rt.Routes {
			if r.Kind == "instance" && !r.Inactive {
				out[r.Destination] = true
			}
		}
	}
	return out
}

// rule adds an inbound rule to w's NSG (Azure: a free priority of
// 100-4095, between and around the controller's allow-in-100.. and its
// deny at 4096) or to its network's firewall for w's tag (GCP: priority
// 900, 1000 or 1100, around the controller's rules at 1000, where a deny
// wins a tie): an allow or a deny of proto ("-1" all, "tcp" fpPort,
// "icmp") from src; its undo deletes it.
// Azure: https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules
// GCP: https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules
func (c *cloudRules) rule(ctx context.Context, r *rand.Rand, w, proto string, src netip.Prefix) (string, *undo, error) {
	c.n++
	name, allow := fmt.Sprintf("fpd-%d", c.n), r.IntN(2) == 0
	access := map[bool]string{true: "allow", false: "deny"}[allow]
	if c.cloud == differential.GCP {
		prio := []int64{900, 1000, 1100}[r.IntN(3)]
		what := fmt.Sprintf("firewall rule %s of %s: %s %s from %s to tag %s at %d", name, c.network[w], access, proto, src, c.tag[w], prio)
		pp := []string{}
		ip := map[string]string{"-1": "all", "tcp": "tcp", "icmp": "icmp"}[proto]
		if proto == "tcp" {
			pp = []string{fmt.Sprint(fpPort)}
		}
		f := &compute.Firewall{Name: name, Network: "https://www.googleapis.com/compute/v1/" + c.network[w], Direction: "INGRESS", Priority: prio,
			SourceRanges: []string{src.String()}, TargetTags: []string{c.tag[w]}, ForceSendFields: []string{"Priority"}}
		if allow {
			f.Allowed = []*compute.FirewallAllowed{{IPProtocol: ip, Ports: pp}}
		} else {
			f.Denied = []*compute.FirewallDenied{{IPProtocol: ip, Ports: pp}}
		}
		if _, err := c.gce.Firewalls.Insert(c.project, f).Context(ctx).Do(); err != nil {
			return what, nil, err
		}
		return what, &undo{what: "delete " + what, do: func(ctx context.Context) error {
			_, err := c.gce.Firewalls.Delete(c.project, name).Context(ctx).Do()
			return err
		}}, nil
	}
	g := c.nsg[w]
	prio := int32(100 + r.IntN(3996))
	for slices.Contains(c.used[g[1]], prio) {
		prio = int32(100 + r.IntN(3996))
	}
	c.used[g[1]] = append(c.used[g[1]], prio)
	what := fmt.Sprintf("NSG %s rule %s: %s %s from %s at %d", g[1], name, access, proto, src, prio)
	acc, port := armnetwork.SecurityRuleAccessDeny, "*"
	if allow {
		acc = armnetwork.SecurityRuleAccessAllow
	}
	if proto == "tcp" {
		port = fmt.Sprint(fpPort)
	}
	azProto := map[string]armnetwork.SecurityRuleProtocol{"-1": armnetwork.SecurityRuleProtocolAsterisk, "tcp": armnetwork.SecurityRuleProtocolTCP,
		"icmp": armnetwork.SecurityRuleProtocolIcmp}[proto]
	po := &runtime.PollUntilDoneOptions{Frequency: 20 * time.Millisecond}
	pl, err := c.az.BeginCreateOrUpdate(ctx, g[0], g[1], name, armnetwork.SecurityRule{Properties: &armnetwork.SecurityRulePropertiesFormat{
		Priority: to.Ptr(prio), Access: to.Ptr(acc), Direction: to.Ptr(armnetwork.SecurityRuleDirectionInbound), Protocol: to.Ptr(azProto),
		SourceAddressPrefix: to.Ptr(src.String()), SourcePortRange: to.Ptr("*"), DestinationAddressPrefix: to.Ptr("*"), DestinationPortRange: to.Ptr(port)}}, nil)
	if err == nil {
		_, err = pl.PollUntilDone(ctx, po)
	}
	if err != nil {
		return what, nil, err
	}
	return what, &undo{what: "delete " + what, do: func(ctx context.Context) error {
		pd, err := c.az.BeginDelete(ctx, g[0], g[1], name, nil)
		if err == nil {
			_, err = pd.PollUntilDone(ctx, po)
		}
		c.used[g[1]] = slices.DeleteFunc(c.used[g[1]], func(p int32) bool { return p == prio })
		return err
	}}, nil
}

// mutateCloud is mutate of a workload w on Azure or GCP (cr its
// cloud's rules) with its peer: a run-time approval toggled, a rule
// taken back, or a rule added.
func (d *fpLab) mutateCloud(t *testing.T, r *rand.Rand, cr *cloudRules, w, peer *intent.Endpoint) (string, []string) {
	t.Helper()
	src := netip.PrefixFrom(d.addr[peer.Name], 32)
	if r.IntN(2) == 0 {
		src = peer.Prefix
	}
	proto := []string{"-1", "tcp", "icmp"}[r.IntN(3)]
	ctx := t.Context()
	d.cur = []string{w.Name, peer.Name}
	switch x := r.IntN(100); {
	case x < 15 && len(d.c.Approve) > 0:
		return d.toggleApproval(t, r), nil
	case x < 35 && len(d.added) > 0:
		i := r.IntN(len(d.added))
		u := d.added[i]
		d.added = slices.Delete(d.added, i, i+1)
		if err := u.do(ctx); err != nil {
			t.Fatalf("%s: %v", u.what, err)
		}
		return "undo: " + u.what, u.ends
	}
	what, u, err := cr.rule(ctx, r, w.Name, proto, src)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	u.ends = []string{w.Name, peer.Name}
	d.added = append(d.added, *u)
	return what, u.ends
}
