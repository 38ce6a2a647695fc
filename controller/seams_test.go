package controller

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/nodes"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/topologies"
)

// fakeNodes records what the controller asks of its seams.
type fakeNodes struct {
	mu      sync.Mutex
	dialed  []string
	pingers []nodes.Node
	pings   []netip.Addr
}

func (f *fakeNodes) DialGateway(id string) (*mgmt.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dialed = append(f.dialed, id)
	return mgmt.NewClient("/nonexistent/" + id + ".sock"), nil
}

func (f *fakeNodes) Pinger(n nodes.Node) (nodes.Pinger, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pingers = append(f.pingers, n)
	return fakePinger{f}, nil
}

type fakePinger struct{ f *fakeNodes }

func (p fakePinger) Ping(dst netip.Addr, _ int, _ time.Duration) (time.Duration, error) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.f.pings = append(p.f.pings, dst)
	return time.Millisecond, nil
}

func (p fakePinger) Close() error { return nil }

// TestSeams: the controller reaches a cloud gateway through the dialer
// by its instance ID and a site's edge gateway by its node name, and
// pings through the diagnostics seam at the workload's instance or the
// site host's node; without the seams it dials and pings nothing.
func TestSeams(t *testing.T) {
	top, err := topologies.Load("../topologies/aws-transit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	top.Cloud.Sites[0].Router = topologies.SiteGoBGP // an mcnlab gateway, which the controller configures
	p, err := intent.Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNodes{}
	c := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}, Gateways: f, Diagnostics: f})
	c.inv = cloud.NewInventory()
	c.inv.Instances["prod-1"] = cloud.InstanceInfo{ID: "i-prod1", PrivateIP: netip.MustParseAddr("10.1.0.10")}
	c.inv.Instances["prod-app"] = cloud.InstanceInfo{ID: "i-app", PrivateIP: netip.MustParseAddr("10.1.1.10")}
	for _, k := range []string{"prod-1", "dc1", "prod-2"} {
		c.client(k)
	}
	if want := []string{"i-prod1", "dc1"}; !slices.Equal(f.dialed, want) {
		t.Errorf("dialed %v, want %v (prod-2 has no instance yet)", f.dialed, want)
	}
	res, err := NewBackend(c, "t").Ping(context.Background(), api.PingRequest{From: "prod-app", To: "dc1-app", Count: 2})
	if err != nil || res.Received != 2 {
		t.Fatalf("ping: %+v, %v", res, err)
	}
	if _, err := NewBackend(c, "t").Ping(context.Background(), api.PingRequest{From: "dc1-app", To: "prod-app", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if want := []nodes.Node{{Instance: "i-app"}, {Host: "dc1-app"}}; !slices.Equal(f.pingers, want) {
		t.Errorf("pingers at %v, want %v", f.pingers, want)
	}
	if want := []netip.Addr{netip.MustParseAddr("10.100.0.10"), netip.MustParseAddr("10.100.0.10"), netip.MustParseAddr("10.1.1.10")}; !slices.Equal(f.pings, want) {
		t.Errorf("pinged %v, want %v", f.pings, want)
	}
	bare := New(p, Options{Providers: map[string]cloud.Provider{"aws-lab": &fakeProvider{}}})
	bare.inv = c.inv
	if _, ok := bare.client("prod-1"); ok {
		t.Errorf("a controller without a dialer has a gateway client")
	}
	if _, err := NewBackend(bare, "t").Ping(context.Background(), api.PingRequest{From: "prod-app", To: "dc1-app"}); err == nil || errors.Is(err, api.ErrNotFound) {
		t.Errorf("ping without diagnostics: %v", err)
	}
}
