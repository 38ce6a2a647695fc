package topologies

import (
	"regexp"
	"strings"
)

// ProviderOCI is Oracle Cloud Infrastructure: an account is a tenancy,
// its VPCs are VCNs, made by the controller in the tenancy's root
// compartment (the lab's tenancy) or in OCI_COMPARTMENT_ID (credentials
// env).
const ProviderOCI Provider = "oci"

// ociRegions are OCI's regions, as the lab's cloud has them (its OCI
// profile's regions).
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/regions.htm — the region identifiers
var ociRegions = []string{
	"af-johannesburg-1", "ap-melbourne-1", "ap-mumbai-1", "ap-osaka-1", "ap-seoul-1", "ap-singapore-1", "ap-sydney-1", "ap-tokyo-1",
	"ca-montreal-1", "ca-toronto-1", "eu-amsterdam-1", "eu-frankfurt-1", "eu-madrid-1", "eu-milan-1", "eu-paris-1", "eu-stockholm-1",
	"eu-zurich-1", "me-dubai-1", "me-jeddah-1", "sa-santiago-1", "sa-saopaulo-1", "uk-cardiff-1", "uk-london-1",
	"us-ashburn-1", "us-chicago-1", "us-phoenix-1", "us-sanjose-1",
}

// OCIRegions returns the OCI regions a topology may place a VCN in.
func OCIRegions() []string { return append([]string(nil), ociRegions...) }

// ociRegionRE is the shape of an OCI region identifier: an area, a city
// and a number (us-ashburn-1, eu-frankfurt-1).
var ociRegionRE = regexp.MustCompile(`^[a-z]{2}-[a-z]+-[0-9]$`)

// checkOCIRegion checks the region of a VCN of an OCI account: one of
// OCI's, and the region of the account's other VCNs (first, the
// account's region): the controller's OCI provider speaks to one
// region's endpoint.
func (c *checker) checkOCIRegion(v *VPC, rp string, first map[string]*VPC) {
	switch {
	case c.bad[rp]:
	case v.Region == "":
		c.errf(rp, v.Pos, "missing region; write one such as us-ashburn-1")
	case !contains(ociRegions, v.Region) && !ociRegionRE.MatchString(v.Region) && didYouMean(v.Region, ociRegions) == "":
		c.errf(rp, v.Pos, "bad region %q; write an OCI region identifier such as us-ashburn-1 or eu-frankfurt-1", v.Region)
	case !contains(ociRegions, v.Region):
		c.errf(rp, v.Pos, "unknown OCI region %q%s OCI's regions are %s", v.Region, orDot(didYouMean(v.Region, ociRegions)), strings.Join(ociRegions, ", "))
	case first[v.Account] == nil:
		first[v.Account] = v
	case first[v.Account].Region != v.Region:
		f := first[v.Account]
		c.errf(rp, v.Pos, "region %s: vcn %s of oci account %s is in %s (line %d); an oci account's vcns are in one region, as its provider speaks to one region's endpoint: use %s or another account",
			v.Region, f.Name, v.Account, f.Region, f.Pos.Line, f.Region)
	}
}

// compartmentNameRE is a compartment's name as OCI takes it: 1 to 100
// of letters, digits, '.', '-' and '_'.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Identity/compartments/managingcompartments.htm — a compartment name: letters, numbers, periods, hyphens and underscores, up to 100 characters, unique among its siblings
var compartmentNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// compartmentOCIDRE is a compartment's OCID (ocid1.compartment.oc1..UNIQUE).
// OCI: https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm — ocid1.<RESOURCE TYPE>.<REALM>.[REGION][.FUTURE USE].<UNIQUE ID>
var compartmentOCIDRE = regexp.MustCompile(`^ocid1\.compartment\.[a-z0-9]+\.[a-z0-9-]*\.[a-z0-9]+$`)

// checkCompartment checks an account's compartment: OCI's only, a name
// OCI takes or a compartment's OCID.
func (c *checker) checkCompartment(a *Account, path string) {
	cp := join(path, "compartment")
	switch {
	case a.Compartment == "" && a.CompartmentPos.Line == 0 || c.bad[cp] || a.Provider == "":
	case a.Provider != ProviderOCI:
		c.errAt(a.CompartmentPos, cp, "compartment is OCI's; %s account has none (write the compartment on an account with provider: oci)", an(a.Provider))
	case strings.HasPrefix(a.Compartment, "ocid1."):
		if !compartmentOCIDRE.MatchString(a.Compartment) {
			c.errAt(a.CompartmentPos, cp, "bad compartment OCID %q; write ocid1.compartment.oc1..UNIQUE, or a compartment name such as mcnlab-prod", a.Compartment)
		}
	case !compartmentNameRE.MatchString(a.Compartment):
		c.errAt(a.CompartmentPos, cp, "bad compartment name %q; write 1 to 100 of letters, digits, '.', '-' and '_', such as mcnlab-prod, or a compartment's OCID", a.Compartment)
	}
}
