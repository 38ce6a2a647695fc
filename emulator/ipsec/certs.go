package ipsec

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// CertFiles are the certificate files of one end of a connection
// authenticated with certificates (topologies.S2CAuthCert): where the lab
// keeps its certificate, private key and the CA certificate it trusts the
// peer's certificate by (PEM), and Name, under which a strongSwan end
// loads them from its swanctl directory: x509/NAME.pem, private/NAME.pem
// and x509ca/NAME-ca.pem (InstallCerts).
type CertFiles struct {
	Name          string
	Cert, Key, CA string
}

// pathRE is what a certificate file's path may be: absolute, letters,
// digits and ._/- only (it is written into the template's comments).
var pathRE = regexp.MustCompile(`^/[A-Za-z0-9._/-]{1,255}$`)

func (f CertFiles) check() []error {
	var errs []error
	if !nameRE.MatchString(f.Name) {
		errs = append(errs, fmt.Errorf("certificate name %q: use a-z, 0-9 and '-', starting with a letter, at most 32 bytes", f.Name))
	}
	for _, p := range []string{f.Cert, f.Key, f.CA} {
		if !pathRE.MatchString(p) || filepath.Clean(p) != p {
			errs = append(errs, fmt.Errorf("certificate file %q: want a clean absolute path of letters, digits and ._/-", p))
		}
	}
	return errs
}

// The places of a CertFiles' files in a swanctl directory.
func (f CertFiles) installed() map[string]string {
	return map[string]string{f.Cert: "x509/" + f.Name + ".pem", f.Key: "private/" + f.Name + ".pem", f.CA: "x509ca/" + f.Name + "-ca.pem"}
}

// InstallCerts copies f's files into the swanctl directory dir (x509,
// private, x509ca), where swanctl --load-all finds them.
func InstallCerts(dir string, f CertFiles) error {
	for src, dst := range f.installed() {
		b, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("install certificate %s: %w", f.Name, err)
		}
		dst = filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return fmt.Errorf("install certificate %s: %w", f.Name, err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return fmt.Errorf("install certificate %s: %w", f.Name, err)
		}
	}
	return nil
}

// The ends of a connection that hold certificates.
const (
	EndSite      = "site"
	EndGateway   = "gateway"
	EndHAGateway = "ha-gateway"
)

// CertDir is where a lab keeps the certificates of a connection: ca.pem
// and, per end (EndSite, EndGateway, EndHAGateway), END.pem with
// END-key.pem (0600).
func CertDir(lab, conn string) string { return filepath.Join(state.Dir(lab), "s2c", conn) }

// Certs returns the files of one end of connection conn of lab, named
// after the connection.
func Certs(lab, conn, end string) *CertFiles {
	d := CertDir(lab, conn)
	return &CertFiles{Name: conn, Cert: filepath.Join(d, end+".pem"), Key: filepath.Join(d, end+"-key.pem"), CA: filepath.Join(d, "ca.pem")}
}

// Issuer issues the certificate of a connection's end from the lab's CA:
// a new key, its certificate (PEM) with addr as its subject alternative
// name and cn as its common name, and the CA's certificate (PEM).
type Issuer func(cn string, addr netip.Addr) (cert, key, ca []byte, err error)

// MakeCerts issues, with issue, the certificates of every end of the
// connections conns that authenticate with certificates and have none yet
// in lab, and keeps them in CertDir.
func MakeCerts(lab string, conns []*topologies.Site2Cloud, issue Issuer) error {
	for _, s := range conns {
		if s.Auth != topologies.S2CAuthCert {
			continue
		}
		if issue == nil {
			return fmt.Errorf("site2cloud %s: authenticates with certificates, and this lab has no CA to issue them", s.Name)
		}
		if err := os.MkdirAll(CertDir(lab, s.Name), 0o700); err != nil {
			return fmt.Errorf("site2cloud %s: %w", s.Name, err)
		}
		ends := map[string]netip.Addr{EndSite: s.SiteAddress, EndGateway: s.GatewayAddress}
		if s.HAGateway != "" {
			ends[EndHAGateway] = s.HAGatewayAddress
		}
		for end, addr := range ends {
			f := Certs(lab, s.Name, end)
			if _, err := os.Stat(f.Cert); err == nil {
				continue
			}
			cert, key, ca, err := issue("mcnlab site2cloud "+s.Name+" "+end, addr)
			if err != nil {
				return fmt.Errorf("site2cloud %s: %s certificate: %w", s.Name, end, err)
			}
			for _, w := range []struct {
				name string
				b    []byte
				mode os.FileMode
			}{{f.CA, ca, 0o644}, {f.Key, key, 0o600}, {f.Cert, cert, 0o644}} { // the certificate last: it says the end is done
				if err := os.WriteFile(w.name, w.b, w.mode); err != nil {
					return fmt.Errorf("site2cloud %s: %w", s.Name, err)
				}
			}
		}
	}
	return nil
}

// WithCerts gives conns, end's connections of s, end's certificate files
// in lab when s authenticates with certificates; else it returns them as
// they are.
func WithCerts(lab string, s *topologies.Site2Cloud, end string, conns []Conn) []Conn {
	if s.Auth != topologies.S2CAuthCert {
		return conns
	}
	for i := range conns {
		conns[i].Cert = Certs(lab, s.Name, end)
	}
	return conns
}
