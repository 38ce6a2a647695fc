package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/controller/api"
)

// TestFlowsCommand: `mcnlab flows` prints the controller's flows as an
// aligned table (addresses with ports, the domain pair, the action), each
// --by its groups under its own heading, --json the API's answer; a bad
// --top or --by says what is wrong.
func TestFlowsCommand(t *testing.T) {
	fakeController(t)
	out, _, err := run(t, "flows")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "GATEWAY  PROTO  SOURCE           DESTINATION      PACKETS  BYTES  START") ||
		!strings.Contains(out, "tr1      tcp    10.1.1.10:40000  10.3.1.20:5432   6        1320") ||
		!regexpLine(out, `^tr1\s+icmp\s+10\.2\.1\.10\s+10\.1\.1\.10\s+2\s+168\s+\S+\s+1s\s+dev>prod\s+deny$`) {
		t.Errorf("flows:\n%s", out)
	}
	columnsAligned(t, out)
	for by, want := range map[string]string{
		"domain":  "DOMAINS      FLOWS  PACKETS  BYTES  DENIED\nprod>shared  1      6        1320   0\n",
		"gateway": "GATEWAY  FLOWS  PACKETS  BYTES  DENIED\ntr1      3      12       1712   1\n",
		"app":     "APP       FLOWS  PACKETS  BYTES  DENIED\ntcp/5432  2      10       1544   0\nicmp      1      2        168    1\n",
	} {
		out, _, err := run(t, "flows", "--lab", "lab1", "--by", by)
		if err != nil || !strings.HasPrefix(out, want) {
			t.Errorf("flows --by %s (%v):\n%s\nwant it to start with\n%s", by, err, out, want)
		}
	}
	out, _, err = run(t, "flows", "--json", "--top", "1")
	var fs api.Flows
	if err != nil || json.Unmarshal([]byte(out), &fs) != nil || len(fs.Flows) != 1 || fs.Flows[0].DstPort != 5432 {
		t.Errorf("flows --json --top 1 (%v):\n%s", err, out)
	}
	if _, _, err := run(t, "flows", "--top", "-1"); err == nil || err.Error() != "--top -1: want 0 (all) or more" {
		t.Errorf("flows --top -1: %v", err)
	}
	if _, _, err := run(t, "flows", "--by", "vpc"); err == nil || !strings.Contains(err.Error(), `by "vpc": want domain, gateway or app`) {
		t.Errorf("flows --by vpc: %v", err)
	}
}
