package vpnauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// CA is the certificate authority that signs VPN certificates: the lab's
// (lab.CA's certificate and signer).
type CA struct {
	Cert   *x509.Certificate
	Signer crypto.Signer
}

// PEM is the CA's certificate in PEM.
func (ca CA) PEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}))
}

// Issued is a certificate and its new key, in PEM.
type Issued struct {
	Cert, Key string
	NotAfter  time.Time
	Serial    string // hex
}

// IssueClient issues user's client certificate bound to profile (its
// organizational unit), valid from a minute ago (clock skew) for
// lifetime: OpenVPN refuses it once NotAfter passes.
func (ca CA) IssueClient(user, profile string, lifetime time.Duration) (Issued, error) {
	return ca.issue(pkix.Name{CommonName: user, OrganizationalUnit: []string{profile}, Organization: []string{"mcnlab user VPN"}},
		x509.ExtKeyUsageClientAuth, lifetime)
}

// IssueServer issues a VPN gateway's server certificate for name (the
// name clients check with verify-x509-name), valid for validity.
func (ca CA) IssueServer(name string, validity time.Duration) (Issued, error) {
	return ca.issue(pkix.Name{CommonName: name, Organization: []string{"mcnlab user VPN"}}, x509.ExtKeyUsageServerAuth, validity)
}

func (ca CA) issue(subject pkix.Name, eku x509.ExtKeyUsage, lifetime time.Duration) (Issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Issued{}, fmt.Errorf("issue certificate for %s: %w", subject.CommonName, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Issued{}, fmt.Errorf("issue certificate for %s: %w", subject.CommonName, err)
	}
	serial.Add(serial, big.NewInt(1))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject,
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{eku},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Signer)
	if err != nil {
		return Issued{}, fmt.Errorf("issue certificate for %s: %w", subject.CommonName, err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Issued{}, fmt.Errorf("issue certificate for %s: %w", subject.CommonName, err)
	}
	return Issued{
		Cert:     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		Key:      string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})),
		NotAfter: tmpl.NotAfter,
		Serial:   fmt.Sprintf("%x", serial),
	}, nil
}
