package realize

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	compute "google.golang.org/api/compute/v1"
	"google.golang.org/api/option"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// The plan, without root: a GCP instance booted from the lab's gateway
// image runs a gateway, one from its firewall image the firewall daemon,
// any other a plain host.
func TestPlanGCPApplianceImages(t *testing.T) {
	c := model.New()
	c.AddAccount(model.Account{ID: gcpProject, Provider: model.ProviderGCP})
	ts := httptest.NewServer(cmgcp.New(c, cmgcp.Config{Anonymous: true}))
	t.Cleanup(ts.Close)
	svc := must[*compute.Service](t)(compute.NewService(context.Background(), option.WithEndpoint(ts.URL+"/compute/v1/"), option.WithHTTPClient(http.DefaultClient)))
	must[*compute.Operation](t)(svc.Networks.Insert(gcpProject, &compute.Network{Name: "vpc", ForceSendFields: []string{"AutoCreateSubnetworks"}}).Do())
	must[*compute.Operation](t)(svc.Subnetworks.Insert(gcpProject, "us-east1", &compute.Subnetwork{Name: "s", Network: "global/networks/vpc", IpCidrRange: "10.80.1.0/24"}).Do())
	for name, img := range map[string]string{"gw": "projects/mcnlab/global/images/family/gateway", "fw": "projects/mcnlab/global/images/firewall", "plain": "projects/debian-cloud/global/images/family/debian-12"} {
		must[*compute.Operation](t)(svc.Instances.Insert(gcpProject, "us-east1-b", &compute.Instance{Name: name, MachineType: "e2-small", CanIpForward: true,
			Disks:             []*compute.AttachedDisk{{Boot: true, InitializeParams: &compute.AttachedDiskInitializeParams{SourceImage: img}}},
			NetworkInterfaces: []*compute.NetworkInterface{{Subnetwork: "regions/us-east1/subnetworks/s"}}}).Do())
	}
	r := &Realizer{opts: Options{Lab: "t", GatewayCommand: []string{"/usr/bin/mcnlab"}}, links: map[string]int{}}
	p := must[*plan](t)(r.buildPlan(takeSnapshot(c)))
	for _, i := range c.Instances(gcpProject) {
		h := p.hosts[i.NetworkInterfaceID]
		want, verb := i.ID, map[string]string{"gw": "gateway", "fw": "firewall"}[i.Name]
		if verb == "" {
			want = ""
		}
		if h == nil {
			t.Fatalf("instance %s has no host", i.Name)
		}
		if h.gateway != want {
			t.Errorf("instance %s (image %s) runs gateway %q, want %q", i.Name, i.ImageID, h.gateway, want)
		}
		if verb != "" && r.daemonVerb(i.ID) != verb {
			t.Errorf("instance %s runs %s, want %s", i.Name, r.daemonVerb(i.ID), verb)
		}
	}
}
