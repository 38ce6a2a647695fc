package topologies

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// KindStrongSwan is an on-prem router running strongSwan's IKE daemon
// (charon, with the kernel-libipsec plugin's userspace ESP, since the lab's
// kernel has no xfrm), configured from the site-to-cloud template of every
// site2cloud connection that names it as its site. Forwarding is on.
const KindStrongSwan NodeKind = "strongswan"

// Site-to-cloud tunnel types.
const (
	// S2CRouteBased routes the site's prefixes into the gateway's IPsec
	// interface (ipsec0) with routes mcnlab installs; charon installs none.
	S2CRouteBased = "route-based"
	// S2CPolicyBased sends into the tunnel exactly what its IPsec policies
	// (the traffic selectors) select, by the routes charon installs for an
	// established child SA; without one the traffic is routed as usual.
	S2CPolicyBased = "policy-based"
)

// Site-to-cloud authentication methods.
const (
	// S2CAuthPSK authenticates both ends with the connection's
	// pre-shared key (made at random per lab).
	S2CAuthPSK = "psk"
	// S2CAuthCert authenticates each end with a certificate of the lab's
	// CA whose subject alternative name is its tunnel address; each end
	// trusts that CA alone.
	S2CAuthCert = "cert"
)

// Default IKEv2 proposals of a site-to-cloud connection (strongSwan's
// syntax): AES-256 with SHA-256 and DH group 14 for the IKE SA, AES-256-GCM
// for the ESP SA.
var (
	DefaultIKEProposal = "aes256-sha256-modp2048"
	DefaultESPProposal = "aes256gcm16"
)

// Site2Cloud is an IPsec connection (IKEv2, pre-shared key or
// certificates of the lab CA) between a
// gateway node and an on-prem site router, optionally with a backup tunnel
// from an HA gateway, and optionally mapped: each side's real prefixes
// shown to the other as virtual prefixes of the same size, translated one
// to one on the gateway.
type Site2Cloud struct {
	Name string
	// Site is the on-prem router: a strongswan node is configured from
	// the connection's template; any other kind is left to the user
	// (`mcnlab s2c config`).
	Site           string
	SiteAddress    netip.Addr
	Gateway        string
	GatewayAddress netip.Addr
	// HAGateway, when set, holds the backup tunnel.
	HAGateway        string
	HAGatewayAddress netip.Addr
	// CloudGateway, when set instead of Gateway, HAGateway and the
	// addresses, is a spoke of the cloud intent: its gateway instance
	// holds the tunnel and its HA instance (ha: true) the backup; the
	// site reaches their public addresses over an uplink to the emulated
	// internet (the lab resolves the addresses once the cloud is up:
	// Resolve).
	CloudGateway string
	// Type is S2CRouteBased or S2CPolicyBased.
	Type string
	// Auth is S2CAuthPSK or S2CAuthCert.
	Auth string
	// IKE and ESP are the phase-1 and phase-2 proposals, in strongSwan's
	// syntax (ParseProposal).
	IKE, ESP []string
	// SiteSubnets are the site's real prefixes; CloudSubnets those behind
	// the gateway.
	SiteSubnets, CloudSubnets []netip.Prefix
	// Mappings, when set, make the connection mapped.
	Mappings []S2CMapping
	// BGP, when set, runs a BGP session over the tunnel: the site's
	// prefixes reach the gateway by BGP instead of static routes.
	BGP *S2CBGP
	Pos Pos
}

// S2CBGP is BGP over a route-based tunnel between the site router and the
// gateway, on the tunnel's inside addresses: the first address of Inside
// is the gateway's, the second the site's (the convention of AWS's
// tunnel inside CIDRs). The gateway's AS number is its node's. With an
// HA gateway the backup tunnel runs a session of its own, on the inside
// network HAInside.
type S2CBGP struct {
	// SiteASN is the site router's AS number.
	SiteASN uint32
	// Inside is the tunnel's inside network, a /30.
	Inside netip.Prefix
	// HAInside, when set, is the backup tunnel's inside network (a
	// /30); unset, the backup tunnel takes the /30 after Inside
	// (BackupInside).
	HAInside netip.Prefix
}

// BackupInside is the backup tunnel's inside network: HAInside when the
// topology gives it, else the /30 that follows Inside.
func (b *S2CBGP) BackupInside() netip.Prefix {
	if b.HAInside.IsValid() {
		return b.HAInside
	}
	return nextInside(b.Inside)
}

// nextInside is the /30 that follows inside network n.
func nextInside(n netip.Prefix) netip.Prefix {
	a := n.Addr()
	for range 4 {
		a = a.Next()
	}
	return netip.PrefixFrom(a, 30)
}

// InsideOf is the inside network of the primary tunnel, or with backup
// of the backup tunnel.
func (b *S2CBGP) InsideOf(backup bool) netip.Prefix {
	if backup {
		return b.BackupInside()
	}
	return b.Inside
}

// GatewayInside is the gateway's inside address, with the network's
// length.
func (b *S2CBGP) GatewayInside() netip.Prefix { return gatewayInside(b.Inside) }

// SiteInside is the site router's inside address, with the network's
// length.
func (b *S2CBGP) SiteInside() netip.Prefix { return siteInside(b.Inside) }

// Tunnel is the gateway's and the site's inside addresses, with the
// network's length, on the primary tunnel or, with backup, on the backup
// tunnel to the HA gateway.
func (b *S2CBGP) Tunnel(backup bool) (gateway, site netip.Prefix) {
	n := b.InsideOf(backup)
	return gatewayInside(n), siteInside(n)
}

// gatewayInside is an inside network's first address, siteInside its
// second.
func gatewayInside(n netip.Prefix) netip.Prefix { return netip.PrefixFrom(n.Addr().Next(), n.Bits()) }

func siteInside(n netip.Prefix) netip.Prefix {
	return netip.PrefixFrom(n.Addr().Next().Next(), n.Bits())
}

// S2CMapping translates one source/destination pair: the site's real
// prefix Site is shown to the cloud as SiteVirtual, the cloud's real
// prefix Cloud to the site as CloudVirtual (each the size of its real one).
type S2CMapping struct {
	Site, SiteVirtual, Cloud, CloudVirtual netip.Prefix
}

// InCloud reports whether the connection's gateways are cloud instances
// (CloudGateway).
func (s *Site2Cloud) InCloud() bool { return s.CloudGateway != "" }

// Resolve returns a copy of s whose gateways are the instances holding
// it in the cloud: gateway (and ha, when set) name them and give their
// public addresses, and site is the site's uplink address.
func (s *Site2Cloud) Resolve(site netip.Addr, gateway string, gatewayAddr netip.Addr, ha string, haAddr netip.Addr) *Site2Cloud {
	r := *s
	r.SiteAddress, r.Gateway, r.GatewayAddress, r.HAGateway, r.HAGatewayAddress = site, gateway, gatewayAddr, ha, haAddr
	return &r
}

// NodeSite2Cloud returns the connections of t whose gateways are nodes
// of the topology (not InCloud).
func (t *Topology) NodeSite2Cloud() []*Site2Cloud {
	var out []*Site2Cloud
	for _, s := range t.Site2Cloud {
		if s != nil && !s.InCloud() {
			out = append(out, s)
		}
	}
	return out
}

// Mapped reports whether the connection translates addresses.
func (s *Site2Cloud) Mapped() bool { return len(s.Mappings) > 0 }

// Proposal is an IKEv2 proposal: the algorithms of one strongSwan proposal
// string such as aes256-sha256-modp2048.
type Proposal struct {
	// Encryption is aes128, aes192, aes256 (CBC) or aes128gcm16,
	// aes256gcm16 (AEAD).
	Encryption string
	// Integrity is sha1, sha256, sha384 or sha512; empty with AEAD.
	Integrity string
	// PRF is prfsha256 and the like; empty when it follows Integrity.
	PRF string
	// DH is modp2048, modp3072, modp4096, ecp256, ecp384 or curve25519;
	// empty for an ESP proposal without PFS.
	DH string
}

// The algorithms ParseProposal knows, by kind.
var (
	proposalEncryption = []string{"aes128", "aes192", "aes256", "aes128gcm16", "aes256gcm16"}
	proposalIntegrity  = []string{"sha1", "sha256", "sha384", "sha512"}
	proposalPRF        = []string{"prfsha1", "prfsha256", "prfsha384", "prfsha512"}
	proposalDH         = []string{"modp2048", "modp3072", "modp4096", "ecp256", "ecp384", "curve25519"}
)

// AEAD reports whether the encryption also authenticates (GCM).
func (p Proposal) AEAD() bool { return strings.Contains(p.Encryption, "gcm") }

// String is the proposal in strongSwan's syntax.
func (p Proposal) String() string {
	parts := []string{p.Encryption}
	for _, s := range []string{p.Integrity, p.PRF, p.DH} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "-")
}

// ParseProposal reads one proposal in strongSwan's syntax: an encryption
// algorithm, then (not with AES-GCM) an integrity algorithm, an optional
// PRF, and a DH group (required when ike is true). Each kind appears once,
// in that order, from the lists above.
func ParseProposal(s string, ike bool) (Proposal, error) {
	var p Proposal
	if len(s) > 128 {
		return p, fmt.Errorf("proposal of %d bytes; at most 128", len(s))
	}
	parts := strings.Split(s, "-")
	if !member(parts[0], proposalEncryption) {
		return p, fmt.Errorf("proposal %q: %q is no encryption algorithm; use one of %s", s, parts[0], strings.Join(proposalEncryption, ", "))
	}
	p.Encryption = parts[0]
	for _, t := range parts[1:] {
		switch {
		case member(t, proposalIntegrity) && p.Integrity == "" && p.PRF == "" && p.DH == "" && !p.AEAD():
			p.Integrity = t
		case member(t, proposalPRF) && p.PRF == "" && p.DH == "":
			p.PRF = t
		case member(t, proposalDH) && p.DH == "":
			p.DH = t
		default:
			return p, fmt.Errorf("proposal %q: %q is out of place or unknown; write encryption-integrity-[prf-]dh such as %s (integrity: %s; dh: %s)",
				s, t, DefaultIKEProposal, strings.Join(proposalIntegrity, ", "), strings.Join(proposalDH, ", "))
		}
	}
	switch {
	case !p.AEAD() && p.Integrity == "":
		return p, fmt.Errorf("proposal %q: %s needs an integrity algorithm (%s)", s, p.Encryption, strings.Join(proposalIntegrity, ", "))
	case ike && p.DH == "":
		return p, fmt.Errorf("proposal %q: an IKE proposal needs a DH group (%s)", s, strings.Join(proposalDH, ", "))
	case ike && p.AEAD() && p.PRF == "":
		return p, fmt.Errorf("proposal %q: an IKE proposal with %s needs a PRF (%s)", s, p.Encryption, strings.Join(proposalPRF, ", "))
	case !ike && p.PRF != "":
		return p, fmt.Errorf("proposal %q: an ESP proposal takes no PRF", s)
	}
	return p, nil
}

func member(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// s2cNameRE is a connection name: it names strongSwan sections, Cisco
// objects and files, so letters, digits and '-' only.
var s2cNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
