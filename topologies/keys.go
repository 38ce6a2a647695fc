package topologies

// objectKeys lists, for each kind of mapping in format v1, the keys it may
// hold, in the order Marshal writes them. schema.json must list the same
// properties under $defs (a test keeps them equal).
var objectKeys = map[string][]string{
	"topology": {"name", "version", "defaults", "nodes", "links", "tunnels",
		"accounts", "vpcs", "transits", "spokes", "transit-peerings", "sites", "domains", "connections",
		"internet", "user-vpn", "site2cloud"},
	"tunnel":   {"endpoints", "inner"},
	"defaults": {"mtu"},
	"node":     {"kind", "routes", "exec", "bgp", "config"},
	"bgp":      {"asn", "router-id", "networks", "neighbors"},
	"neighbor": {"address", "asn"},
	"route":    {"to", "via"},
	"link":     {"endpoints", "mtu", "rate"},
	"endpoint": {"node", "interface", "address"},

	// The cloud intent (cloud.go).
	"account":        {"provider", "credentials", "quotas", "guardduty", "compartment"},
	"quotas":         quotaKeys(),
	"vpc":            {"account", "region", "resource-group", "cidr", "subnets", "workloads", "egress", "psf"},
	"workload":       {"subnet", "address", "allow", "public"},
	"transit":        {"vpc", "subnet", "asn", "ha", "hpe", "approval", "firenet"},
	"hpe":            {"tunnels"},
	"approval":       {"mode", "approved"},
	"spoke":          {"vpc", "subnet", "transit", "ha", "asn"},
	"site":           {"router", "asn", "advertise", "connection", "hosts"},
	"siteConnection": {"type", "transit", "address"},
	"domain":         {"members"},

	// FireNet (firenet.go).
	"firenet":      {"firewalls", "inspect", "egress", "egress-subnet", "egress-domains", "hash", "engine", "rules", "default"},
	"firewall":     {"engine", "address"},
	"firewallRule": {"action", "protocol", "port", "from", "to", "host", "path", "sni"},

	// The emulated internet (internet.go).
	"internet":     {"dns", "hosts"},
	"internetHost": {"address", "role", "names", "serve", "shared"},

	// GuardDuty (guardduty.go).
	"guardduty": {"enforce", "poll", "threats", "exclude"},

	// FQDN egress (egress.go).
	"egress":     {"gateway", "subnet", "address", "private", "base", "tags"},
	"egressTag":  {"sources", "rules"},
	"egressRule": {"fqdn", "protocol", "port", "action"},
	// Site-to-cloud IPsec (site2cloud.go).
	"site2cloud": {"site", "site-address", "gateway", "gateway-address", "ha-gateway", "ha-gateway-address", "cloud-gateway", "auth",
		"type", "ike", "esp", "site-subnets", "cloud-subnets", "mappings", "bgp"},
	"s2cMapping": {"site", "site-virtual", "cloud", "cloud-virtual"},
	"s2cBGP":     {"site-asn", "inside", "ha-inside"},
	// Public Subnet Filtering (psf.go).
	"psf": {"gateway", "subnet", "address", "protects"},
	// The user VPN (uservpn.go).
	"userVPN":    {"gateways", "lifetime", "laptops", "users", "profiles"},
	"vpnGateway": {"vpc", "subnet", "tunnel", "pool"},
	"vpnUser":    {"password", "groups", "profile"},
	"vpnProfile": {"base", "groups", "rules"},
	"vpnRule":    {"cidr", "protocol", "port"},
}

// requiredKeys lists the keys each mapping must hold. A topology needs
// nodes or vpcs (or both); the checker says so when it has neither.
var requiredKeys = map[string][]string{
	"topology": {"name", "version"},
	"defaults": {},
	"node":     {"kind"},
	"bgp":      {"asn"},
	"neighbor": {"address", "asn"},
	"route":    {"to", "via"},
	"link":     {"endpoints"},
	"tunnel":   {"endpoints"},
	"endpoint": {"node", "interface"},

	"account":        {"provider"},
	"quotas":         {},
	"vpc":            {"account", "region", "cidr", "subnets"},
	"workload":       {"subnet"},
	"transit":        {"vpc", "subnet", "asn"},
	"hpe":            {"tunnels"},
	"approval":       {},
	"spoke":          {"vpc", "subnet", "transit"},
	"site":           {"router", "asn", "advertise", "connection"},
	"siteConnection": {"type", "transit"},
	"domain":         {"members"},

	"firenet":      {"firewalls"},
	"firewall":     {},
	"firewallRule": {"action"},

	"internet":     {},
	"internetHost": {"address"},
	"guardduty":    {},
	"egress":       {"gateway", "subnet"},
	"egressTag":    {},
	"egressRule":   {"fqdn"},
	"psf":          {"gateway", "subnet", "protects"},
	"userVPN":      {"gateways"},
	"vpnGateway":   {"vpc", "subnet"},
	"vpnUser":      {"password"},
	"vpnProfile":   {"base"},
	"vpnRule":      {"cidr"},
	"site2cloud":   {"site", "site-subnets", "cloud-subnets"},
	"s2cMapping":   {"site", "site-virtual", "cloud", "cloud-virtual"},
	"s2cBGP":       {"site-asn", "inside"},
}

// missingHint tells what to write for a missing required key; a hint
// under "OBJECT.KEY" is for that kind of mapping only.
var missingHint = map[string]string{
	"name":      "a lab name such as three-tier",
	"version":   "version: 1",
	"nodes":     "a mapping of node names to nodes",
	"kind":      "host, router, frr, bird, gateway or strongswan",
	"asn":       "an AS number such as 65001",
	"address":   "the neighbor's address on a shared link",
	"to":        `"default" or a prefix such as 10.0.2.0/24`,
	"via":       "a next-hop address such as 10.0.1.1",
	"endpoints": "a list of the 2 ends, such as [h1:eth0, r1:eth0]",
	"node":      "the name of a node",
	"interface": "an interface name such as eth0",

	"provider":       "the account's cloud: aws, azure, gcp or oci",
	"account":        "the name of an account under accounts",
	"region":         "a region such as us-east-1 (AWS), eastus (Azure), us-central1 (GCP) or us-ashburn-1 (OCI)",
	"resource-group": "the Azure resource group of the vnet, such as rg-transit",
	"cidr":           "a private IPv4 prefix /16../28 such as 10.1.0.0/16",
	"subnets":        "a mapping of subnet names to prefixes, such as {gw: 10.1.0.0/24}",
	"subnet":         "the name of a subnet of the vpc, such as gw",
	"vpc":            "the name of a vpc under vpcs",
	"tunnels":        "the number of tunnels to each peer gateway, 1..8",
	"transit":        "the name of a transit under transits",
	"router":         "frr, bird or gobgp",
	"advertise":      "a list of the site's prefixes, such as [10.100.0.0/24]",
	"connection":     "how the site reaches its transit, such as {type: private-line, transit: transit}",
	"type":           "private-line or tunnel",
	"members":        "a list of spoke and site names, such as [prod, dc1]",

	"firewalls":            "a mapping of firewall names to firewalls, such as {fw1: {}, fw2: {}}",
	"action":               "allow or deny",
	"egress.gateway":       "the egress gateway's instance name, unique among the lab's names, such as dev-egress",
	"egress.subnet":        "the public subnet of the vpc the egress gateway is launched in, such as gw",
	"psf.gateway":          "the Public Subnet Filtering gateway's instance name, unique among the lab's names, such as shared-psf",
	"psf.subnet":           "the subnet of the vpc the gateway is launched in, such as psf",
	"protects":             "the public subnets of the vpc the gateway filters, such as [web]",
	"fqdn":                 `a name such as api.example.com, or a wildcard such as "*.example.com" (quoted)`,
	"internetHost.address": "the host's address in 192.0.2.0/24, such as 192.0.2.20",
	"userVPN.gateways":     "a mapping of VPN gateway names to gateways, such as {vpn: {vpc: access-vpc, subnet: gw}}",
	"vpnGateway.vpc":       "the vpc of a spoke, such as access-vpc",
	"vpnGateway.subnet":    "the spoke's subnet of that vpc, such as gw",
	"vpnUser.password":     "the password the IdP checks, such as carol-pw",
	"vpnProfile.base":      "allow-all or deny-all",
	"vpnRule.cidr":         "an IPv4 prefix, such as 10.21.0.0/16",

	"site2cloud.site":            "the on-prem router node, such as br1",
	"site2cloud.site-address":    "the site router's address the tunnel uses, such as 203.0.113.2",
	"site2cloud.gateway":         "the gateway node, such as gw1",
	"site2cloud.gateway-address": "the gateway's address the tunnel uses, such as 198.51.100.2",
	"site-subnets":               "the site's prefixes, such as [10.0.0.0/16]",
	"cloud-subnets":              "the prefixes behind the gateway, such as [10.1.0.0/16]",
	"s2cMapping.site":            "the site's real prefix, such as 10.0.0.0/16",
	"s2cMapping.site-virtual":    "what the cloud sees the site's prefix as, such as 100.65.0.0/16",
	"s2cMapping.cloud":           "the cloud's real prefix, such as 10.0.0.0/16",
	"s2cMapping.cloud-virtual":   "what the site sees the cloud's prefix as, such as 100.81.0.0/16",
	"s2cBGP.site-asn":            "the site router's AS number, such as 65401",
	"s2cBGP.inside":              "the tunnel's inside network, such as 169.254.10.0/30",
}
