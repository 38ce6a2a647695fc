// Package ipsec is site-to-cloud IPsec on the lab's side: the IKEv2
// connections of a topology's site2cloud block seen from each end (Conns),
// the configuration templates of the on-prem device (strongSwan's
// swanctl.conf, Cisco IOS, FRR), the strongswan.conf of the lab's own
// charons (kernel-libipsec: userspace ESP over a TUN device, since the
// lab's kernel has no xfrm), the command line that runs charon in a node,
// the connections' pre-shared keys, and swanctl inside a namespace.
//
// The lab's strongSwan routers and the gateways' charons are configured
// from the same templates that `mcnlab s2c config` prints, so every lab
// run tests them.
package ipsec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// Conn is one IKEv2 connection as one end configures it.
type Conn struct {
	// Name names the connection and its child SA; a backup tunnel's is
	// the connection's name with HASuffix.
	Name string
	// Local and Remote are the tunnel's outer addresses; each end's IKE
	// identity is its address.
	Local, Remote netip.Addr
	// Bind, when set, is the address this end's IKE binds to, where
	// it differs from its identity Local: a cloud gateway behind the
	// one-to-one NAT of its public address.
	Bind netip.Addr
	// PSK is the pre-shared key, in hex; unused with Cert.
	PSK string
	// Cert, when set, authenticates this end with a certificate of the
	// lab's CA instead of PSK, and the peer by a certificate of that CA.
	Cert *CertFiles
	// IKE and ESP are the proposals (topologies.ParseProposal).
	IKE, ESP []string
	// LocalTS and RemoteTS are the traffic selectors: the inner prefixes
	// of this end and of the other.
	LocalTS, RemoteTS []netip.Prefix
	// Priority, when set, fixes the priority of the child SA's IPsec
	// policies (lower wins): a site's tunnel to the gateway is preferred
	// to its backup tunnel with the same traffic selectors.
	Priority int
	// Reqid, when set, fixes the child SA's request ID. A site's two
	// tunnels of one connection have the same traffic selectors, for which
	// charon would share one request ID; kernel-libipsec finds a policy's
	// SA by it, so each needs its own for the priorities to choose.
	Reqid int
	// BGP, when set, runs an eBGP session over this tunnel on its inside
	// addresses (WithBGP); the templates of the on-prem device write it.
	BGP *ConnBGP
	// Initiate makes this end bring the tunnel up at once, again after a
	// dead peer (DPD) and when the peer closes it: the site's side.
	Initiate bool
}

// The policy priorities of a site's tunnels to a gateway and to its HA
// gateway: the backup's policies carry traffic only once the primary's
// are gone (its SA torn down by dead peer detection).
const (
	PrimaryPriority = 100
	BackupPriority  = 200
)

// HASuffix ends the name of the backup tunnel to a connection's HA
// gateway.
const HASuffix = "-ha"

// SiteConns returns the connections of s at its site router: the tunnel
// to the gateway and, with an HA gateway, the backup tunnel to it. With
// bgp the traffic selectors hold the inside addresses too (each end's
// /32). psk is
// the connection's key; n the connection's place among its site's
// (SiteIndex), from which the tunnels' request IDs follow (2n+1, 2n+2).
// The backup tunnel's selectors hold its own inside addresses
// (topologies.S2CBGP.BackupInside).
func SiteConns(s *topologies.Site2Cloud, psk string, n int) []Conn {
	local, remote := s.SiteSubnets, s.CloudSubnets
	if s.Mapped() {
		local, remote = nil, nil
		for _, m := range s.Mappings {
			local, remote = appendNew(local, m.Site), appendNew(remote, m.CloudVirtual)
		}
	}
	c := Conn{Name: s.Name, Local: s.SiteAddress, Remote: s.GatewayAddress, PSK: psk, IKE: s.IKE, ESP: s.ESP,
		LocalTS: local, RemoteTS: remote, Initiate: true}
	c.LocalTS, c.RemoteTS = withInside(s.BGP, false, local, remote)
	if s.HAGateway == "" {
		return []Conn{c}
	}
	c.Priority, c.Reqid = PrimaryPriority, 2*n+1
	backup := c
	backup.Name, backup.Remote, backup.Priority, backup.Reqid = s.Name+HASuffix, s.HAGatewayAddress, BackupPriority, 2*n+2
	backup.LocalTS, backup.RemoteTS = withInside(s.BGP, true, local, remote)
	return []Conn{c, backup}
}

// withInside adds a tunnel's inside addresses (the site's to local, the
// gateway's to remote, each a /32) when b is set: the BGP session's
// packets go through the tunnel too.
func withInside(b *topologies.S2CBGP, backup bool, local, remote []netip.Prefix) ([]netip.Prefix, []netip.Prefix) {
	if b == nil {
		return local, remote
	}
	gw, site := b.Tunnel(backup)
	return append(slices.Clone(local), netip.PrefixFrom(site.Addr(), 32)), append(slices.Clone(remote), netip.PrefixFrom(gw.Addr(), 32))
}

// GatewayConn returns the connection of s at gateway gw (its gateway or
// its HA gateway): the site's connection seen from the other end.
func GatewayConn(s *topologies.Site2Cloud, gw, psk string) Conn {
	site := SiteConns(s, psk, 0)
	c := site[0]
	if gw == s.HAGateway && len(site) > 1 {
		c = site[1]
	}
	return Conn{Name: c.Name, Local: c.Remote, Remote: c.Local, PSK: psk, IKE: c.IKE, ESP: c.ESP,
		LocalTS: c.RemoteTS, RemoteTS: c.LocalTS, Priority: c.Priority}
}

// SiteIndex is s's place among the connections of t whose site is s's.
func SiteIndex(t *topologies.Topology, s *topologies.Site2Cloud) int {
	n := 0
	for _, x := range t.Site2Cloud {
		if x == s || x.Name == s.Name {
			return n
		}
		if x.Site == s.Site {
			n++
		}
	}
	return n
}

func appendNew(ps []netip.Prefix, p netip.Prefix) []netip.Prefix {
	for _, x := range ps {
		if x == p {
			return ps
		}
	}
	return append(ps, p)
}

// nameRE is what a connection's name may be: it becomes a section name of
// swanctl.conf and a Cisco object name.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// pskRE is a key in hex: 16 to 64 bytes.
var pskRE = regexp.MustCompile(`^[0-9a-f]{32,128}$`)

// Check refuses a connection that no template may be written from: a name
// other than a-z, 0-9 and '-', a key that is not 16 to 64 bytes of hex
// (certificate files whose paths are not absolute or hold anything but
// letters, digits and ._/-),
// proposals that topologies.ParseProposal refuses, addresses that are
// not IPv4, empty or invalid traffic selectors, or a BGP session that
// is not eBGP on an IPv4 /30 announcing masked IPv4 prefixes. Every template checks
// its connections first, so nothing a topology or a caller gives can
// reach a configuration file as anything but the values it names.
func (c Conn) Check() error {
	var errs []error
	if !nameRE.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("name %q: use a-z, 0-9 and '-', starting with a letter, at most 32 bytes", c.Name))
	}
	if c.Priority < 0 || c.Priority > 65535 || c.Reqid < 0 || c.Reqid > 65535 {
		errs = append(errs, fmt.Errorf("priority %d, reqid %d: want 0..65535", c.Priority, c.Reqid))
	}
	if c.Cert != nil {
		errs = append(errs, c.Cert.check()...)
	} else if !pskRE.MatchString(c.PSK) {
		errs = append(errs, errors.New("pre-shared key: want 32 to 128 hex digits"))
	}
	if c.Bind.IsValid() && !c.Bind.Is4() {
		errs = append(errs, fmt.Errorf("bind address %v: want an IPv4 address", c.Bind))
	}
	for _, a := range []netip.Addr{c.Local, c.Remote} {
		if !a.Is4() {
			errs = append(errs, fmt.Errorf("address %v: want an IPv4 address", a))
		}
	}
	for _, ps := range []struct {
		list []string
		ike  bool
	}{{c.IKE, true}, {c.ESP, false}} {
		if len(ps.list) == 0 {
			errs = append(errs, errors.New("no proposals"))
		}
		for _, p := range ps.list {
			if _, err := topologies.ParseProposal(p, ps.ike); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, ts := range [][]netip.Prefix{c.LocalTS, c.RemoteTS} {
		if len(ts) == 0 {
			errs = append(errs, errors.New("no traffic selectors"))
		}
		for _, p := range ts {
			if !p.IsValid() || !p.Addr().Is4() || p.Masked() != p {
				errs = append(errs, fmt.Errorf("traffic selector %v: want a masked IPv4 prefix", p))
			}
		}
	}
	if c.BGP != nil {
		errs = append(errs, c.BGP.check()...)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("connection %q: %w", c.Name, err)
	}
	return nil
}

// PSKFile is where a lab keeps a connection's pre-shared key (0600).
func PSKFile(lab, conn string) string {
	return filepath.Join(state.Dir(lab), "s2c", conn+".psk")
}

// PSK returns the lab's pre-shared key of a connection, made at random (32
// bytes) and kept in PSKFile the first time it is asked for.
func PSK(lab, conn string) (string, error) {
	if !nameRE.MatchString(conn) {
		return "", fmt.Errorf("pre-shared key of connection %q: bad name", conn)
	}
	f := PSKFile(lab, conn)
	if b, err := os.ReadFile(f); err == nil {
		k := strings.TrimSpace(string(b))
		if !pskRE.MatchString(k) {
			return "", fmt.Errorf("pre-shared key of connection %s: %s holds no key", conn, f)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("pre-shared key of connection %s: %w", conn, err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pre-shared key of connection %s: %w", conn, err)
	}
	k := hex.EncodeToString(b)
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return "", fmt.Errorf("pre-shared key of connection %s: %w", conn, err)
	}
	fd, err := os.OpenFile(f, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return PSK(lab, conn) // made meanwhile
	}
	if err != nil {
		return "", fmt.Errorf("pre-shared key of connection %s: %w", conn, err)
	}
	_, werr := fd.WriteString(k + "\n")
	if err := errors.Join(werr, fd.Close()); err != nil {
		return "", fmt.Errorf("pre-shared key of connection %s: %w", conn, err)
	}
	return k, nil
}
