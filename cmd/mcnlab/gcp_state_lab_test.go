package main

import (
	"encoding/json"
	"maps"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	compute "google.golang.org/api/compute/v1"

	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// TestGCPCloudStateRestart: a lab's emulated GCP keeps the lab's state
// file as the AWS and Azure clouds do. SIGKILLed under a probe stream
// from prod-app to dev-app, it is restarted by the supervisor on that
// file with its project, token and address: every network, subnet,
// firewall rule, route and instance reads the same through the Go
// library client made before the kill, traffic kept flowing (the
// dataplane is adopted), and the controller finds nothing to do.
func TestGCPCloudStateRestart(t *testing.T) {
	lab := deployCloudLab(t, gcpTransit, "gcs")
	if !mcnlab.HasCloudState(lab) {
		t.Fatalf("lab %s's GCP cloud keeps no state file %s", lab, mcnlab.CloudStateFile(lab))
	}
	svc, project := gcpService(t, lab)
	before := gcpObjects(t, svc, project)
	if len(before) < 2+2+4 {
		t.Fatalf("before the restart: %d objects, want the 2 networks, their subnets and the 4 gateway instances at least: %v", len(before), before)
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
				if _, err := svc.Networks.List(project).Do(); err == nil {
					break
				}
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("the GCP cloud is not back 30 s after SIGKILL; its log ends:\n%s", mcnlab.Tail(mcnlab.LogFile(lab, mcnlab.CloudDaemon), 20))
			}
			time.Sleep(20 * time.Millisecond) // polling the supervisor's restart, bounded
		}
		back = time.Since(start)
	})
	t.Logf("GCP cloud SIGKILLed: back on its state file and answering in %s; %d of %d probes lost, longest gap %s",
		back.Round(time.Millisecond), pr.Lost, pr.Sent, pr.Outage.Round(time.Millisecond))
	if after := gcpObjects(t, svc, project); !maps.Equal(before, after) {
		for k, v := range before {
			if after[k] != v {
				t.Errorf("after the restart %s reads\n%s\nbefore\n%s", k, after[k], v)
			}
		}
		t.Errorf("after the restart: %d objects, before %d", len(after), len(before))
	}
	if pr.Outage > time.Second {
		t.Errorf("prod-app lost dev-app for %s while the cloud restarted, want the dataplane adopted (under 1 s)", pr.Outage)
	}
	if out, _, err := run(t, "plan", "-t", gcpTransit, "--lab", lab); err != nil || strings.TrimSpace(out) != "no changes: the accounts match the intent" {
		t.Errorf("plan after the restart: %v\n%s", err, out)
	}
	checkMatrix(t, lab)
}

// gcpObjects is the project's networks, subnets, firewall rules, routes
// and instances as the Go library reads them, as JSON by selfLink.
func gcpObjects(t *testing.T, svc *compute.Service, project string) map[string]string {
	t.Helper()
	out := map[string]string{}
	put := func(link string, v any) {
		b, _ := json.Marshal(v)
		out[link] = string(b)
	}
	nets, err := svc.Networks.List(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets.Items {
		put(n.SelfLink, n)
	}
	subs, err := svc.Subnetworks.AggregatedList(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range subs.Items {
		for _, s := range l.Subnetworks {
			put(s.SelfLink, s)
		}
	}
	fws, err := svc.Firewalls.List(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fws.Items {
		put(f.SelfLink, f)
	}
	rts, err := svc.Routes.List(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rts.Items {
		put(r.SelfLink, r)
	}
	vms, err := svc.Instances.AggregatedList(project).Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range vms.Items {
		for _, v := range l.Instances {
			put(v.SelfLink, v)
		}
	}
	return out
}
