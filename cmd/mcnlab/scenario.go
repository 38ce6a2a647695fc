package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/scenarios/scenario"
)

func newScenario() *cobra.Command {
	c := &cobra.Command{
		Use:   "scenario",
		Short: "Run scenario files: deploy a topology, break it on purpose, assert what must hold (JUnit XML for CI)",
	}
	c.AddCommand(newScenarioRun(), newScenarioValidate(), &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of scenario files (for editors: # yaml-language-server: $schema=...)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(scenario.Schema())
			return err
		},
	})
	return c
}

func newScenarioValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scenario files (and the topologies they name) and print every error with file:line:column",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			_, err := loadScenarios(files)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d scenario file(s) valid\n", len(files))
			return nil
		},
	}
}

func newScenarioRun() *cobra.Command {
	var junit string
	var parallel int
	var keep bool
	var within time.Duration
	c := &cobra.Command{
		Use:   "run FILE... [--junit OUT.xml] [--parallel N] [--keep-on-failure]",
		Short: "Run scenarios, each in a lab of its own that is destroyed afterwards; exit 1 if an assertion fails",
		Long: `run deploys each scenario's topology in a lab of its own (named sc-…),
runs its steps in order and destroys the lab, also on Ctrl-C or failure
(--keep-on-failure leaves a failed scenario's lab for inspect, exec and
reach). Every assertion is a test case: what it expected, what it saw and
how long it took. An action that fails (a deploy, a kill) ends its
scenario and skips the assertions after it. --junit writes the results
as JUnit XML; the exit status is 1 when any case failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if parallel < 1 {
				return fmt.Errorf("--parallel %d: want at least 1", parallel)
			}
			if err := needRoot("scenario run"); err != nil {
				return err
			}
			fs, err := loadScenarios(files)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			rn := &scenario.Runner{Out: &lockedWriter{w: out}, KeepOnFailure: keep, Within: within}
			started := time.Now()
			results := runScenarios(cmd, rn, fs, parallel)
			failed := summarize(out, results)
			if junit != "" {
				if err := writeJUnitFile(junit, results, started); err != nil {
					return err
				}
			}
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().StringVar(&junit, "junit", "", "write the results as JUnit XML to this file")
	c.Flags().IntVar(&parallel, "parallel", 1, "how many scenarios run at once")
	c.Flags().BoolVar(&keep, "keep-on-failure", false, "leave a failed scenario's lab in place")
	c.Flags().DurationVar(&within, "within", scenario.DefaultWithin, "how long an assertion without within: keeps trying")
	return c
}

// loadScenarios reads and checks every file, reporting all their errors.
func loadScenarios(files []string) ([]*scenario.File, error) {
	var fs []*scenario.File
	var errs []error
	for _, f := range files {
		s, err := scenario.Load(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs = append(fs, s)
	}
	return fs, errors.Join(errs...)
}

// runScenarios runs the scenarios, parallel at a time, in file order.
func runScenarios(cmd *cobra.Command, rn *scenario.Runner, fs []*scenario.File, parallel int) []*scenario.Result {
	results := make([]*scenario.Result, len(fs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = rn.Run(cmd.Context(), f)
		}()
	}
	wg.Wait()
	return results
}

// summarize prints each scenario's verdict and every failed case with
// what was seen, and returns how many cases failed.
func summarize(w io.Writer, results []*scenario.Result) int {
	failed := 0
	fmt.Fprintln(w)
	for _, r := range results {
		n, skipped := r.Failed(), 0
		for _, c := range r.Cases {
			if c.Skipped != "" {
				skipped++
			}
		}
		failed += n
		verdict := "PASS"
		if n > 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "%s %s (%s): %d cases, %d failed, %d skipped, %s\n", verdict, r.File.Name, r.File.Path, len(r.Cases), n, skipped, r.Elapsed.Round(time.Second))
		for _, c := range r.Cases {
			if c.Failure == "" {
				continue
			}
			fmt.Fprintf(w, "  %s:%d: %s: %s\n", r.File.Path, c.Line, c.Name, c.Failure)
			if c.Detail != "" {
				fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(c.Detail, "\n", "\n    "))
			}
		}
	}
	return failed
}

func writeJUnitFile(path string, results []*scenario.Result, started time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	if err := scenario.WriteJUnit(f, results, started); err != nil {
		f.Close()
		return fmt.Errorf("--junit %s: %w", path, err)
	}
	return f.Close()
}

// lockedWriter serializes the progress lines of scenarios run at once.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
