package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/scenarios/scenario"
)

// CheckWithin is how long a check without within: keeps trying before it
// says an objective is not met.
const CheckWithin = 3 * time.Second

// Trainer runs training labs.
type Trainer struct {
	// Options are what labs are deployed with (Options.Self: the mcnlab
	// binary).
	Options lab.Options
	// Out receives progress lines; nil: discarded.
	Out io.Writer
}

// record is what a running training lab keeps beside its lab's state.
type record struct {
	Lab     string    `json:"lab"`
	Started time.Time `json:"started"`
	// Hints is how many hints were shown.
	Hints int `json:"hints"`
}

func recordFile(l *Lab) string { return filepath.Join(state.Dir(LabName(l.Name)), "training.json") }

func readRecord(l *Lab) (record, error) {
	var r record
	b, err := os.ReadFile(recordFile(l))
	if errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("lab %s is not started (`mcnlab lab start %s` starts it)", l.Name, l.Name)
	}
	if err != nil {
		return r, err
	}
	return r, json.Unmarshal(b, &r)
}

func writeRecord(l *Lab, r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(recordFile(l), b, 0o644)
}

func (t *Trainer) out() io.Writer {
	if t.Out == nil {
		return io.Discard
	}
	return t.Out
}

func (t *Trainer) attach(ctx context.Context, l *Lab) *scenario.Attached {
	rn := &scenario.Runner{Options: t.Options, Out: t.out(), Within: CheckWithin}
	return rn.Attach(ctx, l.Scenario, LabName(l.Name))
}

// Running says whether the lab is started.
func Running(l *Lab) bool {
	_, err := os.Stat(recordFile(l))
	return err == nil
}

// Start deploys the lab and runs its setup; a lab that fails to start is
// removed. It refuses a lab already started.
func (t *Trainer) Start(ctx context.Context, l *Lab) error {
	if Running(l) {
		return fmt.Errorf("lab %s is already started (`mcnlab lab reset %s` starts it afresh)", l.Name, l.Name)
	}
	a := t.attach(ctx, l)
	for _, s := range l.Scenario.Steps {
		if err := a.Do(s); err != nil {
			return errors.Join(fmt.Errorf("start lab %s: %w", l.Name, err), t.Stop(l))
		}
	}
	return writeRecord(l, record{Lab: LabName(l.Name), Started: time.Now().UTC()})
}

// Stop removes the lab; a lab not started is no error.
func (t *Trainer) Stop(l *Lab) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := emulator.Destroy(ctx, LabName(l.Name), emulator.NewPrinter(io.Discard))
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	return err
}

// Reset removes the lab and starts it afresh.
func (t *Trainer) Reset(ctx context.Context, l *Lab) error {
	if err := t.Stop(l); err != nil {
		return err
	}
	return t.Start(ctx, l)
}

// Solve applies the reference solution.
func (t *Trainer) Solve(ctx context.Context, l *Lab) error {
	if _, err := readRecord(l); err != nil {
		return err
	}
	a := t.attach(ctx, l)
	for _, s := range l.Solution {
		if err := a.Do(s); err != nil {
			return fmt.Errorf("solve lab %s: %w", l.Name, err)
		}
	}
	return nil
}

// Hint returns the next hint (all of them with all), counting what was
// shown; after the last it repeats it.
func (t *Trainer) Hint(l *Lab, all bool) ([]string, error) {
	r, err := readRecord(l)
	if err != nil {
		return nil, err
	}
	if len(l.Hints) == 0 {
		return []string{"this lab has no hints"}, nil
	}
	r.Hints = min(r.Hints+1, len(l.Hints))
	if all {
		r.Hints = len(l.Hints)
	}
	if err := writeRecord(l, r); err != nil {
		return nil, err
	}
	if all {
		return l.Hints, nil
	}
	return l.Hints[r.Hints-1 : r.Hints], nil
}

// Grade is a check's result.
type Grade struct {
	Lab        string        `json:"lab"`
	Score      int           `json:"score"`
	Total      int           `json:"total"`
	Passed     bool          `json:"passed"`
	HintsUsed  int           `json:"hints_used"`
	Objectives []Graded      `json:"objectives"`
	Elapsed    time.Duration `json:"-"`
}

// Graded is one objective's result: Wrong says what is still wrong, Seen
// what the check saw.
type Graded struct {
	Name   string `json:"name"`
	Points int    `json:"points"`
	Passed bool   `json:"passed"`
	Wrong  string `json:"wrong,omitempty"`
	Seen   string `json:"seen,omitempty"`
}

// Check grades every objective against the running lab.
func (t *Trainer) Check(ctx context.Context, l *Lab) (*Grade, error) {
	r, err := readRecord(l)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	g := &Grade{Lab: l.Name, Total: l.Total(), HintsUsed: r.Hints}
	a := t.attach(ctx, l)
	for _, o := range l.Objectives {
		var c scenario.Case
		if o.Check.Exec != nil {
			c.Failure = t.execCheck(ctx, a, o.Check)
		} else {
			c = a.Check(o.Check)
		}
		gr := Graded{Name: o.Name, Points: o.Points, Passed: c.Failure == "", Wrong: c.Failure, Seen: c.Detail}
		if gr.Passed {
			g.Score += o.Points
		}
		g.Objectives = append(g.Objectives, gr)
	}
	g.Passed = g.Score == g.Total
	g.Elapsed = time.Since(start)
	return g, nil
}

// execCheck runs an exec check until it passes or CheckWithin has
// passed, as assertions retry, and returns what was wrong the last time.
func (t *Trainer) execCheck(ctx context.Context, a *scenario.Attached, s scenario.Step) string {
	deadline := time.Now().Add(CheckWithin)
	for {
		err := a.Do(s)
		if err == nil {
			return ""
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err.Error()
		}
		select {
		case <-ctx.Done():
			return err.Error()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
