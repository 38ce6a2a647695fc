package persist

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

const acct = "111111111111"

func newCloud() *model.Cloud {
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	return c
}

func snap(t *testing.T, c *model.Cloud) []byte {
	t.Helper()
	b, _, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reopen opens path in a new store and loads it into a new cloud.
func reopen(t *testing.T, path string) (*Store, *model.Cloud) {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := model.New()
	ok, err := s.Load(c)
	if err != nil || !ok {
		s.Close()
		t.Fatalf("Load: %v, %v", ok, err)
	}
	return s, c
}

func TestSyncedChangesAreInTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := newCloud()
	if ok, err := s.Load(c); ok || err != nil {
		t.Fatalf("Load of a new file: %v, %v", ok, err)
	}
	s.Start(c)
	n, err := c.CreateNetwork(acct, netip.MustParsePrefix("10.0.0.0/16"), map[string]string{"Name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	nsg, rt := addNeutralObjects(t, c, n)
	s.Remember("aws-token", "k\x00RunInstances\x00tok", []byte("answer"))
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := snap(t, c)
	// A second process cannot open it meanwhile.
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second Open: got %v, want in use", err)
	}
	// Read the file as it is now, as a process started after a SIGKILL
	// would: copy it (WAL included) without closing the store.
	dir := t.TempDir()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cloud.db"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2, c2 := reopen(t, filepath.Join(dir, "cloud.db"))
	defer s2.Close()
	if got := snap(t, c2); !bytes.Equal(got, want) {
		t.Errorf("reloaded model differs:\n got  %s\n want %s", got, want)
	}
	// The network is back with the handle its kernel objects are named
	// from, so that a restarted lab cloud adopts them.
	if got, err := c2.Network(acct, n.ID); err != nil || got.Handle != n.Handle || got.Handle == "" {
		t.Errorf("network %s back as %+v, %v; want handle %q", n.ID, got.Meta, err, n.Handle)
	}
	if got, err := c2.RuleSet(acct, model.FlavorNSG, nsg.ID); err != nil || len(got.Rules) != 2 || got.Rules[0].Action != model.Deny || len(got.Attachments) != 1 {
		t.Errorf("rule set %s back as %+v, %v", nsg.ID, got, err)
	}
	if got, err := c2.RouteTable(acct, rt.ID); err != nil || len(got.Associations) != 1 || got.Associations[0].Tags[0] != "web" ||
		got.Routes[len(got.Routes)-1].Priority != 900 {
		t.Errorf("route table %s back as %+v, %v", rt.ID, got, err)
	}
	recs, err := s2.Records("aws-token")
	if err != nil || len(recs) != 1 || recs[0].Key != "k\x00RunInstances\x00tok" || string(recs[0].Value) != "answer" {
		t.Errorf("records: %q, %v", recs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode: %v, %v", fi.Mode(), err)
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 100), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(junk); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), junk) {
		t.Errorf("Open of a junk file: got %v, want ErrIncompatible naming the file", err)
	}
	// A file from a newer schema.
	newer := filepath.Join(dir, "newer.db")
	s, err := Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`PRAGMA user_version = 7`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(newer); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("Open of schema 7: got %v", err)
	}
	// A snapshot of another model version.
	other := filepath.Join(dir, "other.db")
	s, err = Open(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO model (id, seq, snapshot) VALUES (1, 1, '{"version":99}')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(other)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Load(model.New()); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), other) {
		t.Errorf("Load of snapshot version 99: got %v", err)
	}
}

// TestDurableAnswersAfterTheWrite checks that concurrent calls through
// Durable are each answered only once their change is in the file.
func TestDurableAnswersAfterTheWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newCloud()
	lim := model.DefaultLimits()
	lim.NetworksPerRegion = 100
	c.AddAccount(model.Account{ID: acct, Limits: lim})
	s.Start(c)
	h := s.Durable(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := c.CreateNetwork(acct, netip.MustParsePrefix(r.URL.Query().Get("cidr")), nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Seq", strconv.FormatUint(c.Seq(), 10))
		w.Write([]byte("made"))
	}))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/?cidr=10."+strconv.Itoa(i)+".0.0/16", nil))
			if rec.Code != 200 || rec.Body.String() != "made" {
				t.Errorf("call %d: %d %q", i, rec.Code, rec.Body)
				return
			}
			made, _ := strconv.ParseUint(rec.Header().Get("X-Seq"), 10, 64)
			s.mu.Lock()
			saved := s.savedSeq
			s.mu.Unlock()
			if made == 0 || saved < made {
				t.Errorf("call %d answered with Seq %d saved, its change at %d", i, saved, made)
			}
		}()
	}
	wg.Wait()
	var seq uint64
	if err := s.db.QueryRow(`SELECT seq FROM model`).Scan(&seq); err != nil || seq != c.Seq() {
		t.Errorf("file holds Seq %d (%v), model is at %d", seq, err, c.Seq())
	}
}

// addNeutralObjects adds what only the provider-neutral model has: an NSG
// (a deny above an allow) attached to a subnet, and a route table with a
// priority route that applies to the instances tagged "web".
func addNeutralObjects(t *testing.T, c *model.Cloud, n model.Network) (model.RuleSet, model.RouteTable) {
	t.Helper()
	sub, err := c.CreateSubnet(acct, n.ID, netip.MustParsePrefix("10.0.1.0/24"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nsg, err := c.CreateRuleSet(acct, model.RuleSetSpec{Flavor: model.FlavorNSG, NetworkID: n.ID, Name: "nsg"})
	if err != nil {
		t.Fatal(err)
	}
	any4 := model.Peer{Prefix: netip.MustParsePrefix("0.0.0.0/0")}
	if _, err := c.AddRules(acct, model.FlavorNSG, nsg.ID, []model.Rule{
		{Direction: model.Ingress, Priority: 100, Action: model.Deny, Protocol: "tcp", FromPort: 22, ToPort: 22, Peer: any4},
		{Direction: model.Ingress, Priority: 200, Action: model.Allow, Protocol: "-1", Peer: any4},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRuleSet(acct, model.FlavorNSG, nsg.ID, model.Attachment{Kind: model.OnSubnet, TargetID: sub.ID}); err != nil {
		t.Fatal(err)
	}
	is, err := c.RunInstances(acct, model.LaunchSpec{SubnetID: sub.ID, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := c.CreateRouteTable(acct, n.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := model.Route{Destination: netip.MustParsePrefix("192.0.2.0/24"), Target: model.Target{Kind: model.TargetInstance, ID: is[0].ID}, Priority: 900}
	if err := c.AddRoute(acct, rt.ID, r); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateRouteTableTags(acct, rt.ID, []string{"web"}); err != nil {
		t.Fatal(err)
	}
	return nsg, rt
}
