package gcp_test

import (
	"testing"

	compute "google.golang.org/api/compute/v1"
)

// TestInstanceBootImage: the boot disk's source image, as an image or an
// image family URL of any form, becomes the model instance's image (the
// realizer runs the lab's appliance images as appliances); the disks
// come back as sent.
func TestInstanceBootImage(t *testing.T) {
	svc, cloud, _ := newService(t)
	netWithSubnet(t, svc)
	for name, src := range map[string]string{
		"gw":    "https://www.googleapis.com/compute/v1/projects/mcnlab/global/images/family/gateway",
		"fw":    "projects/mcnlab/global/images/firewall",
		"own":   "global/images/my-image",
		"blank": "",
	} {
		in := vm(name, "")
		if src != "" {
			in.Disks = []*compute.AttachedDisk{{Boot: true, AutoDelete: true, InitializeParams: &compute.AttachedDiskInitializeParams{SourceImage: src}}}
		}
		must[*compute.Operation](t)(svc.Instances.Insert(project, "us-central1-a", in).Do())
	}
	want := map[string]string{"gw": "projects/mcnlab/global/images/gateway", "fw": "projects/mcnlab/global/images/firewall",
		"own": "projects/" + project + "/global/images/my-image", "blank": ""}
	for _, i := range cloud.Instances(project) {
		if i.ImageID != want[i.Name] {
			t.Errorf("instance %s has image %q, want %q", i.Name, i.ImageID, want[i.Name])
		}
	}
	got := must[*compute.Instance](t)(svc.Instances.Get(project, "us-central1-a", "gw").Do())
	if len(got.Disks) != 1 || !got.Disks[0].Boot || got.Disks[0].InitializeParams.SourceImage != "https://www.googleapis.com/compute/v1/projects/mcnlab/global/images/family/gateway" {
		t.Fatalf("disks %+v", got.Disks)
	}
}
