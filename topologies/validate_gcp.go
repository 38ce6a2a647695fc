package topologies

import (
	"regexp"
	"strings"
)

// gcpRegions are GCP's regions, as the lab's cloud has them (its GCP
// profile's regions, which a test of controller/cloud/gcp compares); a
// VPC network's subnets in any other region would fail when the cloud is
// asked to make them.
// GCP: https://cloud.google.com/compute/docs/regions-zones — the regions
var gcpRegions = []string{
	"us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
	"northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1", "southamerica-west1",
	"europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
	"europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
	"asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
	"asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2",
	"me-central1", "me-central2", "me-west1", "africa-south1",
}

// GCPRegions returns the GCP regions a topology may place a VPC in.
func GCPRegions() []string { return append([]string(nil), gcpRegions...) }

// gcpRegionRE is the shape of a GCP region's name: a geography, a
// direction and a number (us-central1, europe-west10).
var gcpRegionRE = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]{1,2}$`)

// checkGCPRegion checks the region of a VPC of a GCP account: a GCP
// VPC network is global, and the region is where the controller makes its
// subnets, gateways and workloads.
// GCP: https://cloud.google.com/vpc/docs/vpc#vpc_networks_and_subnets — a VPC network is global, its subnets regional
func (c *checker) checkGCPRegion(v *VPC, rp string) {
	switch {
	case c.bad[rp]:
	case v.Region == "":
		c.errf(rp, v.Pos, "missing region; write one such as us-central1")
	case contains(gcpRegions, v.Region):
	case !gcpRegionRE.MatchString(v.Region) && didYouMean(v.Region, gcpRegions) == "":
		c.errf(rp, v.Pos, "bad region %q; write a GCP region's name such as us-central1 or europe-west1", v.Region)
	default:
		c.errf(rp, v.Pos, "unknown GCP region %q%s GCP's regions are %s", v.Region, orDot(didYouMean(v.Region, gcpRegions)), strings.Join(gcpRegions, ", "))
	}
}

// an is a provider's name after "a" or "an", as errors write it: "an
// azure", "a gcp".
func an(p Provider) string {
	if strings.IndexByte("aeiou", string(p)[0]) >= 0 {
		return "an " + string(p)
	}
	return "a " + string(p)
}
