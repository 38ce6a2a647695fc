package cloud

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ParallelOps bounds how many of a phase's ops RunOps makes at once. A
// real cloud takes independent calls in parallel, and the lab's emulated
// cloud puts the calls that arrive together in force in one pass over the
// whole cloud, where one call after the other makes a deploy of n objects
// wait for n passes.
const ParallelOps = 16

// RunOps makes ops and returns the calls made, in the order of ops. Ops
// run phase after phase (consecutive ops of equal Op.Phase form one, as
// Phased.Ops lists them); within a phase the ops of one chain (Op.Chain:
// by default those on one object) run one after another in order, and
// different chains run concurrently, at most ParallelOps at a time.
//
// The ops of one plan share the state they record into (the provider's
// world), so RunOps lets one op run at a time and an op lets the others
// run only while it waits: while its cloud API call is on the wire and
// while it polls (Unlocked). On an error RunOps starts no more ops, waits
// for those running, and returns the calls that succeeded; the error names
// the op, and joins the errors of every op that failed.
func RunOps(ctx context.Context, ops []Op) ([]Call, error) {
	r := &opRun{ops: ops, done: make([]bool, len(ops)), errs: make([]error, len(ops))}
	for start := 0; start < len(ops) && !r.failed(); {
		end := start + 1
		for end < len(ops) && ops[end].Phase == ops[start].Phase {
			end++
		}
		r.phase(ctx, start, end)
		start = end
	}
	var made []Call
	for i, o := range ops {
		if r.done[i] {
			made = append(made, o.Call)
		}
	}
	return made, errors.Join(r.errs...)
}

// opRun is one RunOps: the world lock its ops take turns on, and what
// each op came to.
type opRun struct {
	ops   []Op
	world sync.Mutex // held by the op that runs, released while it waits
	mu    sync.Mutex // guards the fields below
	done  []bool
	errs  []error
	bad   bool
}

func (r *opRun) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
}

// phase runs ops[start:end], each chain in a goroutine of its own.
func (r *opRun) phase(ctx context.Context, start, end int) {
	var order []string
	chains := map[string][]int{}
	for i := start; i < end; i++ {
		k := r.ops[i].chain()
		if _, ok := chains[k]; !ok {
			order = append(order, k)
		}
		chains[k] = append(chains[k], i)
	}
	sem := make(chan struct{}, ParallelOps)
	var wg sync.WaitGroup
	for _, k := range order {
		sem <- struct{}{}
		if r.failed() {
			<-sem
			break
		}
		wg.Add(1)
		go func(chain []int) {
			defer wg.Done()
			defer func() { <-sem }()
			r.chain(ctx, chain)
		}(chains[k])
	}
	wg.Wait()
}

// chain runs the ops of one chain in order, holding the world lock
// except while an op waits.
func (r *opRun) chain(ctx context.Context, chain []int) {
	l := &opLock{mu: &r.world}
	l.mu.Lock()
	l.held = true
	defer func() {
		if l.held {
			l.mu.Unlock()
		}
	}()
	ctx = context.WithValue(ctx, opLockKey{}, l)
	for _, i := range chain {
		if r.failed() {
			return
		}
		err := r.ops[i].Run(ctx)
		r.mu.Lock()
		if err != nil {
			r.errs[i], r.bad = fmt.Errorf("%s: %w", r.ops[i].What, err), true
		} else {
			r.done[i] = true
		}
		r.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// opLock is the world lock as one op's goroutine holds it.
type opLock struct {
	mu   *sync.Mutex
	held bool // owned by the op's goroutine
}

type opLockKey struct{}

// Unlocked runs wait with the world lock of the RunOps op that ctx belongs
// to released, so that the op's siblings run meanwhile, and takes it again
// afterwards; outside RunOps, or nested, it just runs wait. wait must not
// touch the state the ops record into: a provider calls it around a cloud
// API call on the wire (its SDK clients' middleware) and around a poll's
// sleep.
func Unlocked(ctx context.Context, wait func()) {
	l, _ := ctx.Value(opLockKey{}).(*opLock)
	if l == nil || !l.held {
		wait()
		return
	}
	l.held = false
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.held = true
	}()
	wait()
}
