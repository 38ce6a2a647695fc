package uservpn

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
)

// Interface is the server's TUN device in the gateway's namespace.
const Interface = "vpn0"

// DefaultPort is OpenVPN's registered port.
const DefaultPort = 1194

// Files a server's directory holds: its configuration, the PEM files it
// names, and its management socket.
const (
	serverConfFile = "server.conf"
	caFile         = "ca.pem"
	certFile       = "server.pem"
	keyFile        = "server-key.pem"
	mgmtSocket     = "mgmt.sock"
)

// safePath is a file path that OpenVPN reads as one token.
var safePath = regexp.MustCompile(`^/[A-Za-z0-9_./+-]+$`)

// ServerConf is the OpenVPN server configuration of cfg (which must be
// valid), with its files in dir: TLS with client certificates of the CA
// required, clients authorized one by one over the management socket,
// and the pushed routes of the tunnel mode.
// OpenVPN: https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/ — server, management-client-auth, push "redirect-gateway def1"
func ServerConf(cfg Config, dir string) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", fmt.Errorf("server configuration: %w", err)
	}
	if !safePath.MatchString(dir) || strings.Contains(dir, "..") {
		return "", fmt.Errorf("server configuration: directory %q is not a plain absolute path", dir)
	}
	port := cfg.Port
	if port == 0 {
		port = DefaultPort
	}
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	w("# written by mcnlab for VPN gateway %s", cfg.Name)
	w("dev %s", Interface)
	w("dev-type tun")
	w("disable-dco")
	w("proto udp")
	w("port %d", port)
	w("topology subnet")
	w("server %s %s", cfg.Pool.Addr(), mask(cfg.Pool))
	w("management %s unix", filepath.Join(dir, mgmtSocket))
	w("management-client-auth")
	w("auth-user-pass-optional") // the certificate is the credential: no password asked
	w("ca %s", filepath.Join(dir, caFile))
	w("cert %s", filepath.Join(dir, certFile))
	w("key %s", filepath.Join(dir, keyFile))
	w("dh none")
	w("verify-client-cert require")
	w("remote-cert-tls client")
	w("tls-version-min 1.2")
	w("data-ciphers AES-256-GCM:AES-128-GCM")
	w("keepalive 2 10")
	w("persist-key")
	w("verb 3")
	if cfg.Tunnel == TunnelFull {
		w(`push "redirect-gateway def1"`)
	} else {
		for _, r := range cfg.Routes {
			w(`push "route %s %s"`, r.Addr(), mask(r))
		}
	}
	return b.String(), nil
}

// mask is p's netmask in dotted quad.
func mask(p netip.Prefix) string {
	return net.IP(net.CIDRMask(p.Bits(), 32)).String()
}

// ClientParams are what a client configuration holds.
type ClientParams struct {
	// Server is the gateway's public address and Port its UDP port.
	Server netip.Addr
	Port   uint16
	// ServerName is the server certificate's common name, checked by the
	// client.
	ServerName string
	// CA, Cert and Key are PEM: the lab CA, the client's certificate and
	// its key.
	CA, Cert, Key string
}

// ClientConf is the configuration of the stock OpenVPN client for p, the
// certificate and key inline.
func ClientConf(p ClientParams) (string, error) {
	var errs []error
	if !p.Server.IsValid() || !p.Server.Is4() {
		errs = append(errs, fmt.Errorf("server %s: want an IPv4 address", p.Server))
	}
	if !ValidName(p.ServerName) {
		errs = append(errs, fmt.Errorf("server name %q: not a valid name", p.ServerName))
	}
	for _, f := range []struct{ field, pem string }{{"ca", p.CA}, {"cert", p.Cert}, {"key", p.Key}} {
		if err := checkPEM(f.pem); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.field, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("client configuration: %w", err)
	}
	port := p.Port
	if port == 0 {
		port = DefaultPort
	}
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	w("client")
	w("dev tun")
	w("disable-dco")
	w("proto udp")
	w("remote %s %d", p.Server, port)
	w("nobind")
	w("remote-cert-tls server")
	w("verify-x509-name %s name", p.ServerName)
	w("data-ciphers AES-256-GCM:AES-128-GCM")
	w("explicit-exit-notify 1")
	w("verb 3")
	for _, f := range []struct{ tag, pem string }{{"ca", p.CA}, {"cert", p.Cert}, {"key", p.Key}} {
		w("<%s>\n%s</%s>", f.tag, strings.TrimRight(f.pem, "\n")+"\n", f.tag)
	}
	return b.String(), nil
}

// checkPEM accepts one or more PEM blocks and nothing else (no text
// before, between or after them but blank lines), so that a value cannot
// close an inline block and add directives.
func checkPEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		rest = bytes.TrimLeft(rest, "\n")
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return errors.New("not PEM: text outside a block")
		}
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return errors.New("not PEM: a block does not decode")
		}
		if len(blk.Headers) > 0 {
			return errors.New("not PEM: a block has headers")
		}
		n++
	}
	if n == 0 {
		return errors.New("empty: want PEM")
	}
	return nil
}
