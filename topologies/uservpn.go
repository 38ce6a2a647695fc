package topologies

import (
	"net/netip"
	"time"

	"gopkg.in/yaml.v3"
)

// UserVPN is the `user-vpn` block: OpenVPN gateways in an access VPC (a
// VPC with a spoke, so attached to the transit), the lab IdP's users and
// groups, the profiles that say what each may reach, and the laptops
// (lab namespaces on the emulated internet) users connect from.
//
//	user-vpn:
//	  gateways: {vpn: {vpc: access-vpc, subnet: gw, tunnel: split}}
//	  laptops: [laptop1]
//	  users: {carol: {password: carol-pw, groups: [contractors]}}
//	  profiles:
//	    contractor: {base: deny-all, groups: [contractors], rules: [{cidr: 10.2.0.0/16, protocol: tcp, port: 80}]}
type UserVPN struct {
	Gateways []*VPNGateway
	// Lifetime is the longest a credential is valid (DefaultVPNLifetime
	// when 0); users may ask for less.
	Lifetime time.Duration
	Laptops  []*Laptop
	Users    []*VPNUser
	Profiles []*VPNProfile
	Pos      Pos
}

// Tunnel modes of a VPN gateway.
const (
	TunnelSplit = "split"
	TunnelFull  = "full"
)

// Defaults of the user-vpn block.
var (
	DefaultVPNPool     = netip.MustParsePrefix("192.168.43.0/24")
	DefaultVPNLifetime = time.Hour
)

// Bounds of a credential's lifetime.
const (
	MinVPNLifetime = 5 * time.Second
	MaxVPNLifetime = 24 * time.Hour
)

// VPNGateway is one OpenVPN gateway instance.
type VPNGateway struct {
	Name   string
	VPC    string
	Subnet string
	// Tunnel is TunnelSplit (default: only the cloud's prefixes go
	// through it) or TunnelFull (everything, internet included).
	Tunnel string
	// Pool is the clients' addresses (DefaultVPNPool when unset).
	Pool netip.Prefix
	Pos  Pos
}

// Laptop is a user's machine: a lab namespace on the emulated internet.
type Laptop struct {
	Name string
	Pos  Pos
}

// VPNUser is an account of the lab's IdP.
type VPNUser struct {
	Name     string
	Password string
	Groups   []string
	// Profile, if set, is the user's profile, before any of its groups'.
	Profile string
	Pos     Pos
}

// VPNProfile is a base rule and rules by destination; it applies to the
// users that name it and to the members of its groups.
type VPNProfile struct {
	Name   string
	Base   string // allow-all or deny-all
	Groups []string
	Rules  []*VPNRule
	Pos    Pos
}

// VPNRule matches destinations; it does the opposite of its profile's
// base.
type VPNRule struct {
	CIDR     netip.Prefix
	Protocol string // any (default), tcp, udp or icmp
	Port     int    // tcp and udp only; 0 all
	Pos      Pos
}

// ProfileOf is the profile of user (its own, else the first profile in
// the file that one of its groups has), or nil.
func (u *UserVPN) ProfileOf(user string, groups []string) *VPNProfile {
	byName := map[string]*VPNProfile{}
	for _, p := range u.Profiles {
		byName[p.Name] = p
	}
	for _, us := range u.Users {
		if us.Name == user && us.Profile != "" {
			return byName[us.Profile]
		}
	}
	for _, p := range u.Profiles {
		for _, g := range p.Groups {
			for _, ug := range groups {
				if g == ug {
					return p
				}
			}
		}
	}
	return nil
}

var (
	vpnTunnels   = []string{TunnelSplit, TunnelFull}
	vpnBases     = []string{"allow-all", "deny-all"}
	vpnProtocols = []string{"any", "tcp", "udp", "icmp"}
)

// userVPN decodes the user-vpn block; nil when n is nil.
func (d *decoder) userVPN(n *yaml.Node) *UserVPN {
	if n == nil {
		return nil
	}
	u := &UserVPN{Pos: posOf(n)}
	f := d.fields(n, "user-vpn", "userVPN")
	if f == nil {
		return u
	}
	if v := f["gateways"]; v != nil {
		d.named(v, "user-vpn.gateways", "VPN gateway", "a mapping of gateway names to gateways, such as {vpn: {vpc: access-vpc, subnet: gw}}",
			func(name string, key, v *yaml.Node, path string) {
				g := &VPNGateway{Name: name, Pos: posOf(key)}
				if gf := d.fields(v, path, "vpnGateway"); gf != nil {
					g.VPC = d.optStr(gf["vpc"], join(path, "vpc"))
					g.Subnet = d.optStr(gf["subnet"], join(path, "subnet"))
					g.Tunnel = d.optStr(gf["tunnel"], join(path, "tunnel"))
					if p := gf["pool"]; p != nil {
						g.Pool = d.prefix(p, join(path, "pool"), DefaultVPNPool.String())
					}
				}
				u.Gateways = append(u.Gateways, g)
			})
	}
	if v := f["lifetime"]; v != nil {
		s, ok := d.str(v, "user-vpn.lifetime")
		if dur, err := time.ParseDuration(s); ok && err == nil {
			u.Lifetime = dur
		} else if ok {
			d.errf(v, "user-vpn.lifetime", "%q is not a duration; write one such as 1h or 15m", s)
		}
	}
	if v := f["laptops"]; v != nil {
		items, _ := d.list(v, "user-vpn.laptops", "a list of laptop names, such as [laptop1]")
		for i, it := range items {
			p := index("user-vpn.laptops", i)
			d.at(it, p)
			name, _ := d.str(it, p)
			u.Laptops = append(u.Laptops, &Laptop{Name: name, Pos: posOf(it)})
		}
	}
	if v := f["users"]; v != nil {
		d.named(v, "user-vpn.users", "user", "a mapping of user names to users, such as {carol: {password: secret, groups: [contractors]}}",
			func(name string, key, v *yaml.Node, path string) {
				us := &VPNUser{Name: name, Pos: posOf(key)}
				if uf := d.fields(v, path, "vpnUser"); uf != nil {
					us.Password = d.optStr(uf["password"], join(path, "password"))
					us.Profile = d.optStr(uf["profile"], join(path, "profile"))
					if g := uf["groups"]; g != nil {
						us.Groups = d.strings(g, join(path, "groups"), "group names, such as [contractors]")
					}
				}
				u.Users = append(u.Users, us)
			})
	}
	if v := f["profiles"]; v != nil {
		d.named(v, "user-vpn.profiles", "profile", "a mapping of profile names to profiles, such as {contractor: {base: deny-all}}",
			func(name string, key, v *yaml.Node, path string) {
				u.Profiles = append(u.Profiles, d.vpnProfile(name, key, v, path))
			})
	}
	return u
}

// vpnProfile decodes one profile.
func (d *decoder) vpnProfile(name string, key, v *yaml.Node, path string) *VPNProfile {
	p := &VPNProfile{Name: name, Pos: posOf(key)}
	pf := d.fields(v, path, "vpnProfile")
	if pf == nil {
		return p
	}
	p.Base = d.optStr(pf["base"], join(path, "base"))
	if g := pf["groups"]; g != nil {
		p.Groups = d.strings(g, join(path, "groups"), "group names, such as [contractors]")
	}
	if r := pf["rules"]; r != nil {
		items, _ := d.list(r, join(path, "rules"), "a list of rules, such as [{cidr: 10.2.0.0/16, protocol: tcp, port: 443}]")
		for i, it := range items {
			rp := index(join(path, "rules"), i)
			rule := &VPNRule{Pos: posOf(it)}
			if rf := d.fields(it, rp, "vpnRule"); rf != nil {
				if c := rf["cidr"]; c != nil {
					rule.CIDR = d.prefix(c, join(rp, "cidr"), "10.2.0.0/16")
				}
				rule.Protocol = d.optStr(rf["protocol"], join(rp, "protocol"))
				if pt := rf["port"]; pt != nil {
					rule.Port, _ = d.integer(pt, join(rp, "port"))
				}
			}
			p.Rules = append(p.Rules, rule)
		}
	}
	return p
}

// optStr decodes a string that may be absent ("" then).
func (d *decoder) optStr(n *yaml.Node, path string) string {
	if n == nil {
		return ""
	}
	s, _ := d.str(n, path)
	return s
}
