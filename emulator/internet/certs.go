package internet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"time"
)

// CA is the certificate authority that issues the web hosts' certificates:
// the lab's CA (lab/ca.go), passed as its certificate and signing key.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Pool returns a certificate pool holding the CA alone, what clients
// verify the servers against.
func (ca CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	if ca.Cert != nil {
		p.AddCert(ca.Cert)
	}
	return p
}

// check says what is missing from ca, or nil.
func (ca CA) check() error {
	switch {
	case ca.Cert == nil || ca.Key == nil:
		return errors.New("no CA to issue HTTPS certificates (CA.Cert and CA.Key are required)")
	case !ca.Cert.IsCA:
		return fmt.Errorf("certificate %q is no CA certificate", ca.Cert.Subject.CommonName)
	}
	return nil
}

// certValidity is how long a server certificate is valid, at most 398
// days as browsers require of server certificates (and never past the
// CA's own expiry).
const certValidity = 397 * 24 * time.Hour

// issue makes a server certificate for the DNS names and addresses, with
// a new P-256 key, signed by ca, with ca's certificate as its chain.
func (ca CA) issue(cn string, names []string, addrs []netip.Addr) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %s: %w", cn, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %s: %w", cn, err)
	}
	now := time.Now()
	notAfter := now.Add(certValidity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)), // positive (RFC 5280 4.1.2.2)
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"mcnlab emulated internet"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
	}
	for _, a := range addrs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(a.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %s: %w", cn, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issue certificate for %s: %w", cn, err)
	}
	return &tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}
