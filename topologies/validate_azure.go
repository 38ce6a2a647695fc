package topologies

import (
	"regexp"
	"strings"
)

// azureRegions are Azure's regions by programmatic name, as the lab's
// cloud has them (its Azure profile's regions, which a test of
// controller/cloud/azure compares); a VNet in any other region would fail
// when the cloud is asked to make it.
// Azure: https://learn.microsoft.com/en-us/azure/reliability/regions-list — the regions and their programmatic names
var azureRegions = []string{
	"eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus", "westus", "westus2", "westus3",
	"canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast", "mexicocentral", "chilecentral",
	"northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth", "germanywestcentral", "germanynorth",
	"switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest", "swedencentral", "polandcentral", "italynorth", "spaincentral",
	"eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "australiaeast", "australiasoutheast",
	"australiacentral", "centralindia", "southindia", "westindia", "indonesiacentral", "malaysiawest", "newzealandnorth",
	"uaenorth", "uaecentral", "qatarcentral", "israelcentral", "southafricanorth", "southafricawest",
}

// AzureRegions returns the Azure regions a topology may place a VNet in.
func AzureRegions() []string { return append([]string(nil), azureRegions...) }

// azureRegionRE is the shape of an Azure region's programmatic name.
var azureRegionRE = regexp.MustCompile(`^[a-z]+[0-9]?$`)

// resourceGroupRE is the shape of a resource group's name.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftresources — 1-90 of alphanumerics, underscores, parentheses, hyphens and periods, not ending in a period
var resourceGroupRE = regexp.MustCompile(`^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$`)

// checkCloudAccount checks what an account of a provider other than AWS
// may not have: AWS's quotas and GuardDuty.
func (c *checker) checkCloudAccount(a *Account, path string) {
	if len(a.Quotas) > 0 || a.QuotasPos.Line > 0 {
		c.errAt(a.QuotasPos, join(path, "quotas"), "quotas are AWS's Service Quotas; %s account has none here", an(a.Provider))
	}
	if a.GuardDuty != nil {
		c.errf(join(path, "guardduty"), a.Pos, "guardduty is AWS's; %s account has none", an(a.Provider))
	}
}

// checkResourceGroup checks a VPC's resource group: a name Azure takes,
// on a VPC of an Azure account only.
func (c *checker) checkResourceGroup(v *VPC, path string, a *Account) {
	gp := join(path, "resource-group")
	switch {
	case v.ResourceGroup == "" || c.bad[gp] || a == nil:
	case a.Provider != ProviderAzure:
		c.errf(gp, v.Pos, "resource-group is Azure's; vpc %s is in account %s of provider %s, which has none", v.Name, a.Name, a.Provider)
	case !resourceGroupRE.MatchString(v.ResourceGroup):
		c.errf(gp, v.Pos, "bad resource group name %q; write 1 to 90 of letters, digits, '_', '(', ')', '-' and '.', not ending in '.', such as rg-transit", v.ResourceGroup)
	}
}

// notBuilt says, per provider other than AWS, how it names a VPC and a
// private line, for the errors of what the controller cannot build there
// yet.
var notBuilt = map[Provider]struct{ vpc, line string }{
	ProviderAzure: {"vnet", "ExpressRoute"},
	ProviderGCP:   {"vpc network", "Cloud Interconnect"},
	ProviderOCI:   {"vcn", "FastConnect"},
}

// edgeRouter names the cloud's BGP router a private line's site router
// peers with.
var edgeRouter = map[Provider]string{ProviderGCP: "Cloud Router", ProviderOCI: "Oracle edge router (AS 31898)"}

// checkAzure checks what the controller cannot build on Azure and GCP
// yet: an Azure VPC's region must be Azure's (GCP's: checkGCP); private
// lines (ExpressRoute) are built on AWS, GCP and OCI only (GCP's and
// OCI's with an FRR site router). Transits of different providers peer as
// those of one do (over their gateways' public addresses).
func (c *checker) checkAzure(cl *Cloud, x *cloudIndex) {
	provider := func(vpc string) Provider {
		if v := x.vpcs[vpc]; v != nil && x.accounts[v.Account] != nil {
			return x.accounts[v.Account].Provider
		}
		return ""
	}
	for _, v := range cl.VPCs {
		if v == nil || x.vpcs[v.Name] != v {
			continue
		}
		pr := provider(v.Name)
		if _, ok := notBuilt[pr]; !ok {
			continue
		}
		path := join("vpcs", v.Name)
		if rp := join(path, "region"); pr == ProviderAzure && !c.bad[rp] && azureRegionRE.MatchString(v.Region) && !contains(azureRegions, v.Region) {
			c.errf(rp, v.Pos, "unknown Azure region %q%s Azure's regions are %s", v.Region, orDot(didYouMean(v.Region, azureRegions)), strings.Join(azureRegions, ", "))
		}
	}
	for _, s := range cl.Sites {
		if s == nil || x.sites[s.Name] != s || s.Connection.Type != ConnPrivateLine {
			continue
		}
		if tr := x.transits[s.Connection.Transit]; tr != nil {
			if pr := provider(tr.VPC); pr == ProviderGCP || pr == ProviderOCI {
				// The site's router peers with the Cloud Router over the
				// attachment, or with Oracle's over the virtual circuit
				// (controller/intent edge.go): FRR's sessions take the
				// filters that needs.
				if s.Router != SiteFRR {
					c.errf(join(join("sites", s.Name), "router"), s.Pos,
						"a private line to transit %s in %s %s is %s, whose %s the site's router peers with; use router: frr", tr.Name, an(pr), notBuilt[pr].vpc, notBuilt[pr].line, edgeRouter[pr])
				}
				continue
			}
			if nb, ok := notBuilt[provider(tr.VPC)]; ok {
				c.errf(join(join(join("sites", s.Name), "connection"), "type"), s.Connection.Pos,
					"a private line to transit %s in %s %s would be %s, which the controller does not build yet; use type: tunnel (router gobgp)",
					tr.Name, an(provider(tr.VPC)), nb.vpc, nb.line)
			}
		}
	}
}
