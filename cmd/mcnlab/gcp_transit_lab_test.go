package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud/gcp"
	"github.com/mcnlab/mcnlab/controller/tracker"
	"github.com/mcnlab/mcnlab/emulator"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

const gcpTransit = "../../topologies/gcp-transit.yaml"

// TestGCPTransitLab deploys topologies/gcp-transit.yaml through the
// commands every lab goes through (deploy; destroy, which leaves nothing):
// the controller builds the three VPC networks and six gateway instances
// through the emulated Compute Engine API, the gateways converge, every
// pair of workloads is as simulate says (dev-app does not reach prod-db,
// whose firewall rule admits prod only), and, read through the Go
// library, the spoke subnets' tag-scoped routes send the other spoke's
// network to their gateway instance, which forwards (canIpForward); plan
// then finds nothing to do; vpc-tracker names prod-vpc's network for a
// range of its subnet (gcpTracker); FlightPath, reading the firewall rules
// and routes through the GCP provider, gives every pair the ping's verdict
// and blames dev-app -> prod-db on the VPC firewall's rule
// (gcpFlightPath); a spoke gateway killed, the route moves to its
// pair and prod-app keeps reaching dev-app.
func TestGCPTransitLab(t *testing.T) {
	lab := deployCloudLab(t, gcpTransit, "gct")
	cm := checkMatrix(t, lab)
	seen := 0
	for _, c := range cm.Cells {
		if c.Seen {
			seen++
		}
		if c.From == "dev-app" && c.To == "prod-db" && c.Seen {
			t.Errorf("dev-app reached prod-db, whose firewall rule admits prod only")
		}
	}
	if len(cm.Cells) != 6 || seen != 5 {
		t.Errorf("%d pairs, %d reached; want 6 and 5", len(cm.Cells), seen)
	}
	svc, project := gcpService(t, lab)
	_, instances, err := mcnlab.PlanAndInstances(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ vpc, dst, gw string }{
		{"prod-vpc", "10.2.0.0/16", "prod-1"},
		{"dev-vpc", "10.1.0.0/16", "dev-1"},
	} {
		if hop := gcpRouteHop(t, svc, project, c.vpc, c.dst); !strings.HasSuffix(hop, instances[c.gw].ID) {
			t.Errorf("vpc %s: %s via %q, want instance %s (%s)", c.vpc, c.dst, hop, c.gw, instances[c.gw].ID)
		}
		id := instances[c.gw].ID
		w := strings.Split(id, "/")
		vm, err := svc.Instances.Get(project, w[3], w[5]).Do()
		if err != nil {
			t.Fatal(err)
		}
		if !vm.CanIpForward {
			t.Errorf("instance %s: canIpForward off", c.gw)
		}
	}
	if out, _, err := run(t, "plan", "-t", gcpTransit, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan of the deployed topology: %v\n%s", err, out)
	}
	gcpFlightPath(t, lab, cm)
	gcpTracker(t, lab)
	gcpFailover(t, lab, svc, project, instances["prod-1"].ID, instances["prod-2"].ID)
}

// gcpFlightPath asks FlightPath for a ping between every pair the matrix
// pinged: its verdict must be the ping's; dev-app -> prod-db must be
// blocked at prod-db by the firewall rules of prod-vpc's network (the
// implied deny of ingress, since its rule admits prod only), with the
// route to prod-db's spoke gateway matched in dev-app's end.
func gcpFlightPath(t *testing.T, lab string, cm *mcnlab.Matrix) {
	t.Helper()
	for _, c := range cm.Cells {
		fp := flightPath(t, lab, c.From, c.To)
		if fp.Reachable != c.Seen {
			t.Errorf("flightpath %s %s: reachable %v (%s), the ping %v", c.From, c.To, fp.Reachable, fp.Reason, c.Seen)
		}
		if c.From != "dev-app" || c.To != "prod-db" {
			continue
		}
		if b := fp.Block; b == nil || b.Hop != "prod-db" || b.Kind != "filter" || !strings.Contains(b.Object, "/global/networks/vpc-prod-vpc-") ||
			!strings.HasPrefix(b.Rule, "inbound implied-deny-ingress (65535, default)") || !strings.HasPrefix(fp.Reason, "VPC firewall: the firewall rules of network vpc-prod-vpc-") {
			t.Errorf("flightpath dev-app prod-db: block %+v, reason %q; want prod-vpc's implied deny of ingress", b, fp.Reason)
		}
		matched := false
		if len(fp.Ends) == 2 && fp.Ends[0].RouteTable != nil {
			for _, r := range fp.Ends[0].RouteTable.Routes {
				matched = matched || r.Matched && r.Kind == "instance" && r.Destination.Contains(netip.MustParseAddr("10.1.1.20"))
			}
		}
		if !matched {
			t.Errorf("flightpath dev-app prod-db: dev-app's end %+v has no matched route to a gateway instance", fp.Ends[0].RouteTable)
		}
		t.Logf("flightpath dev-app prod-db: %s", fp.Reason)
	}
}

// gcpTracker: vpc-tracker --test 10.1.1.0/24 names prod-vpc's network,
// made by the lab, with the range of its subnet app (a GCP network has
// its subnets' ranges, none of its own), as the Compute Engine API lists
// it.
func gcpTracker(t *testing.T, lab string) {
	out, _, err := run(t, "vpc-tracker", "--lab", lab, "--test", "10.1.1.0/24", "--json")
	if err != nil {
		t.Fatalf("vpc-tracker --test: %v", err)
	}
	var got []tracker.Allocation
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if len(got) != 1 || !strings.Contains(got[0].Name, "prod-vpc") || got[0].CIDR.String() != "10.1.1.0/24" || !got[0].Managed ||
		!strings.Contains(got[0].ID, "/global/networks/vpc-prod-vpc-") || got[0].Account != "gcp-lab" {
		t.Fatalf("vpc-tracker --test 10.1.1.0/24 = %+v, want prod-vpc's network with 10.1.1.0/24 of gcp-lab, managed", got)
	}
}

// gcpService is a Compute Engine client of the lab's emulated GCP, as the
// controller makes one, and the lab's project.
func gcpService(t *testing.T, lab string) (*compute.Service, string) {
	t.Helper()
	ep, err := mcnlab.ReadEndpoint(lab, "gcp")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := gcp.LabService(context.Background(), &ep)
	if err != nil {
		t.Fatal(err)
	}
	return svc, ep.AccountID
}

// gcpRouteHop is the next hop instance of the learned route (priority
// 100 or 101, next hop an instance) to dst in the network of VPC vpc (the
// controller names it vpc-VPC-HASH), read through the Go library ("" when
// there is none; the lowest priority's when several).
func gcpRouteHop(t *testing.T, svc *compute.Service, project, vpc, dst string) string {
	t.Helper()
	hop, prio := "", int64(1<<31)
	err := svc.Routes.List(project).Pages(context.Background(), func(l *compute.RouteList) error {
		for _, r := range l.Items {
			if r.DestRange == dst && r.NextHopInstance != "" && r.Priority < prio && strings.Contains(r.Network, "/networks/vpc-"+vpc+"-") {
				hop, prio = r.NextHopInstance, r.Priority
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hop
}

// gcpFailover kills prod-1's gateway daemon under a probe stream from
// prod-app to dev-app: prod's route to dev moves to prod-2, and back once
// the cloud has restarted prod-1's daemon.
func gcpFailover(t *testing.T, lab string, svc *compute.Service, project, prod1, prod2 string) {
	node := strings.TrimPrefix(emulator.InstanceNamespace(lab, prod1), emulator.NamespaceName(lab, ""))
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
		for !strings.HasSuffix(gcpRouteHop(t, svc, project, "prod-vpc", "10.2.0.0/16"), prod2) {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("prod's route to 10.2.0.0/16 not via prod-2 10 s after prod-1 died")
			}
			time.Sleep(10 * time.Millisecond) // polling the cloud's routes, bounded
		}
		moved = time.Since(start)
		for !strings.HasSuffix(gcpRouteHop(t, svc, project, "prod-vpc", "10.2.0.0/16"), prod1) {
			if time.Since(start) > 20*time.Second {
				t.Fatalf("prod's route to 10.2.0.0/16 not back via the restarted prod-1 20 s after it died")
			}
			time.Sleep(10 * time.Millisecond)
		}
		back = time.Since(start) - moved
	})
	t.Logf("prod-1 killed: route moved to prod-2 in %s, back to the restarted prod-1 %s later; %d probes lost, longest outage %s",
		moved.Round(time.Millisecond), back.Round(time.Millisecond), pr.Lost, pr.Outage.Round(time.Millisecond))
	if pr.Outage > 3*time.Second {
		t.Errorf("prod-app lost dev-app for %s when prod-1 died, want under 3 s", pr.Outage)
	}
}
