package hpe

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
)

// Kind is the encryption a group's tunnels use.
type Kind string

// The tunnel kinds.
const (
	// ESP is IPsec ESP with AES-GCM in UDP (package esp).
	ESP Kind = "esp"
	// WireGuard is wireguard-go (package wg).
	WireGuard Kind = "wireguard"
)

// AWSTunnelRate is the per-tunnel cap of cloud VPNs in bits per second: AWS
// documents "Maximum bandwidth per VPN tunnel: up to 1.25 Gbps" in
// "Site-to-Site VPN quotas",
// https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-limits.html.
const AWSTunnelRate = 1.25e9

// DefaultMTU is the inner MTU of every tunnel's TUN device: a 1500-byte
// underlay minus the worst encapsulation of both kinds over IPv4 (ESP: 20 IP
// + 8 UDP + 16 header and IV + 5 trailer + 16 ICV = 65; WireGuard: 20 + 8 +
// 32 = 60), rounded down to WireGuard's usual 1420.
const DefaultMTU = 1420

// Default first UDP ports; tunnel i uses port+i on both gateways.
const (
	DefaultESPPort       = 4500
	DefaultWireGuardPort = 51820
)

// Side is one gateway of a group.
type Side struct {
	// Namespace is the gateway's network namespace (mcn-<lab>-<node>).
	Namespace string
	// Underlay is the gateway's outer address, which the tunnels' UDP
	// sockets bind to.
	Underlay netip.Addr
	// Prefixes are the inner networks behind this gateway: the other side
	// routes them over the group.
	Prefixes []netip.Prefix
}

// Config describes a group.
type Config struct {
	Kind Kind
	// Tunnels is the number of tunnels; 0 means runtime.NumCPU().
	Tunnels int
	// RateLimit caps each tunnel in each direction, in bits per second of
	// outer IP packets; 0 means no cap (AWSTunnelRate models AWS).
	RateLimit float64
	// Port is the first UDP port; 0 means DefaultESPPort or
	// DefaultWireGuardPort.
	Port uint16
	// MTU of the TUN devices; 0 means DefaultMTU.
	MTU int
	// IfPrefix names the TUN devices IfPrefix0, IfPrefix1, …; "" means
	// "hpe". It must leave room for the index within 15 bytes.
	IfPrefix string
	// A and B are the two gateways.
	A, B Side
	// Logger receives WireGuard's log; nil discards it.
	Logger *slog.Logger
}

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.Kind != ESP && d.Kind != WireGuard {
		return d, fmt.Errorf("hpe config: unknown kind %q (want %q or %q)", d.Kind, ESP, WireGuard)
	}
	if d.Tunnels == 0 {
		d.Tunnels = runtime.NumCPU()
	}
	if d.Tunnels < 1 || d.Tunnels > 256 {
		return d, fmt.Errorf("hpe config: %d tunnels, want 1 to 256", d.Tunnels)
	}
	if d.RateLimit < 0 {
		return d, fmt.Errorf("hpe config: negative rate limit %g", d.RateLimit)
	}
	if d.Port == 0 {
		d.Port = DefaultESPPort
		if d.Kind == WireGuard {
			d.Port = DefaultWireGuardPort
		}
	}
	if int(d.Port)+d.Tunnels > 65536 {
		return d, fmt.Errorf("hpe config: ports %d+%d run past 65535", d.Port, d.Tunnels)
	}
	if d.MTU == 0 {
		d.MTU = DefaultMTU
	}
	if d.MTU < 576 || d.MTU > 9000 {
		return d, fmt.Errorf("hpe config: MTU %d out of range 576..9000", d.MTU)
	}
	if d.IfPrefix == "" {
		d.IfPrefix = "hpe"
	}
	if len(fmt.Sprintf("%s%d", d.IfPrefix, d.Tunnels-1)) > 15 {
		return d, fmt.Errorf("hpe config: interface names %s0.. exceed 15 bytes", d.IfPrefix)
	}
	for _, s := range []struct {
		name string
		side Side
	}{{"A", d.A}, {"B", d.B}} {
		if s.side.Namespace == "" {
			return d, fmt.Errorf("hpe config: side %s: no namespace", s.name)
		}
		if !s.side.Underlay.Is4() {
			return d, fmt.Errorf("hpe config: side %s: underlay %s is not an IPv4 address", s.name, s.side.Underlay)
		}
		if len(s.side.Prefixes) == 0 {
			return d, fmt.Errorf("hpe config: side %s: no inner prefixes", s.name)
		}
		for _, p := range s.side.Prefixes {
			if !p.IsValid() {
				return d, errors.New("hpe config: side " + s.name + ": invalid prefix")
			}
		}
	}
	return d, nil
}
