package fwmgmt

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/dataplane/firewall"
	"github.com/mcnlab/mcnlab/dataplane/policy"
)

// fakeEngine records the last policy and answers fixed counters.
type fakeEngine struct{ cfg firewall.Config }

func (f *fakeEngine) Apply(c firewall.Config) error { f.cfg = c; return nil }
func (f *fakeEngine) Counters() (firewall.Counts, error) {
	return firewall.Counts{Rules: map[string]policy.Count{"1": {Packets: 3, Bytes: 180}}, Default: policy.Count{Packets: 5, Bytes: 420}}, nil
}
func (f *fakeEngine) Flows() ([]firewall.Flow, error) { return make([]firewall.Flow, 2), nil }

// TestAPI pushes a policy over the socket, reads it back with its
// counters, and has a bad policy refused without a change.
func TestAPI(t *testing.T) {
	eng := &fakeEngine{}
	sock := filepath.Join(t.TempDir(), "fw.sock")
	srv, err := Listen(sock, NewBackend("i-1", eng), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := NewClient(sock)
	defer c.Close()
	ctx := context.Background()
	want := Config{Rules: []Rule{{Name: "1", Action: "deny", Protocol: "tcp", DstPort: 22, Src: netip.MustParsePrefix("10.1.0.0/16")}}, Default: "allow"}
	if _, err := c.PutConfig(ctx, want); err != nil {
		t.Fatal(err)
	}
	r := eng.cfg.Rules[0]
	if r.Action != firewall.Deny || r.Proto != policy.ProtoTCP || r.DstPort != policy.Port(22) || r.Src != want.Rules[0].Src {
		t.Errorf("engine got %+v", eng.cfg)
	}
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Name != "i-1" || st.Boot == "" || len(st.Rules) != 1 || st.Rules[0].Packets != 3 || st.DefaultCount.Packets != 5 || st.Connections != 2 {
		t.Errorf("status %+v", st)
	}
	bad := Config{Rules: []Rule{{Name: "x", Action: "deny", Protocol: "icmp", DstPort: 22}}}
	if _, err := c.PutConfig(ctx, bad); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("bad policy: %v", err)
	}
	if got, _ := c.Config(ctx); len(got.Rules) != 1 || got.Rules[0] != want.Rules[0] {
		t.Errorf("config after a refused one: %+v", got)
	}
}
