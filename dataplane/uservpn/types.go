package uservpn

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"time"
)

// Tunnel modes of a gateway.
const (
	// TunnelSplit pushes the cloud's prefixes (Config.Routes) only: the
	// user's other traffic leaves by the laptop's own way out.
	TunnelSplit = "split"
	// TunnelFull pushes a default route: everything, internet included,
	// goes through the gateway, which sends it out with its own address.
	TunnelFull = "full"
)

// Base rules of a profile.
const (
	BaseAllowAll = "allow-all"
	BaseDenyAll  = "deny-all"
)

// Config is what the controller sets on a VPN gateway.
type Config struct {
	// Name is the gateway's name; its server certificate's common name.
	Name string `json:"name"`
	// Port is the UDP port OpenVPN listens on (1194 when 0).
	Port uint16 `json:"port,omitempty"`
	// Pool is the clients' addresses; the server takes its first host.
	Pool netip.Prefix `json:"pool"`
	// Tunnel is TunnelSplit or TunnelFull.
	Tunnel string `json:"tunnel"`
	// Routes are the prefixes a split tunnel pushes.
	Routes []netip.Prefix `json:"routes,omitempty"`
	// Uplink is the interface the clients' traffic leaves by, translated
	// to its address.
	Uplink string `json:"uplink"`
	// CA, Cert and Key are PEM: the CA that signs client certificates,
	// and the server's certificate and key.
	CA   string `json:"ca"`
	Cert string `json:"cert"`
	Key  string `json:"key"`
	// Profiles are the rule sets by name; a client certificate's
	// organizational unit names its profile.
	Profiles map[string]Profile `json:"profiles"`
}

// Profile is what a user may reach: the rules first, then the base.
type Profile struct {
	// Base is BaseAllowAll or BaseDenyAll.
	Base string `json:"base"`
	// Rules each do the opposite of the base for what they match.
	Rules []Rule `json:"rules,omitempty"`
}

// Rule matches destinations: a prefix, a protocol (tcp, udp, icmp, or ""
// for all) and a port (tcp and udp only; 0: all).
type Rule struct {
	CIDR     netip.Prefix `json:"cidr"`
	Protocol string       `json:"protocol,omitempty"`
	Port     uint16       `json:"port,omitempty"`
}

// Session is one connected user.
type Session struct {
	User    string     `json:"user"`
	Profile string     `json:"profile"`
	Address netip.Addr `json:"address"`
	// Remote is the client's address and port as the gateway sees them.
	Remote string    `json:"remote"`
	Since  time.Time `json:"since"`
	// Serial is the client certificate's serial number (hex).
	Serial string `json:"serial,omitempty"`
	cid    uint64
}

// namePattern is what a gateway, user or profile name may be: the
// topology's name rule, so that a name is one token in a configuration
// file and one nftables chain name.
var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9_.@-]{0,62}[a-z0-9])?$`)

// ValidName reports whether s can be a gateway, user or profile name.
func ValidName(s string) bool { return namePattern.MatchString(s) }

// Validate checks cfg whole; the error names each bad field.
func (cfg Config) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	if !ValidName(cfg.Name) {
		bad("name %q: not a valid name", cfg.Name)
	}
	if !cfg.Pool.IsValid() || !cfg.Pool.Addr().Is4() || cfg.Pool.Bits() > 29 || cfg.Pool.Bits() < 16 || cfg.Pool.Masked() != cfg.Pool {
		bad("pool %s: want an IPv4 prefix /16../29 without host bits", cfg.Pool)
	}
	if cfg.Tunnel != TunnelSplit && cfg.Tunnel != TunnelFull {
		bad("tunnel %q: want %s or %s", cfg.Tunnel, TunnelSplit, TunnelFull)
	}
	for _, r := range cfg.Routes {
		if !r.IsValid() || !r.Addr().Is4() || r.Masked() != r {
			bad("route %s: want an IPv4 prefix without host bits", r)
		}
	}
	if !ifacePattern.MatchString(cfg.Uplink) {
		bad("uplink %q: not an interface name", cfg.Uplink)
	}
	for _, p := range []struct{ field, pem string }{{"ca", cfg.CA}, {"cert", cfg.Cert}, {"key", cfg.Key}} {
		if err := checkPEM(p.pem); err != nil {
			bad("%s: %v", p.field, err)
		}
	}
	for name, p := range cfg.Profiles {
		if !ValidName(name) {
			bad("profile %q: not a valid name", name)
		}
		if err := p.validate(); err != nil {
			bad("profile %s: %v", name, err)
		}
	}
	return errors.Join(errs...)
}

// ifacePattern is a Linux interface name.
var ifacePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,15}$`)

func (p Profile) validate() error {
	if p.Base != BaseAllowAll && p.Base != BaseDenyAll {
		return fmt.Errorf("base %q: want %s or %s", p.Base, BaseAllowAll, BaseDenyAll)
	}
	for i, r := range p.Rules {
		if !r.CIDR.IsValid() || !r.CIDR.Addr().Is4() || r.CIDR.Masked() != r.CIDR {
			return fmt.Errorf("rule %d: cidr %s: want an IPv4 prefix without host bits", i, r.CIDR)
		}
		switch r.Protocol {
		case "", "icmp":
			if r.Port != 0 {
				return fmt.Errorf("rule %d: a port needs tcp or udp", i)
			}
		case "tcp", "udp":
		default:
			return fmt.Errorf("rule %d: protocol %q: want tcp, udp, icmp or none", i, r.Protocol)
		}
	}
	return nil
}
