package topologies

import "net/netip"

// The emulated internet: a resolver and hosts outside every cloud, on
// documentation addresses. In YAML (see FORMAT.md):
//
//	internet:
//	  dns: 192.0.2.53              # optional; the resolver's address
//	  hosts:
//	    web1: {address: 192.0.2.20, names: [api.example.com, blocked.example.net]}
//	    attacker: {address: 192.0.2.66, role: client}
//
// Host addresses come from InternetSpace: the cloud's emulated internet
// gives 198.51.100.0/24 to site uplinks, 203.0.113.0/24 to elastic IPs and
// 198.18.0.0/15 to its internal links (cloudmock/realize), so a host there
// could take an address that the lab hands out.

// Internet is the lab's emulated internet: its DNS resolver and its hosts.
type Internet struct {
	// DNS is the resolver's address (DefaultInternetDNS when the file sets
	// none), in InternetSpace and no host's address.
	DNS netip.Addr
	// Hosts in file order.
	Hosts []*InternetHost
	Pos   Pos
}

// InternetRole says what an internet host does.
type InternetRole string

// The internet host roles.
const (
	// RoleServer serves HTTP and HTTPS for its names (the default).
	RoleServer InternetRole = "server"
	// RoleClient serves nothing: a source of traffic from the internet
	// (a user, a scanner, an attacker).
	RoleClient InternetRole = "client"
)

// Service is a protocol a server host serves.
type Service string

// The services of a server host.
const (
	ServeHTTP  Service = "http"  // HTTP on TCP port 80
	ServeHTTPS Service = "https" // HTTPS on TCP port 443, a certificate per name chosen by SNI
)

// InternetHost is one host of the emulated internet.
type InternetHost struct {
	Name    string
	Address netip.Addr // in InternetSpace
	Role    InternetRole
	// Names are the DNS names the resolver answers with Address and that
	// a server serves: lower-case RFC 1123 host names of at least two
	// labels.
	Names []string
	// Serve lists the protocols a server serves (both when the file sets
	// none); empty for a client.
	Serve []Service
	// Shared lets other hosts that set it serve the same names: the
	// resolver answers such a name with all their addresses.
	Shared bool
	Pos    Pos
}

// InternetSpace is where internet hosts and the resolver take their
// addresses: TEST-NET-1 (RFC 5737), the emulated internet's servers.
var InternetSpace = netip.MustParsePrefix("192.0.2.0/24")

// DefaultInternetDNS is the resolver's address when the file sets none.
var DefaultInternetDNS = netip.MustParseAddr("192.0.2.53")

// InternetServerAddr is the address the cloud's realizer gives the
// internet namespace itself (cloudmock/realize.InternetServer), which its
// tests and probes use; no host takes it.
var InternetServerAddr = netip.MustParseAddr("192.0.2.10")

// internetRoles and services are the values of role and serve, in
// documentation order.
var (
	internetRoles = []string{string(RoleServer), string(RoleClient)}
	services      = []string{string(ServeHTTP), string(ServeHTTPS)}
)

// internetPools are the other documentation and benchmarking ranges,
// which the lab hands out itself; a host address there is refused with
// the reason.
var internetPools = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("198.51.100.0/24"), "the uplink pool (TEST-NET-2): on-prem sites' public addresses (cloudmock/realize.UplinkSpace)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "the elastic IP pool (TEST-NET-3): the cloud's public addresses"},
	{netip.MustParsePrefix("198.18.0.0/15"), "the lab's internal link pool (benchmarking, RFC 2544): the cloud's links to the internet and between routers"},
}

// Host returns the host with the given name, or nil.
func (in *Internet) Host(name string) *InternetHost {
	for _, h := range in.Hosts {
		if h != nil && h.Name == name {
			return h
		}
	}
	return nil
}

// Serves reports whether the host serves s.
func (h *InternetHost) Serves(s Service) bool {
	for _, x := range h.Serve {
		if x == s {
			return true
		}
	}
	return false
}

// applyDefaults fills the resolver's address, each host's role and a
// server's services, as Parse does.
func (in *Internet) applyDefaults() {
	if !in.DNS.IsValid() {
		in.DNS = DefaultInternetDNS
	}
	for _, h := range in.Hosts {
		if h == nil {
			continue
		}
		if h.Role == "" {
			h.Role = RoleServer
		}
		if h.Role == RoleServer && h.Serve == nil {
			h.Serve = []Service{ServeHTTP, ServeHTTPS}
		}
	}
}
