package topologies

import (
	"fmt"
	"iter"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// Limits of the cloud intent in format v1.
const (
	// MaxGatewayName is the longest transit or spoke name, in bytes. The
	// controller names a pair's gateways NAME-1 and NAME-2, and a gateway
	// name is at most 12 bytes of a-z, 0-9 and '-': another gateway's
	// tunnel to it is the interface wg-<name>, within the kernel's 15
	// bytes (dataplane/gateway: Peer.Interface and its name rule).
	MaxGatewayName = 10
	// MaxHPETunnels is the most tunnels a transit runs to each peer
	// gateway with high performance encryption.
	MaxHPETunnels = 8
)

// The size of a VPC's and of a subnet's CIDR block, from AWS: "The allowed
// block size is between a /16 netmask (65,536 IP addresses) and /28
// netmask (16 IP addresses)"
// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
const (
	minCIDRBits = 16
	maxCIDRBits = 28
)

// regionRE is the shape of a region name, such as us-east-1 or
// us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)

// gatewayNameRE is the shape of a transit or spoke name: its gateways'
// names are NAME-1 and NAME-2, and a gateway name is a-z, 0-9 and '-'.
var gatewayNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// privateRanges is the RFC 1918 address space that VPC CIDRs come from.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// providers are the providers of format v1, in documentation order.
var providers = []string{string(ProviderAWS), string(ProviderAzure), string(ProviderGCP), string(ProviderOCI)}

// cloudIndex holds the cloud objects by name for the cross-reference checks.
type cloudIndex struct {
	accounts map[string]*Account
	vpcs     map[string]*VPC
	transits map[string]*Transit
	spokes   map[string]*Spoke
	sites    map[string]*Site
	domains  map[string]*Domain
	// names of each kind in file order, for "did you mean" and lists
	accountNames, vpcNames, transitNames, spokeNames, siteNames, domainNames []string

	vpcOK      map[string]bool    // VPCs whose CIDR is usable
	subnetOK   map[*Subnet]bool   // subnets whose CIDR is usable
	transitASN map[string]bool    // transits whose ASN is usable
	siteAdv    map[string]bool    // sites whose advertised prefixes are all usable
	addrs      map[netip.Addr]who // workload and site host addresses
	hosted     map[string]who     // VPC -> the transit or spoke it hosts
}

// who is the holder of a name or an address, for "already used by" errors.
type who struct {
	kind, name, path string
}

// checkCloud runs the checks of the cloud intent.
func (c *checker) checkCloud(t *Topology) {
	cl := t.Cloud
	if cl == nil {
		return
	}
	x := &cloudIndex{
		accounts: map[string]*Account{}, vpcs: map[string]*VPC{}, transits: map[string]*Transit{},
		spokes: map[string]*Spoke{}, sites: map[string]*Site{}, domains: map[string]*Domain{},
		vpcOK: map[string]bool{}, subnetOK: map[*Subnet]bool{}, transitASN: map[string]bool{},
		siteAdv: map[string]bool{}, addrs: map[netip.Addr]who{}, hosted: map[string]who{},
	}
	// Register every name first: a spoke may name a transit defined
	// after it, a domain a site, and so on.
	register(cl.Accounts, x.accounts, &x.accountNames, func(a *Account) string { return a.Name })
	register(cl.VPCs, x.vpcs, &x.vpcNames, func(v *VPC) string { return v.Name })
	register(cl.Transits, x.transits, &x.transitNames, func(tr *Transit) string { return tr.Name })
	register(cl.Spokes, x.spokes, &x.spokeNames, func(s *Spoke) string { return s.Name })
	register(cl.Sites, x.sites, &x.siteNames, func(s *Site) string { return s.Name })
	register(cl.Domains, x.domains, &x.domainNames, func(dm *Domain) string { return dm.Name })
	c.checkAccounts(cl, x)
	c.checkVPCs(cl, x)
	c.checkRegions(cl, x)
	c.checkAzure(cl, x)
	c.checkTransits(cl, x)
	c.checkSpokes(cl, x)
	c.checkPairs(peeringItems(cl.TransitPeerings), x.transitNames, "transit-peerings", "transit", "peering")
	c.checkSites(cl, x)
	c.checkApprovals(cl, x)
	c.checkDomains(cl, x)
	c.checkASNsUnique(cl, x)
	c.checkQuotaUse(cl, x)
}

// register indexes the first item of each name in byName and appends its
// name to names (file order); nil items are skipped.
func register[T any](items []*T, byName map[string]*T, names *[]string, name func(*T) string) {
	for _, it := range items {
		if it == nil {
			continue
		}
		if n := name(it); byName[n] == nil {
			byName[n] = it
			*names = append(*names, n)
		}
	}
}

// errAt records an error at pos (a name's key, where the field path's own
// position is its value's).
func (c *checker) errAt(pos Pos, path, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.file, Line: pos.Line, Col: pos.Col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// ref checks that name, at path, is one of names (file order); kind names
// what it refers to ("vpc") and list introduces names in the error
// ("defined vpcs"). It reports whether the reference resolves; it reports
// nothing when the mappings that define the names (field paths in from)
// could not be read, as their error says so already.
func (c *checker) ref(path string, pos Pos, kind, name string, names []string, list string, from ...string) bool {
	if c.bad[path] {
		return false
	}
	for _, f := range from {
		if c.bad[f] {
			return false
		}
	}
	if contains(names, name) {
		return true
	}
	if name == "" {
		c.errf(path, pos, "missing %s name; %s: %s", kind, list, namesOrNone(names))
	} else {
		c.errf(path, pos, "unknown %s %q%s %s: %s", kind, name, orDot(didYouMean(name, names)), list, namesOrNone(names))
	}
	return false
}

// namesOrNone lists names sorted, or says "none".
func namesOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return listNames(slices.Clone(names))
}

// checkPrefix4 checks that p, at path, is an IPv4 network prefix; it
// reports whether later checks may use it.
func (c *checker) checkPrefix4(path string, pos Pos, p netip.Prefix, example string) bool {
	if c.bad[path] {
		return false
	}
	switch {
	case !p.IsValid():
		c.errf(path, pos, "missing prefix; write one such as %s", example)
	case !p.Addr().Is4():
		c.errf(path, pos, "%s is IPv6; the cloud intent of format v1 is IPv4 only: write a prefix such as %s", p, example)
	case p != p.Masked():
		c.errf(path, pos, "%s has host bits set; write the network, %s", p, p.Masked())
	default:
		return true
	}
	return false
}

// checkASN checks an AS number at path; 0 is an error only when required.
// It reports whether the number may be compared with others.
func (c *checker) checkASN(path string, pos Pos, asn uint32, required bool) bool {
	switch {
	case c.bad[path]:
		return false
	case asn == 0 && required:
		c.errf(path, pos, "missing AS number; write asn: 65000")
		return false
	case reservedASN(asn) != "":
		c.errf(path, pos, "%s", reservedASN(asn))
		return false
	}
	return asn != 0
}

// addrUnique records a workload or host address; a second use is an error.
func (c *checker) addrUnique(a netip.Addr, path string, pos Pos, w who, x *cloudIndex) {
	if first, ok := x.addrs[a]; ok {
		c.errf(path, pos, "duplicate address %s; already used by %s %s (%s)", a, first.kind, first.name, c.where(first.path))
		return
	}
	x.addrs[a] = w
}

// firstName checks the name of an item of kind at path: its shape, and
// that no earlier item in seen has it. It reports whether the item is the
// first of its name, to be checked further.
func (c *checker) firstName(seen map[string]bool, kind, name, path string, pos Pos) bool {
	if msg := checkName(kind, name); msg != "" {
		c.errf(path, pos, "%s", msg)
	}
	if seen[name] {
		c.errf(path, pos, "duplicate %s %q", kind, name)
		return false
	}
	seen[name] = true
	return true
}

// checkAccounts checks names, providers and credentials.
func (c *checker) checkAccounts(cl *Cloud, x *cloudIndex) {
	seen := map[string]bool{}
	for i, a := range cl.Accounts {
		if a == nil {
			c.errf(index("accounts", i), Pos{}, "nil account")
			continue
		}
		path := join("accounts", a.Name)
		if !c.firstName(seen, "account", a.Name, path, a.Pos) {
			continue
		}
		if pp := join(path, "provider"); !c.bad[pp] {
			switch {
			case a.Provider == "":
				c.errf(pp, a.Pos, "missing provider; write provider: aws, provider: azure, provider: gcp or provider: oci")
			case !contains(providers, string(a.Provider)):
				c.errf(pp, a.Pos, "unknown provider %q%s valid providers in format v1: %s",
					a.Provider, orDot(didYouMean(string(a.Provider), providers)), strings.Join(providers, ", "))
			}
		}
		if cp := join(path, "credentials"); !c.bad[cp] {
			if msg := checkCredentials(a.Credentials); msg != "" {
				c.errf(cp, a.Pos, "%s", msg)
			} else if a.Provider == ProviderAzure && strings.HasPrefix(a.Credentials, "profile:") {
				c.errf(cp, a.Pos, "credentials %q: profiles are AWS's; an azure account's credentials are lab (the lab's emulated Azure; the default) or env (azidentity's default chain, with the subscription in AZURE_SUBSCRIPTION_ID)", a.Credentials)
			} else if a.Provider == ProviderGCP && strings.HasPrefix(a.Credentials, "profile:") {
				c.errf(cp, a.Pos, "credentials %q: profiles are AWS's; a gcp account's credentials are lab (the lab's emulated GCP; the default) or env (application default credentials, with the project in GOOGLE_CLOUD_PROJECT)", a.Credentials)
			} else if a.Provider == ProviderOCI && strings.HasPrefix(a.Credentials, "profile:") {
				c.errf(cp, a.Pos, "credentials %q: profiles are AWS's; an oci account's credentials are lab (the lab's emulated OCI; the default) or env (the OCI config file at OCI_CONFIG_FILE, profile OCI_CLI_PROFILE, else ~/.oci/config; the compartment in OCI_COMPARTMENT_ID, else the tenancy)", a.Credentials)
			}
		}
		c.checkCompartment(a, path)
		if a.Provider == ProviderAzure || a.Provider == ProviderGCP || a.Provider == ProviderOCI {
			c.checkCloudAccount(a, path)
			continue
		}
		c.checkQuotaValues(a, path)
	}
}

// checkCredentials says what is wrong with an account's credentials, or "".
func checkCredentials(s string) string {
	const valid = "use lab (the lab's emulated cloud; the default), env (the SDK's default chain: environment, shared files, instance role) or profile:NAME (a profile of the shared configuration files)"
	name, isProfile := strings.CutPrefix(s, "profile:")
	switch {
	case s == "" || s == credentialsLab || s == "env":
		return ""
	case isProfile && name == "":
		return fmt.Sprintf("credentials %q names no profile; write profile:NAME, such as profile:lab-admin", s)
	case isProfile && strings.ContainsAny(name, " \t[]"):
		return fmt.Sprintf("bad profile name %q in credentials; a profile name has no blanks or brackets", name)
	case isProfile:
		return ""
	}
	return fmt.Sprintf("bad credentials %q%s %s", s, orDot(didYouMean(s, []string{credentialsLab, "env"})), valid)
}

// checkVPCs checks each VPC, its subnets and workloads, and that VPCs do
// not overlap.
func (c *checker) checkVPCs(cl *Cloud, x *cloudIndex) {
	seen := map[string]bool{}
	ociFirst := map[string]*VPC{} // each oci account's first vcn with a good region
	var placed []*VPC             // VPCs with a usable CIDR, in file order
	for i, v := range cl.VPCs {
		if v == nil {
			c.errf(index("vpcs", i), Pos{}, "nil vpc")
			continue
		}
		path := join("vpcs", v.Name)
		if !c.firstName(seen, "vpc", v.Name, path, v.Pos) {
			continue
		}
		c.ref(join(path, "account"), v.Pos, "account", v.Account, x.accountNames, "defined accounts", "accounts")
		// An account's VPCs may be in several regions: the controller makes
		// each VPC in its own region, and transit peerings between regions
		// run over the gateways' public addresses (Aviatrix transit gateway
		// peering, by default over the internet, not a private network:
		// https://registry.terraform.io/providers/AviatrixSystems/aviatrix/latest/docs/resources/aviatrix_transit_gateway_peering
		// enable_peering_over_private_network defaults to false).
		azure := x.accounts[v.Account] != nil && x.accounts[v.Account].Provider == ProviderAzure
		gcp := x.accounts[v.Account] != nil && x.accounts[v.Account].Provider == ProviderGCP
		oci := x.accounts[v.Account] != nil && x.accounts[v.Account].Provider == ProviderOCI
		if rp := join(path, "region"); gcp {
			c.checkGCPRegion(v, rp)
		} else if oci {
			c.checkOCIRegion(v, rp, ociFirst)
		} else if !c.bad[rp] {
			switch {
			case v.Region == "" && azure:
				c.errf(rp, v.Pos, "missing region; write one such as eastus")
			case v.Region == "":
				c.errf(rp, v.Pos, "missing region; write one such as us-east-1")
			case azure && !azureRegionRE.MatchString(v.Region):
				c.errf(rp, v.Pos, "bad region %q; write an Azure region's name such as eastus or westeurope", v.Region)
			case !azure && !regionRE.MatchString(v.Region):
				c.errf(rp, v.Pos, "bad region %q; write a region name such as us-east-1", v.Region)
			}
		}
		c.checkResourceGroup(v, path, x.accounts[v.Account])
		cp := join(path, "cidr")
		if c.checkVPCCIDR(cp, v) {
			x.vpcOK[v.Name] = true
			for _, o := range placed {
				if o.CIDR.Overlaps(v.CIDR) {
					c.errf(cp, v.Pos, "cidr %s of vpc %s overlaps cidr %s of vpc %s (%s); give every vpc its own range",
						v.CIDR, v.Name, o.CIDR, o.Name, c.where(join(join("vpcs", o.Name), "cidr")))
					break
				}
			}
			placed = append(placed, v)
		}
		c.checkSubnets(v, path, x)
		for j, w := range v.Workloads {
			if w == nil {
				c.errf(index(join(path, "workloads"), j), v.Pos, "nil workload")
				continue
			}
			c.checkWorkload(v, w, join(join(path, "workloads"), w.Name), x)
		}
	}
}

// checkVPCCIDR checks a VPC's CIDR; it reports whether it is usable.
func (c *checker) checkVPCCIDR(path string, v *VPC) bool {
	if !c.checkPrefix4(path, v.Pos, v.CIDR, "10.1.0.0/16") {
		return false
	}
	p := v.CIDR
	if p.Bits() < minCIDRBits || p.Bits() > maxCIDRBits {
		c.errf(path, v.Pos, "cidr %s is a /%d; a vpc's cidr is /%d to /%d (AWS), such as 10.1.0.0/16", p, p.Bits(), minCIDRBits, maxCIDRBits)
		return false
	}
	for _, r := range privateRanges {
		if r.Contains(p.Addr()) && p.Bits() >= r.Bits() {
			return true
		}
	}
	c.errf(path, v.Pos, "cidr %s is not private address space; use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), such as 10.1.0.0/16", p)
	return false
}

// checkSubnets checks a VPC's subnets: names, sizes, inside the VPC, no
// overlaps.
func (c *checker) checkSubnets(v *VPC, path string, x *cloudIndex) {
	seen := map[string]bool{}
	var placed []*Subnet
	for j, s := range v.Subnets {
		if s == nil {
			c.errf(index(join(path, "subnets"), j), v.Pos, "nil subnet")
			continue
		}
		sp := join(join(path, "subnets"), s.Name)
		if msg := checkName("subnet", s.Name); msg != "" {
			c.errAt(s.Pos, sp, "%s", msg)
		}
		if seen[s.Name] {
			c.errAt(s.Pos, sp, "duplicate subnet %q", s.Name)
			continue
		}
		seen[s.Name] = true
		if !c.checkPrefix4(sp, s.Pos, s.CIDR, "10.1.0.0/24") {
			continue
		}
		p := s.CIDR
		if p.Bits() < minCIDRBits || p.Bits() > maxCIDRBits {
			c.errf(sp, s.Pos, "subnet %s is a /%d; a subnet is /%d to /%d (AWS), such as 10.1.0.0/24", p, p.Bits(), minCIDRBits, maxCIDRBits)
			continue
		}
		x.subnetOK[s] = true
		if x.vpcOK[v.Name] && !(v.CIDR.Contains(p.Addr()) && p.Bits() >= v.CIDR.Bits()) {
			c.errf(sp, s.Pos, "subnet %s is not inside the vpc's cidr %s; use a prefix inside it, such as %s",
				p, v.CIDR, netip.PrefixFrom(v.CIDR.Addr(), max(24, v.CIDR.Bits())))
			continue
		}
		for _, o := range placed {
			if o.CIDR.Overlaps(p) {
				c.errf(sp, s.Pos, "subnet %s (%s) overlaps subnet %s (%s, %s); the subnets of a vpc do not overlap",
					s.Name, p, o.Name, o.CIDR, c.where(join(join(path, "subnets"), o.Name)))
				break
			}
		}
		placed = append(placed, s)
	}
}

// subnetNames lists a VPC's subnet names in file order.
func subnetNames(v *VPC) []string {
	var s []string
	for _, sn := range v.Subnets {
		if sn != nil {
			s = append(s, sn.Name)
		}
	}
	return s
}

// subnet returns the VPC's subnet of that name, or nil.
func (v *VPC) subnet(name string) *Subnet {
	for _, s := range v.Subnets {
		if s != nil && s.Name == name {
			return s
		}
	}
	return nil
}

// refSubnet checks that name, at path, is a subnet of v and returns it.
func (c *checker) refSubnet(path string, pos Pos, name string, v *VPC) *Subnet {
	if !c.ref(path, pos, "subnet", name, subnetNames(v), "subnets of vpc "+v.Name, join(join("vpcs", v.Name), "subnets")) {
		return nil
	}
	return v.subnet(name)
}

// checkWorkload checks a workload's subnet, address and allow list.
func (c *checker) checkWorkload(v *VPC, w *Workload, path string, x *cloudIndex) {
	sub := c.refSubnet(join(path, "subnet"), w.Pos, w.Subnet, v)
	if ap := join(path, "address"); !c.bad[ap] && w.Address.IsValid() {
		a := w.Address
		switch {
		case !a.Is4():
			c.errf(ap, w.Pos, "%s is IPv6; the cloud intent of format v1 is IPv4 only: write an address such as 10.1.1.10", a)
		case sub != nil && x.subnetOK[sub] && !sub.CIDR.Contains(a):
			c.errf(ap, w.Pos, "%s is not in subnet %s (%s); use an address inside it, such as %s", a, sub.Name, sub.CIDR, firstUsable(sub.CIDR))
		case sub != nil && x.subnetOK[sub] && reservedIn(x.provider(v), sub, a) != "":
			c.errf(ap, w.Pos, "%s", reservedIn(x.provider(v), sub, a))
		default:
			c.addrUnique(a, ap, w.Pos, who{"workload", w.Name, ap}, x)
		}
	}
	for k, p := range w.Allow {
		c.checkPrefix4(index(join(path, "allow"), k), w.Pos, p, "10.0.0.0/8")
	}
}

// firstUsable is the first address AWS lets an instance have in a subnet.
func firstUsable(p netip.Prefix) netip.Addr {
	return p.Addr().Next().Next().Next().Next()
}

// provider is the provider of v's account, or "" when it has none.
func (x *cloudIndex) provider(v *VPC) Provider {
	if a := x.accounts[v.Account]; a != nil {
		return a.Provider
	}
	return ""
}

// awsReserved reports whether a is one of the 5 addresses AWS reserves in
// subnet p: the first four and the last.
func awsReserved(p netip.Prefix, a netip.Addr) bool {
	return a.Less(firstUsable(p)) || a == lastAddr(p)
}

// refVPC checks that name, at path, is a VPC and returns it.
func (c *checker) refVPC(path string, pos Pos, name string, x *cloudIndex) *VPC {
	if !c.ref(path, pos, "vpc", name, x.vpcNames, "defined vpcs", "vpcs") {
		return nil
	}
	return x.vpcs[name]
}

// hostOnce records that a VPC hosts a transit or spoke; a second one is an
// error at path (the vpc field).
func (c *checker) hostOnce(vpc, path string, pos Pos, w who, x *cloudIndex) {
	if first, ok := x.hosted[vpc]; ok {
		c.errf(path, pos, "vpc %s already hosts %s %s (%s); a vpc hosts at most one transit or spoke", vpc, first.kind, first.name, c.where(first.path))
		return
	}
	x.hosted[vpc] = w
}

// checkPlacement checks the vpc and subnet of a transit or spoke, g (its
// path is the mapping's), and that no other one is in that vpc.
func (c *checker) checkPlacement(g who, vpc, subnet string, pos Pos, x *cloudIndex) {
	vp := join(g.path, "vpc")
	if v := c.refVPC(vp, pos, vpc, x); v != nil {
		c.refSubnet(join(g.path, "subnet"), pos, subnet, v)
		c.hostOnce(vpc, vp, pos, g, x)
	}
}

// checked yields the items of a list of named things (list "transits",
// kind "transit") that the per-kind checks look at, with their paths:
// a nil item is reported at its index, and an item whose name an earlier
// one took (reported by checkNames; first holds the first by name) is
// left out.
func checked[T any](c *checker, list, kind string, items []*T, first map[string]*T, name func(*T) string) iter.Seq2[string, *T] {
	return func(yield func(string, *T) bool) {
		for i, it := range items {
			if it == nil {
				c.errf(index(list, i), Pos{}, "nil %s", kind)
				continue
			}
			if first[name(it)] != it {
				continue
			}
			if !yield(join(list, name(it)), it) {
				return
			}
		}
	}
}

// checkTransits checks each transit's placement, AS, HPE and approval mode.
func (c *checker) checkTransits(cl *Cloud, x *cloudIndex) {
	for path, tr := range checked(c, "transits", "transit", cl.Transits, x.transits, func(t *Transit) string { return t.Name }) {
		c.checkPlacement(who{"transit", tr.Name, path}, tr.VPC, tr.Subnet, tr.Pos, x)
		x.transitASN[tr.Name] = c.checkASN(join(path, "asn"), tr.Pos, tr.ASN, true)
		tp := join(join(path, "hpe"), "tunnels")
		_, set := c.pos[tp]
		if n := tr.HPETunnels; !c.bad[tp] && ((set && n < 1) || n < 0 || n > MaxHPETunnels) {
			c.errf(tp, tr.Pos, "hpe tunnels %d is out of range; use 1..%d (tunnels to each peer gateway)", n, MaxHPETunnels)
		}
		ap := join(path, "approval")
		mode := tr.Approval.Mode
		mp := join(ap, "mode")
		switch {
		case c.bad[mp]:
		case mode != "" && mode != ApprovalAuto && mode != ApprovalManual:
			modes := []string{string(ApprovalAuto), string(ApprovalManual)}
			c.errf(mp, tr.Pos, "unknown approval mode %q%s valid modes: %s", mode, orDot(didYouMean(string(mode), modes)), strings.Join(modes, ", "))
		case mode != ApprovalManual && len(tr.Approval.Approved) > 0:
			c.errf(join(ap, "approved"), tr.Pos, "approved routes are for mode manual; with mode auto every learned route is accepted already: set mode: manual, or remove approved")
		}
	}
}

// checkSpokes checks each spoke's placement, transit and AS.
func (c *checker) checkSpokes(cl *Cloud, x *cloudIndex) {
	for path, s := range checked(c, "spokes", "spoke", cl.Spokes, x.spokes, func(s *Spoke) string { return s.Name }) {
		c.checkPlacement(who{"spoke", s.Name, path}, s.VPC, s.Subnet, s.Pos, x)
		transitOK := c.ref(join(path, "transit"), s.Pos, "transit", s.Transit, x.transitNames, "defined transits", "transits")
		asp := join(path, "asn")
		if c.checkASN(asp, s.Pos, s.ASN, false) && transitOK && x.transitASN[s.Transit] && x.transits[s.Transit].ASN == s.ASN {
			c.errf(asp, s.Pos, "AS %d is the AS of its transit %s (%s); a spoke needs an AS of its own (eBGP to the transit), or leave asn out for the controller to choose one",
				s.ASN, s.Transit, c.where(join(join("transits", s.Transit), "asn")))
		}
	}
}

// pairItem is a two-name item of transit-peerings or connections; nil
// when the Go value is a nil pointer.
type pairItem struct {
	a, b string
	pos  Pos
	nil  bool
}

// pairItems are the items of a list of pairs; item reads one that is not nil.
func pairItems[T any](l []*T, item func(*T) pairItem) []pairItem {
	out := make([]pairItem, len(l))
	for i, p := range l {
		if p == nil {
			out[i].nil = true
		} else {
			out[i] = item(p)
		}
	}
	return out
}

// peeringItems are the transit peerings as pair items.
func peeringItems(l []*TransitPeering) []pairItem {
	return pairItems(l, func(p *TransitPeering) pairItem { return pairItem{a: p.A, b: p.B, pos: p.Pos} })
}

// connectionItems are the domain connections as pair items.
func connectionItems(l []*DomainConnection) []pairItem {
	return pairItems(l, func(p *DomainConnection) pairItem { return pairItem{a: p.A, b: p.B, pos: p.Pos} })
}

// checkPairs checks a list of pairs at path: both names defined (of kind,
// among names), distinct, and each pair once in either order; what names
// an item ("peering").
func (c *checker) checkPairs(items []pairItem, names []string, path, kind, what string) {
	seen := map[[2]string]int{}
	for i, item := range items {
		p := index(path, i)
		if item.nil {
			c.errf(p, Pos{}, "nil %s", what)
			continue
		}
		if c.bad[p] {
			continue
		}
		okA := c.ref(index(p, 0), item.pos, kind, item.a, names, "defined "+kind+"s", kind+"s")
		okB := c.ref(index(p, 1), item.pos, kind, item.b, names, "defined "+kind+"s", kind+"s")
		if !okA || !okB {
			continue
		}
		a, b := item.a, item.b
		if a == b {
			c.errf(p, item.pos, "%s of %s %s with itself; join two different %ss", what, kind, a, kind)
			continue
		}
		key := [2]string{min(a, b), max(a, b)}
		if j, dup := seen[key]; dup {
			c.errf(p, item.pos, "a second %s of %s and %s; the first is %s", what, a, b, c.where(index(path, j)))
			continue
		}
		seen[key] = i
	}
}
