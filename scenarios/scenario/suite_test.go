package scenario

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/lab"
)

func TestMain(m *testing.M) {
	code := m.Run()
	roottest.Cleanup()
	os.Exit(code)
}

// runScenarios runs `mcnlab scenario run` on files with a JUnit report and
// returns its output, exit status and the report read back.
func runScenarios(t *testing.T, args ...string) (string, int, junitSuites) {
	t.Helper()
	report := filepath.Join(t.TempDir(), "out.xml")
	cmd := exec.Command(roottest.MCNLab(t), append([]string{"scenario", "run", "--junit", report}, args...)...)
	cmd.Env = append(os.Environ(), lab.StateRootEnv+"="+state.Root)
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, out)
	}
	validate(t, report)
	var back junitSuites
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	for _, s := range back.Suites {
		for _, p := range s.Properties.Props {
			if p.Name == "lab" {
				roottest.AssertGone(t, p.Value)
			}
		}
	}
	return string(out), code, back
}

// TestRegressionSuite runs every scenario in scenarios/ as CI does: all
// pass, the report validates, and no lab is left.
func TestRegressionSuite(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	files, err := filepath.Glob("../*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	out, code, rep := runScenarios(t, append([]string{"--parallel", "2"}, files...)...)
	tests, failures, errs := rep.totals()
	if code != 0 || failures+errs != 0 || len(rep.Suites) != len(files) {
		t.Fatalf("exit %d, %d failures and %d errors in %d suites:\n%s", code, failures, errs, len(rep.Suites), out)
	}
	t.Logf("%d scenarios, %d cases:\n%s", len(files), tests, out)
}

// TestBrokenScenario: wrong expectations fail with what was expected and
// seen, at the scenario's line; a failed action skips what follows; the
// lab is destroyed all the same.
func TestBrokenScenario(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	out, code, rep := runScenarios(t, "testdata/broken.yaml")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"FAIL broken (testdata/broken.yaml): 6 cases, 3 failed, 1 skipped",
		"testdata/broken.yaml:11: reach ha -> hb is blocked: expected blocked, saw reach",
		"testdata/broken.yaml:12: route 10.99.0.0/24 in sa1 present=true: no route to 10.99.0.0/24 in gateway sa1",
		"10.10.0.0/24 via", // the routes it has, to compare
		`testdata/broken.yaml:14: kill (action): line 14: kill: lab sc-`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if tests, failures, skipped := rep.totals(); tests != 6 || failures != 3 || skipped != 1 {
		t.Errorf("report: %d tests, %d failures, %d skipped (errors)", tests, failures, skipped)
	}
}

// TestInterruptedScenario: Ctrl-C during a scenario still destroys its lab.
func TestInterruptedScenario(t *testing.T) {
	roottest.Require(t)
	roottest.UseTempState(t)
	cmd := exec.Command(roottest.MCNLab(t), "scenario", "run", "testdata/interrupted.yaml")
	cmd.Env = append(os.Environ(), lab.StateRootEnv+"="+state.Root)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	t.Cleanup(func() { cmd.Process.Kill() })
	// Wait until the deploy is done: the sleep step starts after it.
	var out bytes.Buffer
	lines := bufio.NewScanner(pr)
	for !strings.Contains(out.String(), "line 5: deploy") {
		if !lines.Scan() {
			t.Fatalf("the run ended before its deploy did:\n%s", out.String())
		}
		out.WriteString(lines.Text() + "\n")
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		io.Copy(&out, pr) //nolint:errcheck // until the run exits
	}()
	labs, err := state.List()
	if err != nil || len(labs) != 1 {
		t.Fatalf("labs %v, %v", labs, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	<-copied
	if err == nil {
		t.Errorf("an interrupted run exited 0:\n%s", out.String())
	}
	roottest.AssertGone(t, labs[0])
}

// totals adds up the suites' tests, failures and errors (skipped cases).
func (a junitSuites) totals() (tests, failures, errs int) {
	for _, s := range a.Suites {
		tests, failures, errs = tests+s.Tests, failures+s.Failures, errs+s.Errors
	}
	return tests, failures, errs
}
