package lab

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// ociProvider names the OCI endpoint in the lab's record.
const ociProvider = string(topologies.ProviderOCI)

// OCIKeyFile, OCIPublicKeyFile and OCIConfigFile are where a lab keeps
// its OCI user's API key (0600), its public half (which the cloud
// verifies signatures with) and the OCI config file naming them.
func OCIKeyFile(lab string) string { return filepath.Join(state.Dir(lab), "oci_api_key.pem") }
func OCIPublicKeyFile(lab string) string {
	return filepath.Join(state.Dir(lab), "oci_api_key_public.pem")
}
func OCIConfigFile(lab string) string { return filepath.Join(state.Dir(lab), "oci.config") }

// OCIConfig is an OCI SDK config file with one DEFAULT profile.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/sdkconfig.htm — user, fingerprint, tenancy, region, key_file
func OCIConfig(tenancy, user, fingerprint, region, keyFile string) string {
	return fmt.Sprintf("[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=%s\nkey_file=%s\n", user, fingerprint, tenancy, region, keyFile)
}

// NewOCICredentials makes the endpoint record of a lab tenancy: a random
// tenancy and user OCID and a new RSA API key, the key ID
// TENANCY/USER/FINGERPRINT and the PEM private key as the secret; the URL
// and regions are the caller's to fill.
func NewOCICredentials() (cloud.Endpoint, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return cloud.Endpoint{}, fmt.Errorf("make an OCI API key: %w", err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	u := cmoci.User{Tenancy: "ocid1.tenancy.oc1..aaaaaaaa" + hex.EncodeToString(b[:8]), User: "ocid1.user.oc1..aaaaaaaa" + hex.EncodeToString(b[8:]), Key: &key.PublicKey}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return cloud.Endpoint{AccountID: u.Tenancy, Credentials: cloud.Credentials{KeyID: u.KeyID(), Secret: string(pemKey)}}, nil
}

// ociAccount writes the API key of endpoint e under lab's state (the
// private key 0600, the public one, and the OCI config file for `mcnlab
// cloudmock env --provider oci`) and returns the account as `cloudmock
// serve --provider oci` takes it: TENANCY:USER:PUBLIC_KEY_PEM.
func ociAccount(lab string, e cloud.Endpoint, region string) (string, error) {
	parts := strings.SplitN(e.Credentials.KeyID, "/", 3)
	b, _ := pem.Decode([]byte(e.Credentials.Secret))
	if len(parts) != 3 || b == nil {
		return "", fmt.Errorf("lab %s: the OCI credentials lack the key ID or the PEM key", lab)
	}
	key, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		return "", fmt.Errorf("lab %s: the OCI API key: %w", lab, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	files := map[string][]byte{OCIKeyFile(lab): []byte(e.Credentials.Secret),
		OCIPublicKeyFile(lab): pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		OCIConfigFile(lab):    []byte(OCIConfig(parts[0], parts[1], parts[2], region, OCIKeyFile(lab)))}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", fmt.Errorf("lab %s: write its OCI credentials: %w", lab, err)
		}
	}
	return parts[0] + ":" + parts[1] + ":" + OCIPublicKeyFile(lab), nil
}

// startOCICloud starts the lab's emulated OCI (`mcnlab cloudmock serve
// --provider oci --lab LAB --join`) with a new tenancy, user and API key,
// passed in its environment as TENANCY:USER:PUBLIC_KEY_PEM, records its
// endpoint (its URL, the tenancy, the key) and waits until it listens.
// The cloud serves the region of the plan's OCI VCNs, which validation
// keeps to one per account.
func startOCICloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	creds, err := NewOCICredentials()
	if err != nil {
		return err
	}
	return startOCICloudAs(ctx, lab, cp, creds, "127.0.0.1:0", o)
}

// restartOCICloud is RestartCloud for a lab whose cloud is OCI's: on its
// state file, with the tenancy, key and address it had.
func restartOCICloud(ctx context.Context, lab string, cp *intent.Plan, o Options) error {
	prev, err := ReadEndpoint(lab, ociProvider)
	if err != nil {
		return err
	}
	u, err := url.Parse(prev.URL)
	if err != nil || u.Host == "" || prev.AccountID == "" || prev.Credentials.Secret == "" {
		return fmt.Errorf("restart the cloud of lab %s: %s records no address, tenancy and key (%q)", lab, EndpointsFile(lab), prev.URL)
	}
	return startOCICloudAs(ctx, lab, cp, prev, u.Host, o)
}

// startOCICloudAs is startOCICloud with the tenancy, key and address
// given. The cloud keeps its model in the lab's CloudStateFile.
func startOCICloudAs(ctx context.Context, lab string, cp *intent.Plan, creds cloud.Endpoint, listen string, o Options) error {
	self, err := o.self()
	if err != nil {
		return err
	}
	regions := providerRegions(cp, ociProvider)
	acct, err := ociAccount(lab, creds, regions[0])
	if err != nil {
		return err
	}
	addrFile := cloudAddrFile(lab)
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	argv := []string{self, "cloudmock", "serve", "--provider", "oci", "--lab", lab, "--join", "--listen", listen,
		"--addr-file", addrFile, "--oci-region", regions[0], "--state", CloudStateFile(lab)}
	argv = append(argv, internetArgs(lab, cp)...)
	argv = append(argv, uplinkArgs(lab, cp)...)
	argv = append(argv, circuitArgs(lab, cp, topologies.ProviderOCI)...) // private lines: the tenancy's FastConnect lines
	addr, err := runCloud(ctx, lab, argv, acct)
	if err != nil {
		return err
	}
	creds.URL, creds.Region, creds.Regions = "http://"+addr, regions[0], regions
	return WriteEndpoint(lab, ociProvider, creds)
}
