package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// A lab's certificate authority: made when a cloud lab is deployed, kept
// in its state directory (removed with it by destroy), so that clients
// that insist on HTTPS (Azure's SDKs and CLI) can be pointed at the lab's
// cloud with the CA as their trust root; the endpoint record names it
// (cloud.Endpoint.CAFile). IssueServerCert makes the certificate of a
// server on loopback.

// CAFile is the lab CA's certificate (PEM), readable by all.
func CAFile(lab string) string { return filepath.Join(state.Dir(lab), "ca.pem") }

// CAKeyFile is the lab CA's private key (PEM, PKCS #8), 0600.
func CAKeyFile(lab string) string { return filepath.Join(state.Dir(lab), "ca-key.pem") }

// caValidity is how long a lab CA is valid; serverValidity a server
// certificate it issues (at most 398 days, which browsers and Apple's
// clients require of server certificates).
const (
	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 397 * 24 * time.Hour
)

// CA is a lab's certificate authority.
type CA struct {
	Cert *x509.Certificate
	// PEM is Cert in PEM, as CAFile holds it.
	PEM []byte
	key crypto.Signer
}

// Signer returns the CA's private key, to issue certificates with it (the
// emulated internet's web hosts, emulator/internet.CA). Keep it in the
// process: only CAKeyFile holds it on disk.
func (c *CA) Signer() crypto.Signer { return c.key }

// Pool returns a certificate pool holding the CA alone.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// MakeCA makes the lab's CA in its state directory (which must exist),
// or loads it if the lab has one already; the key is written 0600 before
// the certificate, so that a CA file never exists without its key.
func MakeCA(lab string) (*CA, error) {
	if _, err := os.Stat(CAFile(lab)); err == nil {
		return LoadCA(lab)
	}
	// A key without its certificate is what a MakeCA that died left.
	if err := os.Remove(CAKeyFile(lab)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "mcnlab lab " + lab + " CA", Organization: []string{"mcnlab"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	if err := writeExclusive(CAKeyFile(lab), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeExclusive(CAFile(lab), certPEM, 0o644); err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	return &CA{Cert: cert, PEM: certPEM, key: key}, nil
}

// LoadCA reads the lab's CA that MakeCA made.
func LoadCA(lab string) (*CA, error) {
	certPEM, err := os.ReadFile(CAFile(lab))
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	keyPEM, err := os.ReadFile(CAKeyFile(lab))
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("CA of lab %s: %s or %s holds no PEM block", lab, CAFile(lab), CAKeyFile(lab))
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA of lab %s: %w", lab, err)
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA of lab %s: the key in %s cannot sign", lab, CAKeyFile(lab))
	}
	return &CA{Cert: cert, PEM: certPEM, key: key}, nil
}

// IssueServerCert issues a server certificate for localhost, 127.0.0.1
// and ::1 (where a lab's daemons listen), with a new P-256 key, and
// returns it with the CA's certificate as its chain, ready for a
// tls.Config's Certificates.
func (c *CA) IssueServerCert() (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost", Organization: []string{"mcnlab"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leaf, key, err := c.issue(tmpl)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("issue server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{leaf.Raw, c.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// IssuePeerCert issues the certificate of an IPsec peer (a site2cloud
// connection's end, ipsec.Issuer): common name cn, addr as its IP subject
// alternative name (its IKE identity), with a new P-256 key; it returns
// the certificate, the key (PKCS #8) and the CA's certificate in PEM.
func (c *CA) IssuePeerCert(cn string, addr netip.Addr) (cert, key, ca []byte, err error) {
	leaf, k, err := c.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: []string{"mcnlab"}},
		IPAddresses: []net.IP{addr.AsSlice()},
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("issue certificate of %s: %w", cn, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("issue certificate of %s: %w", cn, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), c.PEM, nil
}

// issue signs tmpl (its subject, usages and names) with a new P-256 key,
// a random serial, for serverValidity from an hour ago.
func (c *CA) issue(tmpl *x509.Certificate) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial(), now.Add(-time.Hour), now.Add(serverValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, key.Public(), c.key)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	return leaf, key, err
}

// S2CIssuer issues site2cloud certificates from lab's CA, made the first
// time it is asked for (the lab's state directory must exist).
func S2CIssuer(lab string) ipsec.Issuer {
	return func(cn string, addr netip.Addr) ([]byte, []byte, []byte, error) {
		ca, err := MakeCA(lab)
		if err != nil {
			return nil, nil, nil, err
		}
		return ca.IssuePeerCert(cn, addr)
	}
}

// ServerTLS is the TLS configuration of a server of the lab on loopback
// (the lab's cloud, once it serves HTTPS): a certificate issued now by
// the lab's CA, which MakeCA must have made. Clients trust it through the
// endpoint record's CAFile.
func ServerTLS(lab string) (*tls.Config, error) {
	ca, err := LoadCA(lab)
	if err != nil {
		return nil, err
	}
	cert, err := ca.IssueServerCert()
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", lab, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// serial is a random 128-bit certificate serial number (RFC 5280 4.1.2.2:
// positive, at most 20 octets).
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)) // never fails (crypto/rand)
	return n.Add(n, big.NewInt(1))
}

// writeExclusive writes a new file with mode perm, failing if it exists.
func writeExclusive(name string, b []byte, perm os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}
