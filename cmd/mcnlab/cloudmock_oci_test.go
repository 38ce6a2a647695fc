package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// ociVcnRoundTrip makes, lists and deletes a VCN through the Go SDK.
func ociVcnRoundTrip(t *testing.T, p common.ConfigurationProvider, url, tenancy string) {
	t.Helper()
	c, err := core.NewVirtualNetworkClientWithConfigurationProvider(p)
	if err != nil {
		t.Fatal(err)
	}
	c.Host = url
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := c.CreateVcn(ctx, core.CreateVcnRequest{CreateVcnDetails: core.CreateVcnDetails{CompartmentId: common.String(tenancy), CidrBlock: common.String("10.0.0.0/16")}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListVcns(ctx, core.ListVcnsRequest{CompartmentId: common.String(tenancy)})
	if err != nil || len(l.Items) != 1 || *l.Items[0].Id != *v.Id {
		t.Fatalf("list: %v %+v", err, l.Items)
	}
	if _, err := c.DeleteVcn(ctx, core.DeleteVcnRequest{VcnId: v.Id, IfMatch: v.Etag}); err != nil {
		t.Fatal(err)
	}
}

// TestServeOCIAccount: cloudmock serve --provider oci --account
// TENANCY:USER:PUBLIC_KEY serves Core Services to the Go SDK signing with
// the matching private key; another key gets 401 NotAuthenticated; a
// --circuit without --join is refused.
func TestServeOCIAccount(t *testing.T) {
	t.Setenv("OCI_SDK_DEFAULT_RETRY_ENABLED", "false")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := filepath.Join(t.TempDir(), "key.pub.pem")
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	tenancy, user := "ocid1.tenancy.oc1..aaaaserve", "ocid1.user.oc1..aaaaserve"
	s := startServe(t, "--provider", "oci", "--account", tenancy+":"+user+":"+pub)
	priv := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	ociVcnRoundTrip(t, common.NewRawConfigurationProvider(tenancy, user, "us-ashburn-1", cmoci.Fingerprint(&key.PublicKey), priv, nil), "http://"+s.Addr, tenancy)

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}))
	c, _ := core.NewVirtualNetworkClientWithConfigurationProvider(common.NewRawConfigurationProvider(tenancy, user, "us-ashburn-1", cmoci.Fingerprint(&key.PublicKey), otherPEM, nil))
	c.Host = "http://" + s.Addr
	_, err = c.ListVcns(context.Background(), core.ListVcnsRequest{CompartmentId: common.String(tenancy)})
	if se, ok := common.IsServiceError(err); !ok || se.GetHTTPStatusCode() != 401 || se.GetCode() != "NotAuthenticated" {
		t.Fatalf("a request signed with another key: %v", err)
	}
	if _, _, err := run(t, "cloudmock", "serve", "--provider", "oci", "--account", "tenancy:user:"+pub); err == nil || !strings.Contains(err.Error(), "want TENANCY_OCID:USER_OCID:PUBLIC_KEY_PEM") {
		t.Fatalf("a bad --account: %v", err)
	}
	// A FastConnect line (--circuit) is realized in a deployed lab only.
	if _, _, err := run(t, "cloudmock", "serve", "--provider", "oci", "--account", tenancy+":"+user+":"+pub, "--circuit", "dc1=mcn-x-dc1:dx0"); err == nil ||
		!strings.Contains(err.Error(), "--circuit need --join") {
		t.Fatalf("--circuit without --join: %v", err)
	}
}

// TestServeOCILab (root): cloudmock serve --provider oci --lab makes a
// tenancy, a user and an API key, writes the key and an OCI config file
// naming it (both 0600) under the lab's state; a shell that evals what
// `mcnlab cloudmock env --provider oci` prints has OCI_CONFIG_FILE,
// OCI_CLI_PROFILE and MCNLAB_OCI_ENDPOINT, and the Go SDK configured
// from them alone makes, lists and deletes a VCN; so does the TypeScript
// SDK (oci-core) from them (ociTypeScript).
func TestServeOCILab(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	t.Setenv("OCI_SDK_DEFAULT_RETRY_ENABLED", "false")
	lab := roottest.LabName(t, "oci")
	s := startServe(t, "--provider", "oci", "--lab", lab, "--region", "eu-frankfurt-1")
	for _, f := range []string{ociKeyFile(lab), ociConfigFile(lab)} {
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v mode %v", f, err, st)
		}
	}
	lines, _, err := run(t, "cloudmock", "env", "--lab", lab, "--provider", "oci")
	if err != nil {
		t.Fatalf("cloudmock env --provider oci: %v\n%s", err, lines)
	}
	out, err := exec.Command("sh", "-c", `eval "$1"; printf '%s\n%s\n%s' "$OCI_CONFIG_FILE" "$OCI_CLI_PROFILE" "$MCNLAB_OCI_ENDPOINT"`, "sh", lines).Output()
	if err != nil {
		t.Fatalf("eval the lines: %v\n%s", err, lines)
	}
	env := strings.Split(string(out), "\n")
	if len(env) != 3 || env[0] != ociConfigFile(lab) || env[1] != "DEFAULT" || env[2] != "http://"+s.Addr {
		t.Fatalf("the lines set %q:\n%s", env, lines)
	}
	p, err := common.ConfigurationProviderFromFile(env[0], "")
	if err != nil {
		t.Fatal(err)
	}
	tenancy, _ := p.TenancyOCID()
	if region, _ := p.Region(); region != "eu-frankfurt-1" || !strings.HasPrefix(tenancy, "ocid1.tenancy.oc1..") {
		t.Fatalf("config: region %q tenancy %q", region, tenancy)
	}
	ociVcnRoundTrip(t, p, env[2], tenancy)
	ociTypeScript(t, env[0], env[1], env[2])
}
