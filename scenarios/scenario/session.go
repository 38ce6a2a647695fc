package scenario

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Attached runs steps against one lab outside a scenario run: a training
// lab's setup, checks and solution, each from its own command.
type Attached struct{ r *run }

// Attach returns a handle on the lab named name, which f's topology
// builds (with a deploy step) or built.
func (rn *Runner) Attach(ctx context.Context, f *File, name string) *Attached {
	out := rn.Out
	if out == nil {
		out = io.Discard
	}
	return &Attached{r: &run{Runner: rn, ctx: ctx, f: f, lab: name, res: &Result{File: f, Lab: name}, out: out}}
}

// Do runs an action step, a deploy included.
func (s *Attached) Do(st Step) error {
	if st.IsAssertion() {
		return fmt.Errorf("line %d: %s is an assertion, not an action", st.Line, st.Kind)
	}
	return s.r.step(st)
}

// Check runs an assertion step until it holds or its deadline passes.
func (s *Attached) Check(st Step) Case {
	start := time.Now()
	c := Case{Name: describeStep(st), Line: st.Line}
	if !st.IsAssertion() {
		c.Failure = fmt.Sprintf("line %d: %s is an action, not an assertion", st.Line, st.Kind)
		return c
	}
	c.Failure, c.Detail = s.r.assert(st)
	c.Elapsed = time.Since(start)
	return c
}
