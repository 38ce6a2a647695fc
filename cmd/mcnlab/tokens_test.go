package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/store"
)

func TestTokens(t *testing.T) {
	s := fakeController(t)
	out, errOut, err := run(t, "tokens", "create", "--name", "ci", "--role", "operator")
	tok := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(tok, "mcn_") || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "shown this once") {
		t.Fatalf("tokens create: %v, stdout %q, stderr %q", err, out, errOut)
	}
	// The new token works, with its role.
	if _, _, err := run(t, "routes", "approve", "dc1", "172.16.0.0/16", "--token", tok); err != nil {
		t.Errorf("approve with the new operator token: %v", err)
	}
	if _, _, err := run(t, "tokens", "list", "--token", tok); err == nil || !strings.Contains(err.Error(), "needs role admin") {
		t.Errorf("tokens list with an operator token: %v", err)
	}

	out, _, err = run(t, "tokens", "create", "--name", "bot", "--role", "read-only", "--json")
	var nt api.NewToken
	if err != nil || json.Unmarshal([]byte(out), &nt) != nil || nt.Role != store.RoleReadOnly || !strings.HasPrefix(nt.Token, "mcn_") {
		t.Errorf("tokens create --json: %v %q", err, out)
	}

	out, _, err = run(t, "tokens", "list")
	if err != nil || !strings.HasPrefix(out, "NAME      ROLE       CREATED\n") || !strings.Contains(out, "\nci        operator   ") {
		t.Errorf("tokens list:\n%s", out)
	}
	columnsAligned(t, out)
	for _, secret := range []string{tok, nt.Token, s.Admin} {
		if strings.Contains(out, strings.TrimPrefix(secret, "mcn_")) {
			t.Error("tokens list shows a secret")
		}
	}
	out, _, err = run(t, "tokens", "list", "--json")
	var list []store.TokenInfo
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 5 || strings.Contains(out, "mcn_") {
		t.Errorf("tokens list --json: %v\n%s", err, out)
	}

	out, _, err = run(t, "tokens", "revoke", "ci")
	if err != nil || out != "revoked token ci\n" {
		t.Errorf("tokens revoke: %v %q", err, out)
	}
	if _, _, err := run(t, "routes", "pending", "--token", tok); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("revoked token: %v", err)
	}
	if _, _, err := run(t, "tokens", "revoke", "ci"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("revoke twice: %v", err)
	}
	if _, _, err := run(t, "tokens", "revoke", "admin"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("revoke the token in use: %v", err)
	}
}

func TestTokensCreateChecksFlags(t *testing.T) {
	fakeController(t)
	if _, _, err := run(t, "tokens", "create", "--name", "x", "--role", "root"); err == nil || !strings.Contains(err.Error(), "admin, operator or read-only") {
		t.Errorf("bad role: %v", err)
	}
	if _, _, err := run(t, "tokens", "create", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("missing --name: %v", err)
	}
	if _, _, err := run(t, "tokens", "create", "--name", "admin", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("taken name: %v", err)
	}
}
