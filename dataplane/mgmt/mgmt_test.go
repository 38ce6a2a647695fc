package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBackend refuses configs without a name and fails those named "boom".
type fakeBackend struct {
	mu  sync.Mutex
	cfg Config
}

func (f *fakeBackend) Name() string { return "gw-test" }

func (f *fakeBackend) Config() Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

func (f *fakeBackend) Apply(_ context.Context, c Config) (Config, error) {
	switch c.Name {
	case "":
		return Config{}, fmt.Errorf("%w: name must be set", ErrInvalid)
	case "boom":
		return f.Config(), errors.New("tunnel wg-x: device busy")
	}
	f.mu.Lock()
	f.cfg = c
	f.mu.Unlock()
	return c, nil
}

func (f *fakeBackend) Status(context.Context) (Status, error) {
	return Status{Name: "gw-test", RoutesVersion: "boot.7", Routes: []Route{{Prefix: netip.MustParsePrefix("10.2.0.0/24"), NextHops: []netip.Addr{netip.MustParseAddr("10.255.0.1")}}}}, nil
}

func serve(t *testing.T) (*Server, *Client) {
	t.Helper()
	dir, err := os.MkdirTemp("", "mgmt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	srv, err := Listen(filepath.Join(dir, "gw.sock"), &fakeBackend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := NewClient(srv.Path())
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func TestClientServer(t *testing.T) {
	srv, c := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if fi, err := os.Stat(srv.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode: %v, %v; want 0600", fi, err)
	}
	h, err := c.Health(ctx)
	if err != nil || h != (Health{Status: "ok", Name: "gw-test"}) {
		t.Errorf("Health = %+v, %v", h, err)
	}
	want := Config{Name: "gw1", ASN: 65001, RouterID: netip.MustParseAddr("10.0.0.1"), Peers: []Peer{{
		Name: "gw2", PublicKey: "k", Endpoint: netip.MustParseAddrPort("198.18.0.2:51820"), ListenPort: 51821,
		Address: netip.MustParsePrefix("10.255.0.0/31"), PeerAddress: netip.MustParseAddr("10.255.0.1"), ASN: 65002,
		Import: []Filter{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), LE: 24}},
	}}}
	got, err := c.PutConfig(ctx, want)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("PutConfig = %+v, %v", got, err)
	}
	if got, err := c.Config(ctx); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Config = %+v, %v; want %+v", got, err, want)
	}
	var apiErr *APIError
	if _, err := c.PutConfig(ctx, Config{}); !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, "name must be set") {
		t.Errorf("invalid PUT: %v; want 400 with the reason", err)
	}
	if _, err := c.PutConfig(ctx, Config{Name: "boom"}); !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(apiErr.Message, "device busy") {
		t.Errorf("failing PUT: %v; want 500 with the reason", err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Name != "gw-test" || len(st.Routes) != 1 {
		t.Errorf("Status = %+v, %v", st, err)
	}
}

func TestWireErrors(t *testing.T) {
	srv, _ := serve(t)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", srv.Path())
	}}}
	for _, tc := range []struct {
		method, path, body string
		code               int
		allow, errText     string
	}{
		{"DELETE", "/v1/config", "", 405, "GET, PUT", "not allowed"},
		{"GET", "/v2/config", "", 404, "", "no such path"},
		{"PUT", "/v1/config", `{"name":"gw1","asnn":1}`, 400, "", "unknown field"},
		{"PUT", "/v1/config", `{"name":"gw1"} {}`, 400, "", "data after"},
		{"PUT", "/v1/config", `{"name":"gw1","router_id":"10.0.0.300"}`, 400, "", "10.0.0.300"},
		{"POST", "/v1/status", "", 405, "GET", "not allowed"},
	} {
		req, _ := http.NewRequest(tc.method, "http://x"+tc.path, strings.NewReader(tc.body))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = fmt.Fprint(&b, resp.Header.Get("Content-Type"))
		body := make([]byte, 4096)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(body[:n]), tc.errText) || b.String() != "application/json" {
			t.Errorf("%s %s: %d %s %q; want %d with %q", tc.method, tc.path, resp.StatusCode, b.String(), body[:n], tc.code, tc.errText)
		}
		if tc.allow != "" {
			got := resp.Header.Get("Allow")
			if len(got) != len(tc.allow) || !strings.Contains(got, strings.Split(tc.allow, ", ")[0]) {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
		}
	}
	hc.CloseIdleConnections()
}

func TestListenRefusesALiveSocketAndReplacesAStaleOne(t *testing.T) {
	srv, _ := serve(t)
	if _, err := Listen(srv.Path(), &fakeBackend{}, nil); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second Listen on a live socket: %v", err)
	}
	// A stale socket file: bound, then its listener gone without removal.
	stale := filepath.Join(filepath.Dir(srv.Path()), "stale.sock")
	ln, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	s2, err := Listen(stale, &fakeBackend{}, nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	if err := s2.Close(); err != nil {
		t.Error(err)
	}
	if err := s2.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left after Close: %v", err)
	}
}

// TestWireNames pins the JSON names of the overlay, approval and
// segmentation fields that the controller codes against, in both
// directions.
func TestWireNames(t *testing.T) {
	in := `{"name":"gw1","asn":65001,"router_id":"10.255.255.1",
	  "peers":[{"name":"edge","public_key":"x","listen_port":51801,"address":"10.255.12.0/31","peer_address":"10.255.12.1","asn":65100,
	    "approval":"manual","approved":["10.101.0.0/24"]}],
	  "neighbors":[{"name":"dc1","address":"10.254.0.2","asn":65100,
	    "approval":"manual","approved":["10.100.0.0/24"],
	    "vxlan":{"vni":100,"local":"198.18.0.1","remote":"198.18.0.2","port":4789,"address":"10.254.0.1/30","mtu":1450}}],
	  "segmentation":{"domains":[{"name":"prod","prefixes":["10.1.0.0/16"]},{"name":"dev","prefixes":["10.2.0.0/16"]}],
	    "connections":[["prod","dev"]]}}`
	c, err := DecodeConfig(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Neighbors[0]
	want := VXLAN{VNI: 100, Local: netip.MustParseAddr("198.18.0.1"), Remote: netip.MustParseAddr("198.18.0.2"), Port: 4789,
		Address: netip.MustParsePrefix("10.254.0.1/30"), MTU: 1450}
	if n.Approval != "manual" || fmt.Sprint(n.Approved) != "[10.100.0.0/24]" || n.VXLAN == nil || *n.VXLAN != want {
		t.Errorf("neighbour decoded as %+v (vxlan %+v)", n, n.VXLAN)
	}
	if p := c.Peers[0]; p.Approval != "manual" || fmt.Sprint(p.Approved) != "[10.101.0.0/24]" {
		t.Errorf("peer decoded as %+v", p)
	}
	if s := c.Segmentation; s == nil || fmt.Sprint(*s) != "{[{prod [10.1.0.0/16]} {dev [10.2.0.0/16]}] [[prod dev]]}" {
		t.Errorf("segmentation decoded as %+v", s)
	}
	st := Status{Name: "gw1",
		Sessions: []Session{{Name: "dc1", Filtered: []netip.Prefix{netip.MustParsePrefix("10.200.0.0/24")}},
			{Name: "edge", Address: netip.MustParseAddr("10.255.12.1"), ASN: 65100, State: "established", Received: 2, Accepted: 1,
				Filtered: []netip.Prefix{netip.MustParsePrefix("10.102.0.0/24")}}},
		Segmentation: []DomainDrops{{From: "prod", To: "dev", Packets: 3, Bytes: 252}},
	}
	b := new(strings.Builder)
	if err := jsonEncode(b, st); err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"filtered":["10.200.0.0/24"]`, `{"name":"edge","address":"10.255.12.1","asn":65100,"state":"established","uptime_seconds":0,"received":2,"accepted":1,"advertised":0,"filtered":["10.102.0.0/24"]}`, `"segmentation":[{"from":"prod","to":"dev","packets":3,"bytes":252}]`} {
		if !strings.Contains(b.String(), frag) {
			t.Errorf("status JSON %s lacks %s", b, frag)
		}
	}
	// Absent stays absent: a gateway without these features says nothing.
	b.Reset()
	if err := jsonEncode(b, Config{Peers: []Peer{{Name: "y"}}, Neighbors: []Neighbor{{Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"vxlan", "approval", "approved", "segmentation"} {
		if strings.Contains(b.String(), `"`+key+`"`) {
			t.Errorf("config JSON %s has %q though unset", b, key)
		}
	}
}

func FuzzDecodeConfig(f *testing.F) {
	f.Add(`{"name":"gw1","asn":65001,"router_id":"10.0.0.1","peers":[{"name":"gw2","public_key":"x","listen_port":1,"address":"10.255.0.0/31","peer_address":"10.255.0.1","asn":2}]}`)
	f.Add(`{}`)
	f.Add(`{"peers":[{"name":"e","approval":"manual","approved":["10.1.0.0/24"]}]}`)
	f.Add(`{"prefixes":["10.0.0.0/33"]}`)
	f.Add(`{"neighbors":[{"name":"a","approval":"manual","approved":["10.0.0.0/8"],"vxlan":{"vni":1,"local":"1.1.1.1","remote":"2.2.2.2","address":"10.0.0.1/30"}}],"segmentation":{"domains":[{"name":"a","prefixes":[]}],"connections":[["a","b"]]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeConfig(strings.NewReader(s))
		if err != nil {
			return
		}
		// What decodes re-encodes and decodes to the same value.
		b := new(strings.Builder)
		if err := jsonEncode(b, c); err != nil {
			t.Fatal(err)
		}
		// Compared as JSON: the config holds pointers.
		c2, err := DecodeConfig(strings.NewReader(b.String()))
		b2 := new(strings.Builder)
		if err == nil {
			err = jsonEncode(b2, c2)
		}
		if err != nil || b2.String() != b.String() {
			t.Fatalf("round trip of %q: %s, %v; want %s", s, b2, err, b)
		}
	})
}

func jsonEncode(w *strings.Builder, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// TestStatusRoutesSince: asked for the status since the routes' current
// version, the gateway leaves the routes out and says they are unchanged;
// since another version, or none, it sends them.
func TestStatusRoutesSince(t *testing.T) {
	_, c := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		since     string
		unchanged bool
		routes    int
	}{{"", false, 1}, {"boot.6", false, 1}, {"other.7", false, 1}, {"boot.7", true, 0}} {
		st, err := c.StatusSince(ctx, tc.since)
		if err != nil || st.RoutesVersion != "boot.7" || st.RoutesUnchanged != tc.unchanged || len(st.Routes) != tc.routes {
			t.Errorf("StatusSince(%q) = version %q unchanged %v, %d routes, %v; want unchanged %v, %d routes",
				tc.since, st.RoutesVersion, st.RoutesUnchanged, len(st.Routes), err, tc.unchanged, tc.routes)
		}
	}
}
