package intent

import (
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

// A site's private line is in its transit's VPC's region; a tunnel site
// and an unknown site have none.
func TestLineRegion(t *testing.T) {
	top, err := topologies.Load("../../cmd/mcnlab/testdata/aws-multiregion.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(top)
	if err != nil {
		t.Fatal(err)
	}
	for site, want := range map[string]string{"dcm": "us-east-1", "dce": "eu-west-1", "bre": "", "nowhere": ""} {
		if got := p.LineRegion(site); got != want {
			t.Errorf("LineRegion(%s) = %q, want %q", site, got, want)
		}
	}
	// The virtual interface is in the desired state of the transit's VPC,
	// which the controller makes in that VPC's region.
	var regions []string
	for _, a := range p.Accounts {
		for _, x := range a.Desired.VirtualInterfaces {
			for _, v := range a.Desired.VPCs {
				if v.Key == x.VPC && x.Connection == "dce" {
					regions = append(regions, v.Region)
				}
			}
		}
	}
	if len(regions) != 1 || regions[0] != "eu-west-1" {
		t.Errorf("dce's virtual interface lands on VPCs in %v, want one in eu-west-1", regions)
	}
}
