package ipsec

import (
	"fmt"
	"net/netip"
	"strings"
)

// SwanctlConf is the strongSwan template: swanctl.conf's connections and
// secrets for conns, as the on-prem router (or a gateway) loads them with
// `swanctl --load-all`. Each connection is IKEv2 with its proposals, the
// peers' addresses as identities, a pre-shared key or certificates (this
// end's from x509/ and private/, the peer's checked against the one CA
// in x509ca/: the comment at the top says which lab files go there),
// ESP in UDP (encap:
// the lab's charons have only userspace ESP, which speaks it alone), dead
// peer detection every second, and one child SA of the traffic selectors.
// An initiating end starts the tunnel at once and again after a dead peer
// or a close, without end (keyingtries 0); the other end clears a dead
// peer's SAs. A comment at the top gives each tunnel's BGP session, which
// FRR beside charon runs (the frr template).
func SwanctlConf(conns []Conn) (string, error) {
	var b strings.Builder
	b.WriteString("# swanctl.conf written by mcnlab (site-to-cloud); load with swanctl --load-all\n")
	for _, c := range conns {
		if err := c.Check(); err != nil {
			return "", fmt.Errorf("strongswan template: %w", err)
		}
	}
	if _, _, err := routerBGP(conns); err != nil {
		return "", fmt.Errorf("strongswan template: %w", err)
	}
	writeCertComment(&b, conns)
	writeSwanBGPComment(&b, conns)
	b.WriteString("connections {\n")
	for _, c := range conns {
		start, dpd, closeAction := "none", "clear", "none"
		if c.Initiate {
			start, dpd, closeAction = "start", "restart", "start"
		}
		fmt.Fprintf(&b, `  %s {
    version = 2
    local_addrs = %s
    remote_addrs = %s
    encap = yes
    proposals = %s
    dpd_delay = 1s
    keyingtries = 0%s
    local {
      auth = %s
      id = %s%s
    }
    remote {
      auth = %s
      id = %s%s
    }
    children {
      %s {
        local_ts = %s
        remote_ts = %s
        esp_proposals = %s
        start_action = %s
        dpd_action = %s
        close_action = %s%s
      }
    }
  }
`, c.Name, c.bind(), c.Remote, strings.Join(c.IKE, ","), sendCert(c), authMethod(c), c.Local, localCert(c), authMethod(c), c.Remote, remoteCA(c),
			c.Name, prefixList(c.LocalTS), prefixList(c.RemoteTS), strings.Join(c.ESP, ","), start, dpd, closeAction, childOptions(c))
	}
	b.WriteString("}\nsecrets {\n")
	for _, c := range conns {
		if c.Cert == nil {
			fmt.Fprintf(&b, "  ike-%s {\n    id-1 = %s\n    id-2 = %s\n    secret = 0x%s\n  }\n", c.Name, c.Local, c.Remote, c.PSK)
		}
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// bind is the address an end's IKE binds to: Bind, or its identity.
func (c Conn) bind() netip.Addr {
	if c.Bind.IsValid() {
		return c.Bind
	}
	return c.Local
}

// authMethod is a connection's auth of both ends: psk, or pubkey with
// certificates.
func authMethod(c Conn) string {
	if c.Cert != nil {
		return "pubkey"
	}
	return "psk"
}

// sendCert makes an end that authenticates with a certificate send it
// whether the peer asks for it or not.
func sendCert(c Conn) string {
	if c.Cert == nil {
		return ""
	}
	return "\n    send_cert = always"
}

// localCert and remoteCA name the certificate an end presents and the CA
// it trusts the peer's by (files in the swanctl directory's x509 and
// x509ca), where the connection uses certificates.
func localCert(c Conn) string {
	if c.Cert == nil {
		return ""
	}
	return "\n      certs = " + c.Cert.Name + ".pem"
}

func remoteCA(c Conn) string {
	if c.Cert == nil {
		return ""
	}
	return "\n      cacerts = " + c.Cert.Name + "-ca.pem"
}

// writeCertComment says where the certificates of conns go in the
// swanctl directory (/etc/swanctl on most systems).
func writeCertComment(b *strings.Builder, conns []Conn) {
	seen := map[string]bool{}
	for _, c := range conns {
		if c.Cert == nil || seen[c.Cert.Name] {
			continue
		}
		seen[c.Cert.Name] = true
		f := c.Cert.installed()
		fmt.Fprintf(b, "# %s authenticates with certificates of the lab CA; install into the swanctl directory:\n", c.Cert.Name)
		for _, src := range []string{c.Cert.Cert, c.Cert.Key, c.Cert.CA} {
			fmt.Fprintf(b, "#   %s -> %s\n", src, f[src])
		}
	}
}

// childOptions are the priority and reqid lines of a child SA, where set.
func childOptions(c Conn) string {
	var b strings.Builder
	if c.Priority != 0 {
		fmt.Fprintf(&b, "\n        priority = %d", c.Priority)
	}
	if c.Reqid != 0 {
		fmt.Fprintf(&b, "\n        reqid = %d", c.Reqid)
	}
	return b.String()
}

// prefixList joins prefixes with commas.
func prefixList(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Routing says where a lab charon's kernel-libipsec routes the remote
// traffic selectors into ipsec0 (it always does, whatever install_routes
// says): Table (0: strongSwan's 220), looked up by the rule charon adds
// for every packet, or with Mark only for packets that carry it.
type Routing struct {
	Table int
	Mark  uint32
}

// CharonConf is the strongswan.conf of a lab charon whose files are in
// dir: only the plugins it needs (kernel-libipsec for ESP in userspace
// over the TUN device ipsec0, kernel-netlink for addresses and routes),
// its routing table, its control socket (vici) and log in dir, and fast
// retransmission (0.3 s, 0.4 s, 0.5 s, then the peer is dead) so that dead
// peer detection (every second) moves traffic to a backup tunnel in 1 to 3 s.
func CharonConf(dir string, r Routing) string {
	table, netlinkOpts := "", ""
	if r.Table != 0 {
		table = fmt.Sprintf("\n  routing_table = %d", r.Table)
	}
	if r.Mark != 0 {
		netlinkOpts = fmt.Sprintf("\n    kernel-netlink {\n      fwmark = %#x\n    }", r.Mark)
	}
	return fmt.Sprintf(`charon {
  load_modular = no
  load = random nonce aes gcm sha1 sha2 hmac kdf pem pkcs1 x509 pubkey openssl gmp kernel-libipsec kernel-netlink socket-default vici%s
  install_virtual_ip = no
  retransmit_timeout = 0.3
  retransmit_base = 1.3
  retransmit_tries = 2
  plugins {
    vici {
      socket = %s
    }%s
  }
  filelog {
    log {
      path = %s/charon.log
      time_format = %%H:%%M:%%S
      default = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
`, table, ViciURI(dir), netlinkOpts, dir)
}

// ViciURI is the control socket of the charon whose files are in dir.
func ViciURI(dir string) string { return "unix://" + dir + "/charon.vici" }
