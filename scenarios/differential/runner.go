package differential

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/lab"
)

// Pair is one ordered pair as `mcnlab simulate --json` and `mcnlab reach
// --json` print it (lab.Pair, the one definition of that shape).
type Pair = lab.Pair

// Disagreement is a pair that the lab and the simulation answer
// differently.
type Disagreement struct {
	From, To string
	// Simulated is what simulate said (with its reason); Seen what
	// real pings saw.
	Simulated, Seen bool
	Reason          string
}

func (d Disagreement) String() string {
	word := map[bool]string{true: "reaches", false: "blocked"}
	s := fmt.Sprintf("%s -> %s: simulate says %s, the lab %s", d.From, d.To, word[d.Simulated], word[d.Seen])
	if d.Reason != "" {
		s += " (" + d.Reason + ")"
	}
	return s
}

// Result is one case's outcome.
type Result struct {
	Case Case
	Lab  string
	// Pairs were compared; Depends of them turn on addresses the cloud
	// chooses and are not compared.
	Pairs, Depends int
	Disagree       []Disagreement
	// Err is a step that failed (deploy, approve, reach, destroy).
	Err error
	// Dir keeps the failing case's topology and outputs; "" when it
	// passed.
	Dir  string
	Took time.Duration
}

// Failed reports whether the case failed.
func (r *Result) Failed() bool { return r.Err != nil || len(r.Disagree) > 0 }

// Runner runs cases with the mcnlab binary.
type Runner struct {
	// Bin is the mcnlab binary.
	Bin string
	// Env is added to the binary's environment (such as
	// MCNLAB_STATE_ROOT).
	Env []string
	// StateRoot is where the labs' state lives (for the daemons' logs of
	// a failing case); "" is /run/mcnlab.
	StateRoot string
	// KeepRoot holds the directories of failing cases,
	// mcnlab-soak-SEED-CASE (-multi-CASE across clouds, -CLOUD-CASE on
	// Azure, GCP or OCI alone); "" is os.TempDir().
	KeepRoot string
	// DeployTimeout bounds `mcnlab deploy`; Settle bounds how long the
	// lab may take, after deploy and the approvals, to agree with the
	// simulation (reach is polled until it does).
	DeployTimeout, Settle time.Duration
	// Log receives a line per step; nil discards.
	Log io.Writer
}

// files of a kept case.
const (
	fileTopology    = "topology.yaml"
	fileSimulate    = "simulate.txt"
	fileSimJSON     = "simulate.json"
	fileDeploy      = "deploy.txt"
	fileReach       = "reach.json"
	fileInspect     = "inspect.txt"
	fileApprove     = "approve.txt"
	fileDisagree    = "disagreements.txt"
	fileReproduce   = "REPRODUCE"
	defaultSettle   = 20 * time.Second
	defaultDeployTO = 3 * time.Minute
)

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", args...)
	}
}

// mcnlab runs the binary and returns its standard output and error
// together.
func (r *Runner) mcnlab(ctx context.Context, limit time.Duration, args ...string) ([]byte, error) {
	out, stderr, err := r.mcnlabJSON(ctx, limit, args...)
	return append(out, stderr...), err
}

// mcnlabJSON runs the binary and returns its standard output and its
// standard error apart (a --json command's output is its standard output
// alone); the error carries the standard error.
func (r *Runner) mcnlabJSON(ctx context.Context, limit time.Duration, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Bin, args...)
	cmd.Env = append(os.Environ(), r.Env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second
	if err = cmd.Run(); err != nil {
		err = fmt.Errorf("mcnlab %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), errOut.Bytes(), err
}

// Dir is where case c is kept when it fails.
func (r *Runner) Dir(c Case) string {
	root := r.KeepRoot
	if root == "" {
		root = os.TempDir()
	}
	if c.Multi {
		return filepath.Join(root, fmt.Sprintf("mcnlab-soak-%d-multi-%d", c.Seed, c.Index))
	}
	if c.Cloud != "" && c.Cloud != AWS {
		return filepath.Join(root, fmt.Sprintf("mcnlab-soak-%d-%s-%d", c.Seed, c.Cloud, c.Index))
	}
	return filepath.Join(root, fmt.Sprintf("mcnlab-soak-%d-%d", c.Seed, c.Index))
}

// Run simulates case c, deploys it as lab, approves its run-time routes,
// polls `mcnlab reach` until every pair agrees with the simulation or
// Settle passes, and destroys the lab (also when a step fails). A failing
// case's topology, the simulation, the deploy's output, the last reach and
// the lab's inspect output are kept in Dir(c).
func (r *Runner) Run(ctx context.Context, c Case, lab string) (res Result) {
	start := time.Now()
	res = Result{Case: c, Lab: lab}
	dir := r.Dir(c)
	files := map[string][]byte{fileTopology: c.YAML, fileReproduce: []byte(fmt.Sprintf(
		"%s   # draws this case again (%s)\n", c.Reproduce(), c.Drawn))}
	defer func() {
		res.Took = time.Since(start)
		if !res.Failed() {
			os.RemoveAll(dir)
			return
		}
		if len(res.Disagree) > 0 {
			var b strings.Builder
			for _, d := range res.Disagree {
				b.WriteString(d.String() + "\n")
			}
			files[fileDisagree] = []byte(b.String())
		}
		if err := r.keep(dir, lab, files); err != nil {
			res.Err = errors.Join(res.Err, err)
		}
		res.Dir = dir
	}()
	topo := filepath.Join(dir, fileTopology)
	if err := writeTopology(dir, topo, c.YAML); err != nil {
		res.Err = err
		return res
	}
	want, err := r.simulate(ctx, c, topo, files)
	if err != nil {
		res.Err = err
		return res
	}

	// Deploy, approve, reach; destroy whatever happens.
	r.logf("case %d (%s): deploying as lab %s", c.Index, c.Drawn, lab)
	deployed := false
	defer func() {
		if deployed {
			r.destroy(ctx, lab, res.Failed(), files, &res)
		}
	}()
	deployed, err = r.deploy(ctx, c, topo, lab, files)
	if err != nil {
		res.Err = err
		return res
	}
	r.compareUntilSettled(ctx, c, lab, want, files, &res)
	return res
}

// writeTopology writes a case's topology into a fresh dir.
func writeTopology(dir, topo string, yaml []byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(topo, yaml, 0o644)
}

// simulate returns what `mcnlab simulate` says of the case, with its
// run-time approvals, keeping its text and JSON in files.
func (r *Runner) simulate(ctx context.Context, c Case, topo string, files map[string][]byte) ([]Pair, error) {
	simArgs := []string{"simulate", "-t", topo}
	for _, a := range c.Approve {
		simArgs = append(simArgs, "--approve", a.Site+"="+a.Prefix.String())
	}
	text, err := r.mcnlab(ctx, time.Minute, simArgs...)
	files[fileSimulate] = text
	if err != nil {
		return nil, err
	}
	js, _, err := r.mcnlabJSON(ctx, time.Minute, append(simArgs, "--json")...)
	files[fileSimJSON] = js
	if err != nil {
		return nil, err
	}
	var want []Pair
	if err := json.Unmarshal(js, &want); err != nil {
		return nil, fmt.Errorf("read simulate --json: %w", err)
	}
	return want, nil
}

// deploy deploys the case as lab and approves its run-time routes.
// deployed reports whether a lab may exist (to be destroyed) afterwards.
func (r *Runner) deploy(ctx context.Context, c Case, topo, lab string, files map[string][]byte) (deployed bool, err error) {
	deployTO := cmp.Or(r.DeployTimeout, defaultDeployTO)
	out, err := r.mcnlab(ctx, deployTO, "deploy", "-t", topo, "--lab", lab)
	files[fileDeploy] = out
	// A failed deploy rolls back, but a killed one may not.
	if err != nil {
		return true, fmt.Errorf("%w; its output ends:\n%s", err, lastLines(out, 25))
	}
	var approvals bytes.Buffer
	defer func() { files[fileApprove] = approvals.Bytes() }()
	for _, a := range c.Approve {
		out, err := r.mcnlab(ctx, time.Minute, "routes", "approve", a.Site, a.Prefix.String(), "--lab", lab)
		approvals.Write(out)
		if err != nil {
			return true, fmt.Errorf("%w\n%s", err, out)
		}
	}
	return true, nil
}

// destroy destroys the lab, keeping its inspect output and logs first when
// the case failed, and reports namespaces left behind.
func (r *Runner) destroy(ctx context.Context, lab string, failed bool, files map[string][]byte, res *Result) {
	ctx = context.WithoutCancel(ctx)
	if failed {
		out, _ := r.mcnlab(ctx, time.Minute, "inspect", "--lab", lab)
		files[fileInspect] = out
		r.copyLogs(lab, files)
	}
	if out, err := r.mcnlab(ctx, 2*time.Minute, "destroy", "--lab", lab); err != nil {
		res.Err = errors.Join(res.Err, fmt.Errorf("%w\n%s", err, out))
	}
	if left := namespaces(lab); len(left) > 0 {
		res.Err = errors.Join(res.Err, fmt.Errorf("lab %s left namespaces behind: %v", lab, left))
	}
}

// compareUntilSettled measures the lab's matrix with `mcnlab reach` and
// compares it with want, again until every pair agrees or the settle time
// is over; it fills res's counts, disagreements or error.
func (r *Runner) compareUntilSettled(ctx context.Context, c Case, lab string, want []Pair, files map[string][]byte, res *Result) {
	settle := cmp.Or(r.Settle, defaultSettle)
	deadline := time.Now().Add(settle)
	for round := 1; ; round++ {
		// reach fails when a pair is not as the lab's own expectation
		// says; its output is still the matrix.
		out, _, err := r.mcnlabJSON(ctx, time.Minute, "reach", "--lab", lab, "--json")
		files[fileReach] = out
		var seen []Pair
		if jerr := json.Unmarshal(out, &seen); jerr != nil {
			// reach itself failed (no matrix): tried again until the
			// deadline, then reported as an error, not a disagreement.
			if time.Now().Before(deadline) && ctx.Err() == nil {
				r.logf("case %d: reach round %d failed, trying again: %v", c.Index, round, err)
				continue
			}
			res.Err = errors.Join(err, fmt.Errorf("read reach --json: %w", jerr))
			return
		}
		res.Pairs, res.Depends, res.Disagree, err = compare(want, seen)
		if err != nil {
			res.Err = err
			return
		}
		if len(res.Disagree) == 0 {
			r.logf("case %d: %d pairs agree (%d depend on cloud-chosen addresses), reach round %d", c.Index, res.Pairs, res.Depends, round)
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.logf("case %d: %d of %d pairs disagree after %s", c.Index, len(res.Disagree), res.Pairs, settle)
			return
		}
	}
}

func compare(want, seen []Pair) (pairs, depends int, dis []Disagreement, err error) {
	got := map[[2]string]Pair{}
	for _, p := range seen {
		got[[2]string{p.From, p.To}] = p
	}
	if len(seen) != len(want) {
		return 0, 0, nil, fmt.Errorf("simulate has %d pairs, reach %d", len(want), len(seen))
	}
	for _, w := range want {
		g, ok := got[[2]string{w.From, w.To}]
		if !ok || g.Seen == nil {
			return 0, 0, nil, fmt.Errorf("reach has no pair %s -> %s", w.From, w.To)
		}
		pairs++
		if w.Depends {
			depends++
			continue
		}
		if *g.Seen != w.Reach {
			dis = append(dis, Disagreement{From: w.From, To: w.To, Simulated: w.Reach, Seen: *g.Seen, Reason: w.Reason})
		}
	}
	return pairs, depends, dis, nil
}

// keep writes a failing case's files.
func (r *Runner) keep(dir, lab string, files map[string][]byte) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(files)) {
		errs = append(errs, os.WriteFile(filepath.Join(dir, name), files[name], 0o644))
	}
	return errors.Join(errs...)
}

// copyLogs adds the tails of the lab's daemon logs.
func (r *Runner) copyLogs(lab string, files map[string][]byte) {
	root := r.StateRoot
	if root == "" {
		root = "/run/mcnlab"
	}
	for _, f := range []string{"controller.log", "cloud.log"} {
		if b, err := os.ReadFile(filepath.Join(root, lab, f)); err == nil {
			files[f] = []byte(lastLines(b, 300))
		}
	}
}

// namespaces lists the lab's namespaces still mounted.
func namespaces(lab string) []string {
	ents, _ := os.ReadDir("/run/netns")
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "mcn-"+lab+"-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
