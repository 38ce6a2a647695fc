package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// DefaultWithin is how long an assertion without within: keeps trying.
const DefaultWithin = 30 * time.Second

// destroyTimeout bounds the removal of a scenario's lab.
const destroyTimeout = 2 * time.Minute

// Runner runs scenarios, each in a lab of its own.
type Runner struct {
	// Options are what the labs are deployed with; Options.Self is also
	// the mcnlab binary that cli and exec steps run.
	Options lab.Options
	// Out receives a line per step; nil: discarded.
	Out io.Writer
	// KeepOnFailure leaves a failed scenario's lab in place to look at.
	KeepOnFailure bool
	// Within is the deadline of assertions without one; zero:
	// DefaultWithin.
	Within time.Duration
}

// Result is one scenario's run: a case per assertion, and one for the
// action that failed, if one did.
type Result struct {
	File    *File
	Lab     string
	Cases   []Case
	Elapsed time.Duration
	// Kept says the lab was left in place (KeepOnFailure).
	Kept bool
}

// Failed counts the cases that failed.
func (r *Result) Failed() int {
	n := 0
	for _, c := range r.Cases {
		if c.Failure != "" {
			n++
		}
	}
	return n
}

// Case is one assertion's outcome, or a failed action's.
type Case struct {
	// Name says what was checked ("reach ha -> hb is reach"); Line is the
	// step's line in the scenario file.
	Name    string
	Line    int
	Elapsed time.Duration
	// Failure is what was wrong (empty: passed); Detail what was seen and
	// the state around it.
	Failure string
	Detail  string
	// Skipped says why the case did not run (an earlier action failed).
	Skipped string
}

// run is one scenario's run in progress.
type run struct {
	*Runner
	ctx context.Context
	f   *File
	lab string
	res *Result
	out io.Writer
	// gateways caches lookups by name: a cloud lab's lookup reads every
	// cloud, too slow to repeat on each poll of an assertion.
	gateways map[string]lab.Gateway
	// targetCache holds the lab's probe targets (targets).
	targetCache map[string]lab.Target
	// listeners are the serve steps' sockets, closed before the lab goes.
	listeners []net.Listener
}

// gateway looks a gateway (or firewall instance) up by name, once.
func (r *run) gateway(ctx context.Context, name string) (lab.Gateway, error) {
	if g, ok := r.gateways[name]; ok {
		return g, nil
	}
	g, err := lab.FindGateway(ctx, r.lab, name)
	if err != nil {
		return g, err
	}
	if r.gateways == nil {
		r.gateways = map[string]lab.Gateway{}
	}
	r.gateways[name] = g
	return g, nil
}

// Run deploys the scenario's lab, runs its steps in order and removes the
// lab, also when ctx ends or a step fails (unless KeepOnFailure and a case
// failed). An assertion that fails is recorded and the steps go on; an
// action that fails ends the scenario, its remaining assertions skipped.
func (rn *Runner) Run(ctx context.Context, f *File) *Result {
	name, err := newLabName()
	res := &Result{File: f, Lab: name}
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()
	if err != nil {
		res.Cases = append(res.Cases, Case{Name: "lab name", Failure: err.Error()})
		return res
	}
	r := &run{Runner: rn, ctx: ctx, f: f, lab: name, res: res, out: rn.Out}
	if r.out == nil {
		r.out = io.Discard
	}
	fmt.Fprintf(r.out, "scenario %s (%s) in lab %s\n", f.Name, f.Path, name)
	defer r.cleanup()
	for i, s := range f.Steps {
		if err := r.step(s); err != nil {
			res.Cases = append(res.Cases, Case{Name: s.Kind + " (action)", Line: s.Line, Failure: err.Error(), Detail: r.state(s)})
			for _, rest := range f.Steps[i+1:] {
				if rest.IsAssertion() {
					res.Cases = append(res.Cases, Case{Name: describeStep(rest), Line: rest.Line, Skipped: fmt.Sprintf("line %d: %s failed", s.Line, s.Kind)})
				}
			}
			return res
		}
	}
	return res
}

// cleanup destroys the lab, on a context of its own so that a cancelled
// run (Ctrl-C) still removes it.
func (r *run) cleanup() {
	for _, l := range r.listeners {
		l.Close()
	}
	if r.KeepOnFailure && r.res.Failed() > 0 {
		r.res.Kept = true
		fmt.Fprintf(r.out, "  kept lab %s (`mcnlab destroy --lab %s` removes it)\n", r.lab, r.lab)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), destroyTimeout)
	defer cancel()
	err := emulator.Destroy(ctx, r.lab, emulator.NewPrinter(io.Discard))
	if err != nil && !errors.Is(err, os.ErrNotExist) && !isNotFound(err) {
		r.res.Cases = append(r.res.Cases, Case{Name: "destroy lab", Failure: err.Error()})
	}
}

// step runs one step: an action returns its error; an assertion records
// a case and returns nil.
func (r *run) step(s Step) error {
	start := time.Now()
	if s.IsAssertion() {
		c := Case{Name: describeStep(s), Line: s.Line}
		c.Failure, c.Detail = r.assert(s)
		c.Elapsed = time.Since(start)
		verdict := "ok"
		if c.Detail != "" {
			verdict += ": " + firstLine(c.Detail)
		}
		if c.Failure != "" {
			verdict = "FAIL: " + c.Failure
		}
		fmt.Fprintf(r.out, "  line %d: %s: %s (%s)\n", s.Line, c.Name, verdict, c.Elapsed.Round(time.Millisecond))
		r.res.Cases = append(r.res.Cases, c)
		return nil
	}
	err := r.act(s)
	if err != nil {
		err = fmt.Errorf("line %d: %s: %w", s.Line, s.Kind, err)
	}
	fmt.Fprintf(r.out, "  line %d: %s (%s)\n", s.Line, describeStep(s), time.Since(start).Round(time.Millisecond))
	return err
}

// within is an assertion's deadline.
func (r *run) within(d time.Duration) time.Duration {
	switch {
	case d > 0:
		return d
	case r.Within > 0:
		return r.Within
	}
	return DefaultWithin
}

// newLabName draws a lab name no other run uses: sc- and 8 hex digits.
func newLabName() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("draw a lab name: %w", err)
	}
	name := "sc-" + hex.EncodeToString(b)
	return name, topologies.CheckLabName("lab", name)
}
