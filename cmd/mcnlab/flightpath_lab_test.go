package main

import (
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// flightPath runs `mcnlab flightpath --json` and decodes its answer.
func flightPath(t *testing.T, lab string, args ...string) api.FlightPath {
	t.Helper()
	out, stderr, err := run(t, append([]string{"flightpath", "--lab", lab, "--json"}, args...)...)
	if err != nil {
		t.Fatalf("flightpath %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	var fp api.FlightPath
	if err := json.Unmarshal([]byte(out), &fp); err != nil {
		t.Fatalf("flightpath %s: decode %s: %v", strings.Join(args, " "), out, err)
	}
	return fp
}

// connects reports whether a TCP connection from ns to dst:port
// completes within timeout.
func connects(ns string, dst netip.Addr, port int, timeout time.Duration) bool {
	var c net.Conn
	err := netns.Do(ns, func() (err error) {
		c, err = net.DialTimeout("tcp4", netip.AddrPortFrom(dst, uint16(port)).String(), timeout)
		return err
	})
	if c != nil {
		c.Close()
	}
	return err == nil
}

// TestFlightPathDemo runs FlightPath on the demo (topologies/aws-transit.yaml):
// dev-app to shared-db on tcp/5432 is blocked by shared-db's security
// group, named by its ID, and a TCP connect fails; once the rule is added
// with the AWS CLI (`aws ec2 authorize-security-group-ingress`) FlightPath
// says reachable and the connect succeeds. dev-app to prod-app is blocked
// by the domain policy, named; shared-web to dc1-app by the pending
// approval of 10.100.0.0/24, named, and reachable once approved, as a
// ping sees.
func TestFlightPathDemo(t *testing.T) {
	lab := deployAWSTransit(t)
	dev, db := workloadNS(t, lab, "dev-app"), workloadNS(t, lab, "shared-db")
	dbAddr := netip.MustParseAddr("10.3.1.20")
	var groups struct{ SecurityGroups []struct{ GroupId string } }
	awsCLI(t, lab, &groups, "ec2", "describe-security-groups", "--filters", "Name=tag:Name,Values=shared-vpc/shared-db")
	if len(groups.SecurityGroups) != 1 {
		t.Fatalf("aws ec2 describe-security-groups: %d groups named shared-vpc/shared-db, want 1", len(groups.SecurityGroups))
	}
	sg := groups.SecurityGroups[0].GroupId
	serveHiOn(t, db, netip.AddrPortFrom(dbAddr, 5432))

	fp := flightPath(t, lab, "dev-app", "shared-db", "--proto", "tcp", "--port", "5432")
	if fp.Reachable || fp.Block == nil || fp.Block.Kind != "filter" || !strings.HasPrefix(fp.Block.Object, sg) || fp.Block.Hop != "shared-db" {
		t.Fatalf("flightpath dev-app shared-db tcp/5432: reachable %v, block %+v; want blocked by security group %s at shared-db", fp.Reachable, fp.Block, sg)
	}
	if !strings.Contains(fp.Reason, "security group: "+sg) || !strings.Contains(fp.Reason, "tcp/5432 from 10.2.1.10") {
		t.Errorf("reason %q: want it to name %s and tcp/5432 from 10.2.1.10", fp.Reason, sg)
	}
	text, _, err := run(t, "flightpath", "--lab", lab, "dev-app", "shared-db", "--proto", "tcp", "--port", "5432")
	if err != nil || !strings.Contains(text, "dev-app -> shared-db, tcp/5432: BLOCKED") || !strings.Contains(text, "blocked at shared-db by filter "+sg) {
		t.Errorf("flightpath (text): %v\n%s", err, text)
	}
	t.Logf("mcnlab flightpath dev-app shared-db --proto tcp --port 5432:\n%s", text)
	checkEnds(t, fp, sg)
	if connects(dev, dbAddr, 5432, time.Second) {
		t.Fatal("dev-app connects to shared-db:5432 while FlightPath says blocked")
	}

	var added struct{ Return bool }
	awsCLI(t, lab, &added, "ec2", "authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp", "--port", "5432", "--cidr", "10.2.1.10/32")
	fp = flightPath(t, lab, "dev-app", "shared-db", "--proto", "tcp", "--port", "5432")
	if !fp.Reachable || fp.Block != nil {
		t.Fatalf("after authorize-security-group-ingress: reachable %v, block %+v (%s); want reachable", fp.Reachable, fp.Block, fp.Reason)
	}
	if !connects(dev, dbAddr, 5432, 2*time.Second) {
		t.Fatal("FlightPath says reachable, but dev-app does not connect to shared-db:5432")
	}
	// Another port is still blocked: the rule admits tcp/5432 only.
	if fp := flightPath(t, lab, "dev-app", "shared-db", "--proto", "tcp", "--port", "22"); fp.Reachable {
		t.Errorf("dev-app to shared-db tcp/22 is reachable; the new rule admits tcp/5432 only")
	}

	fp = flightPath(t, lab, "dev-app", "prod-app")
	if fp.Reachable || fp.Block == nil || fp.Block.Object != "domain policy" || !strings.Contains(fp.Reason, "dev and prod are not connected") {
		t.Errorf("flightpath dev-app prod-app: reachable %v, block %+v, reason %q; want the domain policy dev/prod", fp.Reachable, fp.Block, fp.Reason)
	}
	if reach(t, dev, netip.MustParseAddr("10.1.1.10"), 2) {
		t.Errorf("dev-app pings prod-app, which FlightPath says the domain policy blocks")
	}

	web := workloadNS(t, lab, "shared-web")
	dcApp := netip.MustParseAddr("10.100.0.10")
	fp = flightPath(t, lab, "shared-web", "dc1-app")
	if fp.Reachable || fp.Block == nil || fp.Block.Action != "pending" || !strings.Contains(fp.Block.Rule, "10.100.0.0/24") {
		t.Fatalf("flightpath shared-web dc1-app before approval: reachable %v, block %+v; want the pending approval of 10.100.0.0/24", fp.Reachable, fp.Block)
	}
	if reach(t, web, dcApp, 2) {
		t.Errorf("shared-web pings dc1-app before approval")
	}
	if _, stderr, err := run(t, "routes", "approve", "dc1", "10.100.0.0/24", "--lab", lab, "--wait", "10s"); err != nil {
		t.Fatalf("routes approve: %v\n%s", err, stderr)
	}
	// The approval reaches the spokes' route tables within a few
	// controller intervals: FlightPath reads them as they are.
	deadline := time.Now().Add(10 * time.Second)
	for fp = flightPath(t, lab, "shared-web", "dc1-app"); !fp.Reachable && time.Now().Before(deadline); fp = flightPath(t, lab, "shared-web", "dc1-app") {
		time.Sleep(100 * time.Millisecond) // the controller's next sync (controller.Interval)
	}
	if !fp.Reachable {
		t.Errorf("flightpath shared-web dc1-app 10 s after approval: %s", fp.Reason)
	}
	if !waitReach(t, web, dcApp, 5*time.Second) {
		t.Errorf("FlightPath says reachable, but shared-web does not reach dc1-app")
	}
}

// checkEnds checks the ends FlightPath lays out side by side: the
// destination's security group is sg, and each route table marks the
// route the other end takes.
func checkEnds(t *testing.T, fp api.FlightPath, sg string) {
	t.Helper()
	if len(fp.Ends) != 2 {
		t.Fatalf("%d ends, want 2", len(fp.Ends))
	}
	if g := fp.Ends[1].SecurityGroups; len(g) != 1 || g[0].ID != sg {
		t.Errorf("shared-db's security groups %+v, want %s", g, sg)
	}
	for _, e := range fp.Ends {
		var marked []string
		for _, r := range e.RouteTable.Routes {
			if r.Matched {
				marked = append(marked, r.Destination.String()+" -> "+r.Target)
			}
		}
		if len(marked) != 1 || e.NetworkACL == nil || len(e.NetworkACL.Inbound) == 0 {
			t.Errorf("%s: routes marked %v (want one), network ACL %+v", e.Endpoint, marked, e.NetworkACL)
		}
	}
}
