package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/api/apitest"

	awsprov "github.com/mcnlab/mcnlab/controller/cloud/aws"
	"github.com/mcnlab/mcnlab/controller/graph"
	"github.com/mcnlab/mcnlab/controller/tracker"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestObserveLab deploys the demo (topologies/aws-transit.yaml) once and
// checks the three operations views on it: the VPC tracker read from the
// emulated AWS API, the live topology graph, and the controller's
// Prometheus metrics.
func TestObserveLab(t *testing.T) {
	lab := deployCloudLab(t, awsTransit, "obs")
	t.Run("vpc-tracker", func(t *testing.T) { checkTracker(t, lab) })
	t.Run("graph", func(t *testing.T) { checkGraph(t, lab) })
	t.Run("metrics", func(t *testing.T) { checkMetrics(t, lab) })
}

// checkTracker: --test 10.1.0.0/24 names prod-vpc (10.1.0.0/16, made by
// the lab); a block another team adds to the default VPC through the EC2
// API shows up, and the table lists the default VPC and dc1's prefixes.
func checkTracker(t *testing.T, lab string) {
	out, _, err := run(t, "vpc-tracker", "--lab", lab, "--test", "10.1.0.0/24", "--json")
	if err != nil {
		t.Fatalf("vpc-tracker --test: %v", err)
	}
	var got []tracker.Allocation
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if len(got) != 1 || got[0].Name != "prod-vpc" || got[0].CIDR.String() != "10.1.0.0/16" || !got[0].Managed ||
		!strings.HasPrefix(got[0].ID, "vpc-") || got[0].Account != "aws-lab" || got[0].Region != "us-east-1" {
		t.Fatalf("vpc-tracker --test 10.1.0.0/24 = %+v, want prod-vpc 10.1.0.0/16 of aws-lab in us-east-1, managed", got)
	}
	lc, err := mcnlab.ReadEndpoint(lab, "aws")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := awsprov.LabConfig(&lc, "")
	if err != nil {
		t.Fatal(err)
	}
	// The account holds AWS's default quota of VPCs (5: the demo's four
	// and the default VPC); another team widens the default VPC instead,
	// with a block of the range AWS allows beside 172.31.0.0/16.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html — IPv4 CIDR block association restrictions: 100.64.0.0/10 may be added to any VPC
	c := ec2.NewFromConfig(cfg)
	def, err := c.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatalf("describe the default VPC: %v (%d VPCs)", err, len(def.Vpcs))
	}
	if _, err := c.AssociateVpcCidrBlock(context.Background(), &ec2.AssociateVpcCidrBlockInput{VpcId: def.Vpcs[0].VpcId, CidrBlock: sdkaws.String("100.64.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "vpc-tracker", "--lab", lab, "--test", "100.64.1.0/24")
	if err != nil {
		t.Fatalf("vpc-tracker: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "100.64.0.0/16 ") || !strings.Contains(lines[1], " "+*def.Vpcs[0].VpcId+" ") {
		t.Errorf("vpc-tracker --test 100.64.1.0/24 printed\n%s\nwant the default VPC's new block", out)
	}
	out, _, err = run(t, "vpc-tracker", "--lab", lab)
	if err != nil {
		t.Fatalf("vpc-tracker: %v", err)
	}
	for _, want := range []string{"\n172.31.0.0/16 ", "\n10.100.0.0/24  site     dc1", "\n10.101.0.0/24  site     dc1", " transit-vpc "} {
		if !strings.Contains(out, want) {
			t.Errorf("vpc-tracker lacks %q:\n%s", want, out)
		}
	}
}

// checkGraph: the graph of the converged lab has every gateway up and
// every tunnel and session up; its SVG renders with the nodes' names.
func checkGraph(t *testing.T, lab string) {
	out, _, err := run(t, "graph", "--lab", lab, "--format", "json")
	if err != nil {
		t.Fatalf("graph: %v", err)
	}
	var g graph.Graph
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	gateways := 0
	for _, n := range g.Nodes {
		if n.Kind == graph.KindGateway {
			gateways++
			if n.State != graph.StateUp {
				t.Errorf("gateway %s is %q, want up", n.ID, n.State)
			}
		}
	}
	tunnels := 0
	for _, e := range g.Edges {
		tunnels += e.TunnelsUp
		if e.State != graph.StateUp {
			t.Errorf("edge %s -- %s is %q (%s), want up", e.From, e.To, e.State, e.Label())
		}
	}
	if !g.Live || gateways != 8 || tunnels != 24 {
		t.Errorf("live %v, %d gateways, %d tunnels up; want live, 8 and 24", g.Live, gateways, tunnels)
	}
	svg, _, err := run(t, "graph", "--lab", lab, "--format", "svg")
	if err != nil {
		t.Fatalf("graph --format svg: %v", err)
	}
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
	}
	for _, name := range []string{"<title>gateway:transit&#45;1</title>", "<title>site:dc1</title>", ">prod&#45;vpc</text>"} {
		if !strings.Contains(svg, name) {
			t.Errorf("the SVG lacks %s", name)
		}
	}
}

// scrape reads the controller's /metrics with its admin token.
func scrape(t *testing.T, lab string) string {
	t.Helper()
	url, token, err := api.ControllerEndpoint(lab)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// checkMetrics: promtool accepts the controller's /metrics; every gateway
// is up with its tunnels and sessions, tunnels carry packets, dc1's two
// prefixes wait for approval, and pings from dev to prod show up as the
// transit's segmentation drops.
func checkMetrics(t *testing.T, lab string) {
	body := scrape(t, lab)
	apitest.CheckMetrics(t, body)
	fams := apitest.ParseMetrics(t, body)
	apitest.WantMetrics(t, fams, []apitest.Want{
		{Name: "mcnlab_gateway_up", Value: 8},
		{Name: "mcnlab_gateway_tunnels_up", Value: 48}, // 24 tunnels, counted at both ends
		{Name: "mcnlab_bgp_sessions_established", Labels: map[string]string{"gateway": "transit-1"}, Value: 13},
		{Name: "mcnlab_approvals_pending", Value: 2},
		{Name: "mcnlab_routes_pending_approval", Labels: map[string]string{"transit": "transit", "site": "dc1"}, Value: 2},
	})
	if pk, _ := apitest.Sum(fams, "mcnlab_tunnel_packets_total", map[string]string{"gateway": "prod-1", "direction": "rx"}); pk == 0 {
		t.Errorf("prod-1's tunnels received no packets")
	}
	if out, err := labExec(lab, "dev-app", "ping", "-c3", "-i0.2", "-W1", "10.1.1.10"); err == nil || !strings.Contains(out, "3 packets transmitted, 0 received") {
		t.Fatalf("dev-app pinging prod-app across the domain policy: %v\n%s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		body = scrape(t, lab)
		drops, _ := apitest.Sum(apitest.ParseMetrics(t, body), "mcnlab_segmentation_dropped_packets_total", map[string]string{"from": "dev", "to": "prod"})
		if drops >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("segmentation drops dev to prod = %v after 3 pings, want 3 or more:\n%s", drops, grepLines(body, "mcnlab_segmentation"))
		}
		time.Sleep(100 * time.Millisecond) // the controller reads the gateways every 200 ms
	}
	if !strings.Contains(body, `mcnlab_api_request_duration_seconds_count{code="200",method="get",route="/metrics"}`) {
		t.Errorf("the API latency histogram does not count the scrapes:\n%s", grepLines(body, "mcnlab_api_request"))
	}
}

// grepLines returns the lines of s holding sub.
func grepLines(s, sub string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
