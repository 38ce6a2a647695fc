package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// certLineRE is a line of the strongswan template's comment that says
// which lab file goes where in the swanctl directory.
var certLineRE = regexp.MustCompile(`(?m)^#   (/\S+) -> ((?:x509|private|x509ca)/[a-z0-9-]+\.pem)$`)

// checkCertTemplate applies `mcnlab s2c config dc3 --vendor strongswan`
// (dc3 authenticates with certificates) to a charon it starts in the
// unconfigured router r3, installing the files as the template's comment
// says: the tunnel comes up (the gateway accepts only certificates of the
// lab CA for dc3) and carries pings both ways. Then r3 presents a
// certificate for the same address from another CA: gw1 refuses it
// (AUTHENTICATION_FAILED) and holds no dc3 SA.
func checkCertTemplate(t *testing.T, lab string) {
	tmpl, _, err := run(t, "s2c", "config", "dc3", "--vendor", "strongswan", "--lab", lab)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tmpl, "auth = psk") || !strings.Contains(tmpl, "auth = pubkey") {
		t.Fatalf("dc3's template does not authenticate with certificates:\n%s", tmpl)
	}
	dir := t.TempDir()
	files := certLineRE.FindAllStringSubmatch(tmpl, -1)
	if len(files) != 3 {
		t.Fatalf("the template names %d certificate files, want 3:\n%s", len(files), tmpl)
	}
	for _, f := range files {
		b, err := os.ReadFile(f[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f[2])), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f[2]), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{"swanctl.conf": tmpl, "strongswan.conf": ipsec.CharonConf(dir, ipsec.Routing{})} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := emulator.RunCharon(ctx, emulator.NamespaceName(lab, "r3"), dir); err != nil {
		t.Fatal(err)
	}
	gw := emulator.CharonDir(lab, "gw1")
	for _, d := range []string{dir, gw} {
		if err := ipsec.WaitUp(ctx, d, "dc3"); err != nil {
			t.Fatal(err)
		}
	}
	s2cReach(t, lab, "dch3", netip.MustParseAddr("10.1.1.10"))
	s2cReach(t, lab, "vh", netip.MustParseAddr("10.150.0.10"))

	// Another CA's certificate for r3's address and identity.
	rogue := "rogue-" + lab
	if err := os.MkdirAll(state.Dir(rogue), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state.Dir(rogue)) })
	cert, key, _, err := mcnlab.S2CIssuer(rogue)("rogue r3", netip.MustParseAddr("203.0.113.10"))
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range map[string][]byte{"x509/dc3.pem": cert, "private/dc3.pem": key} {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ipsec.Swanctl(ctx, dir, "--terminate", "--ike", "dc3", "--timeout", "5"); err != nil {
		t.Fatal(err)
	}
	if _, err := ipsec.Swanctl(ctx, dir, "--load-creds", "--clear"); err != nil {
		t.Fatal(err)
	}
	out, err := ipsec.Swanctl(ctx, dir, "--initiate", "--child", "dc3", "--timeout", "5")
	if err == nil || !strings.Contains(out, "AUTHENTICATION_FAILED") {
		t.Errorf("initiating dc3 with another CA's certificate: %v, want AUTHENTICATION_FAILED from gw1:\n%s", err, out)
	}
	if sas := siteSAs(t, lab, "gw1"); ipsec.Up(sas, "dc3") {
		t.Errorf("gw1 holds dc3 up with a certificate of another CA: %+v", sas)
	}
}
