package store

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFileModeAndPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	s := open(t, path)
	if err := s.PutKey("gw1", "key"); err != nil { // forces the WAL file into being
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), m)
		}
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := s.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if v, err := s.SchemaVersion(); err != nil || v != len(migrations) {
		t.Errorf("schema version %d, %v; want %d", v, err, len(migrations))
	}
}

func TestOpenTightensLooseMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	open(t, path)
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o after Open, want 600", fi.Mode().Perm())
	}
}

func TestOpenRejectsDSNs(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if _, err := Open(p); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open(%q): %v, want ErrInvalid", p, err)
		}
	}
}

// TestPersistence writes every kind of content, closes, reopens (twice, so
// that the migration on an up-to-date file is exercised) and reads it back.
func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix("10.20.0.0/16")
	if err := s.PutKey("gw1", "aGVsbG8="); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(RoleOperator, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Approve("tr1", "dc1", p, "alice"); err != nil || !ok {
		t.Fatalf("approve: %v %v", ok, err)
	}
	type rec struct {
		A int      `json:"a"`
		B []string `json:"b"`
	}
	if err := s.Put("vpc/one", rec{A: 7, B: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Log("deploy", "gateway gw1 up"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	for range 2 {
		s, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if k, ok, err := s.Key("gw1"); err != nil || !ok || k != "aGVsbG8=" {
			t.Errorf("Key(gw1) = %q %v %v", k, ok, err)
		}
		if _, ok, err := s.Key("gw2"); err != nil || ok {
			t.Errorf("Key(gw2) = %v %v, want absent", ok, err)
		}
		if r, ok, err := s.TokenRole(tok); err != nil || !ok || r != RoleOperator {
			t.Errorf("TokenRole = %q %v %v", r, ok, err)
		}
		if ti, err := s.Tokens(); err != nil || len(ti) != 1 || ti[0].Name != "alice" || ti[0].Created.IsZero() {
			t.Errorf("Tokens = %+v %v", ti, err)
		}
		if a, err := s.Approvals("tr1"); err != nil || len(a) != 1 || a[0].Prefix != p || a[0].By != "alice" || a[0].At.IsZero() {
			t.Errorf("Approvals = %+v %v", a, err)
		}
		var r rec
		if ok, err := s.Get("vpc/one", &r); err != nil || !ok || r.A != 7 || len(r.B) != 1 {
			t.Errorf("Get = %+v %v %v", r, ok, err)
		}
		if ev, err := s.Events(0); err != nil || len(ev) != 1 || ev[0].Kind != "deploy" || ev[0].Msg != "gateway gw1 up" {
			t.Errorf("Events = %+v %v", ev, err)
		}
		if v, err := s.SchemaVersion(); err != nil || v != len(migrations) {
			t.Errorf("schema version %d %v", v, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	s := open(t, path)
	if _, err := s.db.Exec(`INSERT INTO schema_version (version, applied) VALUES (?, 0)`, len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v", err)
	}
}

func TestTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	s := open(t, path)
	tok, err := s.CreateToken(RoleAdmin, "root")
	if err != nil {
		t.Fatal(err)
	}
	secret, ok := strings.CutPrefix(tok, "mcn_")
	if b, err := base64.RawURLEncoding.DecodeString(secret); !ok || err != nil || len(b) != 32 {
		t.Errorf("token %q: want mcn_ and 32 bytes of URL-safe base64", tok)
	}
	tok2, err := s.CreateToken(RoleReadOnly, "viewer")
	if err != nil || tok2 == tok {
		t.Fatalf("second token %q %v", tok2, err)
	}
	if _, err := s.CreateToken(RoleReadOnly, "root"); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: %v, want ErrExists", err)
	}
	if _, err := s.CreateToken("god", "x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad role: %v, want ErrInvalid", err)
	}
	for _, n := range []string{"", "a b", "../x", strings.Repeat("a", 65)} {
		if _, err := s.CreateToken(RoleAdmin, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: %v, want ErrInvalid", n, err)
		}
	}
	for _, bad := range []string{"", "mcn_", tok + "x", strings.TrimPrefix(tok, "mcn_")} {
		if _, ok, err := s.TokenRole(bad); ok || err != nil {
			t.Errorf("TokenRole(%q) = %v %v, want unknown", bad, ok, err)
		}
	}
	if ti, ok, err := s.Identify(tok2); err != nil || !ok || ti.Name != "viewer" || ti.Role != RoleReadOnly {
		t.Errorf("Identify = %+v %v %v", ti, ok, err)
	}
	list, err := s.Tokens()
	if err != nil || len(list) != 2 || list[0].Name != "root" || list[1].Name != "viewer" {
		t.Fatalf("Tokens = %+v %v", list, err)
	}
	if err := s.RevokeToken("root"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.TokenRole(tok); ok {
		t.Error("revoked token still valid")
	}
	if err := s.RevokeToken("root"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second revoke: %v, want ErrNotFound", err)
	}

	// The secret is nowhere in the files, only its hash is in the table.
	s.db.Exec("PRAGMA wal_checkpoint(FULL)")
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, tok2} {
			if bytes.Contains(b, []byte(tk)) || bytes.Contains(b, []byte(strings.TrimPrefix(tk, "mcn_"))) {
				t.Errorf("%s holds a token secret in clear", filepath.Base(p))
			}
		}
	}
	var hash []byte
	if err := s.db.QueryRow(`SELECT hash FROM tokens WHERE name = 'viewer'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hash, hashToken(tok2)) || bytes.Contains(hash, []byte(tok2)) {
		t.Errorf("stored hash %x is not SHA-256 of the token", hash)
	}
	cols, err := columns(s.db, "tokens")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cols) != "[name role hash created]" {
		t.Errorf("tokens table columns %v: a new column may hold the secret", cols)
	}
}

func columns(db *sql.DB, table string) ([]string, error) {
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func TestRoles(t *testing.T) {
	for _, r := range Roles {
		if got, err := ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q %v", r, got, err)
		}
	}
	if _, err := ParseRole("readonly"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseRole(readonly): %v", err)
	}
	allow := map[[2]Role]bool{
		{RoleAdmin, RoleAdmin}: true, {RoleAdmin, RoleOperator}: true, {RoleAdmin, RoleReadOnly}: true,
		{RoleOperator, RoleOperator}: true, {RoleOperator, RoleReadOnly}: true,
		{RoleReadOnly, RoleReadOnly}: true,
	}
	for _, have := range append(Roles, "x") {
		for _, need := range append(Roles, "x") {
			if got := have.Allows(need); got != allow[[2]Role{have, need}] {
				t.Errorf("%q.Allows(%q) = %v", have, need, got)
			}
		}
	}
}

func TestApprovals(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ctl.db"))
	pp := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	for _, a := range []struct {
		tr, site, p string
	}{
		{"tr1", "dc2", "10.0.0.0/8"},
		{"tr1", "dc1", "192.168.0.0/16"},
		{"tr1", "dc1", "10.9.0.0/16"},
		{"tr1", "dc1", "10.10.0.0/16"},
		{"tr1", "dc1", "10.10.0.0/24"},
		{"tr2", "dc1", "10.10.0.0/16"},
	} {
		if ok, err := s.Approve(a.tr, a.site, pp(a.p), "op"); err != nil || !ok {
			t.Fatalf("Approve %v: %v %v", a, ok, err)
		}
	}
	if ok, err := s.Approve("tr1", "dc1", pp("10.9.0.0/16"), "other"); err != nil || ok {
		t.Errorf("re-approve: %v %v, want false", ok, err)
	}
	a, err := s.Approvals("tr1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range a {
		got = append(got, x.Site+" "+x.Prefix.String()+" "+x.By)
	}
	want := "[dc1 10.9.0.0/16 op dc1 10.10.0.0/16 op dc1 10.10.0.0/24 op dc1 192.168.0.0/16 op dc2 10.0.0.0/8 op]"
	if fmt.Sprint(got) != want {
		t.Errorf("Approvals(tr1) = %v\nwant %s", got, want)
	}
	if all, _ := s.Approvals(""); len(all) != 6 || all[5].Transit != "tr2" {
		t.Errorf("Approvals(\"\") = %+v", all)
	}
	if ok, err := s.Unapprove("tr1", "dc1", pp("10.9.0.0/16")); err != nil || !ok {
		t.Errorf("Unapprove: %v %v", ok, err)
	}
	if ok, err := s.Unapprove("tr1", "dc1", pp("10.9.0.0/16")); err != nil || ok {
		t.Errorf("second Unapprove: %v %v, want false", ok, err)
	}
	for _, bad := range []netip.Prefix{{}, netip.MustParsePrefix("10.0.0.1/8")} {
		if _, err := s.Approve("tr1", "dc1", bad, "op"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Approve(%v): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestRecordsAndEvents(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ctl.db"))
	for _, k := range []string{"vpc/a", "vpc/b", "vpc_x", "gw/a"} {
		if err := s.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put("vpc/a", map[string]int{"n": 2}); err != nil {
		t.Fatal(err)
	}
	var m map[string]int
	if ok, err := s.Get("vpc/a", &m); err != nil || !ok || m["n"] != 2 {
		t.Errorf("Get after overwrite: %v %v %v", m, ok, err)
	}
	if keys, err := s.Keys("vpc/"); err != nil || fmt.Sprint(keys) != "[vpc/a vpc/b]" {
		t.Errorf("Keys(vpc/) = %v %v", keys, err)
	}
	if err := s.Delete("vpc/a"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Get("vpc/a", &m); err != nil || ok {
		t.Errorf("Get after Delete: %v %v", ok, err)
	}
	if err := s.Put("bad", func() {}); err == nil {
		t.Error("Put of a func succeeded")
	}

	for i := range 5 {
		if err := s.Log("k", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	ev, err := s.Events(2)
	if err != nil || len(ev) != 2 || ev[0].Msg != "3" || ev[1].Msg != "4" || ev[0].ID >= ev[1].ID {
		t.Errorf("Events(2) = %+v %v", ev, err)
	}
	if ev, _ := s.Events(0); len(ev) != 5 || ev[0].Msg != "0" {
		t.Errorf("Events(0) = %+v", ev)
	}
}

// TestConcurrent uses one store from many goroutines, and a second Store
// on the same file, as a CLI next to the daemon would; run it with -race.
func TestConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctl.db")
	s := open(t, path)
	s2 := open(t, path)
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		st := s
		if w%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				if err := st.PutKey(name, "k"+name); err != nil {
					errs <- err
				}
				tok, err := st.CreateToken(RoleReadOnly, name)
				if err != nil {
					errs <- err
					continue
				}
				if _, ok, err := st.TokenRole(tok); err != nil || !ok {
					errs <- fmt.Errorf("token %s: %v %v", name, ok, err)
				}
				p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(w), byte(i), 0}), 24)
				if _, err := st.Approve("tr", "dc", p, name); err != nil {
					errs <- err
				}
				if err := st.Put("rec/"+name, i); err != nil {
					errs <- err
				}
				if err := st.Log("test", name); err != nil {
					errs <- err
				}
				if _, err := st.Events(5); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := s.Tokens(); len(n) != workers*each {
		t.Errorf("%d tokens, want %d", len(n), workers*each)
	}
	if a, _ := s2.Approvals("tr"); len(a) != workers*each {
		t.Errorf("%d approvals, want %d", len(a), workers*each)
	}
	if ev, _ := s.Events(0); len(ev) != workers*each {
		t.Errorf("%d events, want %d", len(ev), workers*each)
	}
	if k, _ := s.Keys("rec/"); len(k) != workers*each {
		t.Errorf("%d records, want %d", len(k), workers*each)
	}
}
