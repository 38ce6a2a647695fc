package lab

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestLabCA: a lab's CA is made in its state directory with a 0600 key,
// made once (a second MakeCA loads it), issues a loopback server
// certificate that verifies against the CA alone, serves HTTPS
// (ServerTLS) to a client trusting only it, and goes with the state
// directory.
func TestLabCA(t *testing.T) {
	roottest.UseTempState(t)
	const lab = "ca1"
	if err := state.Create(&state.Lab{Name: lab}); err != nil {
		t.Fatal(err)
	}
	ca, err := MakeCA(lab)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(CAKeyFile(lab))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key: %v, mode %v; want 0600", err, fi.Mode())
	}
	if !ca.Cert.IsCA {
		t.Errorf("CA certificate is not a CA's")
	}
	again, err := MakeCA(lab)
	if err != nil || !again.Cert.Equal(ca.Cert) {
		t.Errorf("second MakeCA: %v; made another CA", err)
	}
	cert, err := again.IssueServerCert()
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool()}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost"}); err == nil {
		t.Errorf("server certificate verifies without the lab CA")
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	if srv.TLS, err = ServerTLS(lab); err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("HTTPS with the lab CA: %v", err)
	}
	resp.Body.Close()
	if err := state.Remove(lab); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{CAFile(lab), CAKeyFile(lab)} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s after the lab's state is removed: %v", f, err)
		}
	}
}
