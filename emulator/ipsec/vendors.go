package ipsec

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/mcnlab/mcnlab/topologies"
)

// Vendors are the makes of on-prem device Template writes for.
var Vendors = []string{"strongswan", "cisco-ios", "frr"}

// Template writes the configuration of the on-prem device of make vendor
// (Vendors) for conns, a site's side of one connection (SiteConns).
func Template(vendor string, conns []Conn) (string, error) {
	switch vendor {
	case "strongswan":
		return SwanctlConf(conns)
	case "cisco-ios":
		return CiscoIOS(conns)
	case "frr":
		return FRRConf(conns)
	}
	return "", fmt.Errorf("unknown vendor %q; valid: %s", vendor, strings.Join(Vendors, ", "))
}

// Cisco IOS names of strongSwan's algorithms (IOS XE's crypto ikev2 and
// crypto ipsec transform-set keywords).
var (
	iosIKEEncryption = map[string]string{"aes128": "aes-cbc-128", "aes192": "aes-cbc-192", "aes256": "aes-cbc-256",
		"aes128gcm16": "aes-gcm-128", "aes256gcm16": "aes-gcm-256"}
	iosHash = map[string]string{"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
		"prfsha1": "sha1", "prfsha256": "sha256", "prfsha384": "sha384", "prfsha512": "sha512"}
	iosGroup = map[string]string{"modp2048": "14", "modp3072": "15", "modp4096": "16", "ecp256": "19", "ecp384": "20", "curve25519": "31"}
	iosESP   = map[string]string{"aes128": "esp-aes 128", "aes192": "esp-aes 192", "aes256": "esp-aes 256",
		"aes128gcm16": "esp-gcm 128", "aes256gcm16": "esp-gcm 256"}
	iosESPAuth = map[string]string{"sha1": "esp-sha-hmac", "sha256": "esp-sha256-hmac", "sha384": "esp-sha384-hmac", "sha512": "esp-sha512-hmac"}
)

// CiscoIOS is the Cisco IOS XE template: per tunnel an IKEv2 proposal,
// policy, keyring and profile, an IPsec transform set and profile (PFS
// when the ESP proposal has a DH group), a route-based tunnel interface
// (VTI) with dead peer detection, and static routes of the remote
// selectors into it (a backup tunnel's with a higher distance). A tunnel
// with BGP has its inside address on the VTI, and router bgp follows.
func CiscoIOS(conns []Conn) (string, error) {
	var b strings.Builder
	b.WriteString("! Cisco IOS XE configuration written by mcnlab (site-to-cloud)\n")
	for _, c := range conns {
		if err := c.Check(); err != nil {
			return "", fmt.Errorf("cisco-ios template: %w", err)
		}
	}
	asn, sessions, err := routerBGP(conns)
	if err != nil {
		return "", fmt.Errorf("cisco-ios template: %w", err)
	}
	for i, c := range conns {
		ike, _ := topologies.ParseProposal(c.IKE[0], true)
		esp, _ := topologies.ParseProposal(c.ESP[0], false)
		prf := ike.PRF
		if prf == "" {
			prf = ike.Integrity
		}
		fmt.Fprintf(&b, "!\ncrypto ikev2 proposal %s\n encryption %s\n", c.Name, iosIKEEncryption[ike.Encryption])
		if ike.Integrity != "" {
			fmt.Fprintf(&b, " integrity %s\n", iosHash[ike.Integrity])
		}
		fmt.Fprintf(&b, " prf %s\n group %s\n", iosHash[prf], iosGroup[ike.DH])
		fmt.Fprintf(&b, "crypto ikev2 policy %s\n match address local %s\n proposal %s\n", c.Name, c.Local, c.Name)
		if c.Cert != nil {
			// The lab CA's certificate, then this router's certificate
			// and key, go into the trustpoint (crypto pki import).
			fmt.Fprintf(&b, "! import %s (CA), %s and %s into trustpoint %s\ncrypto pki trustpoint %s\n enrollment terminal\n revocation-check none\n",
				c.Cert.CA, c.Cert.Cert, c.Cert.Key, c.Cert.Name, c.Cert.Name)
			fmt.Fprintf(&b, "crypto ikev2 profile %s\n match identity remote address %s 255.255.255.255\n identity local address %s\n authentication remote ecdsa-sig\n authentication local ecdsa-sig\n pki trustpoint %s\n dpd 10 2 periodic\n",
				c.Name, c.Remote, c.Local, c.Cert.Name)
		} else {
			fmt.Fprintf(&b, "crypto ikev2 keyring %s\n peer %s\n  address %s\n  pre-shared-key %s\n", c.Name, c.Name, c.Remote, c.PSK)
			fmt.Fprintf(&b, "crypto ikev2 profile %s\n match identity remote address %s 255.255.255.255\n identity local address %s\n authentication remote pre-share\n authentication local pre-share\n keyring local %s\n dpd 10 2 periodic\n",
				c.Name, c.Remote, c.Local, c.Name)
		}
		transform := iosESP[esp.Encryption]
		if esp.Integrity != "" {
			transform += " " + iosESPAuth[esp.Integrity]
		}
		fmt.Fprintf(&b, "crypto ipsec transform-set %s %s\n mode tunnel\n", c.Name, transform)
		fmt.Fprintf(&b, "crypto ipsec profile %s\n set transform-set %s\n set ikev2-profile %s\n", c.Name, c.Name, c.Name)
		if esp.DH != "" {
			fmt.Fprintf(&b, " set pfs group%s\n", iosGroup[esp.DH])
		}
		tunnel := 100 + i
		addr := "ip unnumbered GigabitEthernet1"
		if c.BGP != nil {
			addr = fmt.Sprintf("ip address %s %s", c.BGP.Inside.Addr(), dottedMask(c.BGP.Inside))
		}
		fmt.Fprintf(&b, "interface Tunnel%d\n description mcnlab site2cloud %s\n %s\n tunnel source %s\n tunnel destination %s\n tunnel mode ipsec ipv4\n tunnel protection ipsec profile %s\n",
			tunnel, c.Name, addr, c.Local, c.Remote, c.Name)
		distance := 1
		if strings.HasSuffix(c.Name, HASuffix) {
			distance = 10
		}
		for _, p := range c.RemoteTS {
			fmt.Fprintf(&b, "ip route %s %s Tunnel%d %d\n", p.Addr(), dottedMask(p), tunnel, distance)
		}
	}
	if len(sessions) > 0 {
		writeIOSBGP(&b, asn, sessions)
	}
	return b.String(), nil
}

// dottedMask is p's netmask in dotted quads.
func dottedMask(p netip.Prefix) string {
	m := net.CIDRMask(p.Bits(), 32)
	return net.IPv4(m[0], m[1], m[2], m[3]).String()
}

// FRRConf is the routing half of a Linux site router that runs FRR beside
// strongSwan (the strongswan template): staticd routes of the remote
// selectors into the IPsec interface (ipsec0 with kernel-libipsec; an
// XFRM interface elsewhere), a backup tunnel's at a higher distance;
// with BGP, the inside addresses on that interface and router bgp.
func FRRConf(conns []Conn) (string, error) {
	var b strings.Builder
	b.WriteString("! FRR configuration written by mcnlab (site-to-cloud); pairs with the strongswan template\n")
	for _, c := range conns {
		if err := c.Check(); err != nil {
			return "", fmt.Errorf("frr template: %w", err)
		}
	}
	asn, sessions, err := routerBGP(conns)
	if err != nil {
		return "", fmt.Errorf("frr template: %w", err)
	}
	for _, c := range conns {
		distance := 1
		if strings.HasSuffix(c.Name, HASuffix) {
			distance = 10
		}
		fmt.Fprintf(&b, "! %s: %s to %s\n", c.Name, c.Local, c.Remote)
		for _, p := range c.RemoteTS {
			fmt.Fprintf(&b, "ip route %s %s %d\n", p, TUN, distance)
		}
	}
	if len(sessions) > 0 {
		writeFRRBGP(&b, asn, sessions)
	}
	return b.String(), nil
}

// ErrNoConnection says that a lab has no site2cloud connection of the
// name asked for.
var ErrNoConnection = errors.New("no site2cloud connection")

// LabTemplate is the vendor's configuration of connection conn of lab,
// deployed from t: the site's side (SiteConns) with the lab's key, which
// must exist (a deployed connection's; a lab that never made it gets
// none made here). `mcnlab s2c config` and the controller's API both
// print it. An unknown connection wraps ErrNoConnection and names the
// lab's connections.
func LabTemplate(lab string, t *topologies.Topology, conn, vendor string) (string, error) {
	var names []string
	for _, s := range t.Site2Cloud {
		if s.Name != conn {
			names = append(names, s.Name)
			continue
		}
		if _, err := os.Stat(PSKFile(lab, conn)); err != nil {
			return "", fmt.Errorf("lab %s: connection %s has no key: %w", lab, conn, err)
		}
		psk, err := PSK(lab, conn)
		if err != nil {
			return "", err
		}
		if s, err = Resolved(lab, s); err != nil {
			return "", err
		}
		return Template(vendor, WithBGP(t, s, WithCerts(lab, s, EndSite, SiteConns(s, psk, SiteIndex(t, s)))))
	}
	return "", fmt.Errorf("lab %s has %w %q; it has: %s", lab, ErrNoConnection, conn, strings.Join(names, ", "))
}
