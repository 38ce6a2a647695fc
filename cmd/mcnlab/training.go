package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/scenarios/training"
)

func newTraining() *cobra.Command {
	c := &cobra.Command{
		Use:   "lab",
		Short: "Hands-on training labs, one or more per chapter of the study notes, graded automatically",
		Long: `Training labs start a network in a broken or unfinished state; you fix it
with the real clouds' CLIs pointed at the lab (mcnlab cloudmock env) and
mcnlab's own tools (flightpath, routes, exec, the console), and check
grades your work:

  mcnlab lab list                  the labs, by chapter
  sudo mcnlab lab start NAME       build the lab (it runs as lab t-NAME) and print its task
  mcnlab lab task NAME             print the task again
  sudo mcnlab lab hint NAME        the next hint (--all: every hint)
  sudo mcnlab lab check NAME       grade each objective (--json); exit 1 until all pass
  sudo mcnlab lab status NAME      started or not, and the grade
  sudo mcnlab lab solve NAME       apply the reference solution
  sudo mcnlab lab reset NAME       start again from the beginning
  sudo mcnlab lab stop NAME        remove the lab`,
	}
	c.AddCommand(newTrainingList(), newTrainingTask(), newTrainingStart(), newTrainingHint(), newTrainingCheck(),
		newTrainingStatus(), newTrainingSolve(), newTrainingReset(), newTrainingStop())
	return c
}

func newTrainingList() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the training labs by chapter",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := training.List()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type entry struct {
					Name    string `json:"name"`
					Chapter string `json:"chapter"`
					Title   string `json:"title"`
					Points  int    `json:"points"`
					Started bool   `json:"started"`
				}
				var es []entry
				for _, l := range all {
					es = append(es, entry{l.Name, l.Chapter, l.Title, l.Total(), training.Running(l)})
				}
				return json.NewEncoder(out).Encode(es)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CHAPTER\tLAB\tPOINTS\tSTARTED\tTITLE")
			for _, l := range all {
				started := ""
				if training.Running(l) {
					started = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Chapter, l.Name, l.Total(), started, l.Title)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// labCommand is a `mcnlab lab VERB NAME` command.
func labCommand(use, short string, root bool, run func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error) *cobra.Command {
	return &cobra.Command{
		Use:   use + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := training.Load(args[0])
			if err != nil {
				return err
			}
			if root {
				if err := needRoot("lab " + use); err != nil {
					return err
				}
			}
			return run(cmd, &training.Trainer{Out: cmd.OutOrStdout()}, l)
		},
	}
}

func printTask(w io.Writer, l *training.Lab) {
	fmt.Fprintf(w, "%s (%s, %d points)\n\n%s\n", l.Title, l.Chapter, l.Total(), strings.TrimSpace(l.Task))
	fmt.Fprintln(w, "\nObjectives:")
	for _, o := range l.Objectives {
		fmt.Fprintf(w, "  [%2d] %s\n", o.Points, o.Name)
	}
}

func newTrainingTask() *cobra.Command {
	return labCommand("task", "Print a lab's task and objectives", false, func(cmd *cobra.Command, _ *training.Trainer, l *training.Lab) error {
		printTask(cmd.OutOrStdout(), l)
		return nil
	})
}

func newTrainingStart() *cobra.Command {
	return labCommand("start", "Build a lab in its starting state and print its task", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "starting lab %s as %s (this takes a minute)\n", l.Name, training.LabName(l.Name))
		if err := t.Start(cmd.Context(), l); err != nil {
			return err
		}
		fmt.Fprintln(out)
		printTask(out, l)
		fmt.Fprintf(out, "\n`sudo mcnlab lab hint %s` gives a hint; `sudo mcnlab lab check %s` grades your work.\n", l.Name, l.Name)
		return nil
	})
}

func newTrainingHint() *cobra.Command {
	var all bool
	c := labCommand("hint", "Show the next hint (--all: every hint)", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		hints, err := t.Hint(l, all)
		if err != nil {
			return err
		}
		for _, h := range hints {
			fmt.Fprintln(cmd.OutOrStdout(), "hint:", h)
		}
		return nil
	})
	c.Flags().BoolVar(&all, "all", false, "show every hint")
	return c
}

func newTrainingCheck() *cobra.Command {
	var asJSON bool
	c := labCommand("check", "Grade each objective of a started lab; exit 1 until every one passes", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		t.Out = nil
		g, err := t.Check(cmd.Context(), l)
		if err != nil {
			return err
		}
		printGrade(cmd.OutOrStdout(), g, asJSON)
		if !g.Passed {
			return exitError{1}
		}
		return nil
	})
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func printGrade(w io.Writer, g *training.Grade, asJSON bool) {
	if asJSON {
		json.NewEncoder(w).Encode(g) //nolint:errcheck // stdout
		return
	}
	for _, o := range g.Objectives {
		mark := "PASS"
		if !o.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s [%2d] %s\n", mark, o.Points, o.Name)
		if !o.Passed {
			fmt.Fprintf(w, "       still wrong: %s\n", o.Wrong)
			if o.Seen != "" {
				fmt.Fprintf(w, "       seen: %s\n", strings.ReplaceAll(o.Seen, "\n", "\n             "))
			}
		}
	}
	verdict := "not yet"
	if g.Passed {
		verdict = "lab passed"
	}
	fmt.Fprintf(w, "score %d/%d: %s (%d hints used)\n", g.Score, g.Total, verdict, g.HintsUsed)
}

func newTrainingStatus() *cobra.Command {
	return labCommand("status", "Say whether a lab is started, and its grade", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		out := cmd.OutOrStdout()
		if !training.Running(l) {
			fmt.Fprintf(out, "lab %s is not started (`sudo mcnlab lab start %s`)\n", l.Name, l.Name)
			return nil
		}
		fmt.Fprintf(out, "lab %s is started as %s\n", l.Name, training.LabName(l.Name))
		t.Out = nil
		g, err := t.Check(cmd.Context(), l)
		if err != nil {
			return err
		}
		printGrade(out, g, false)
		return nil
	})
}

func newTrainingSolve() *cobra.Command {
	return labCommand("solve", "Apply a started lab's reference solution", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		if err := t.Solve(cmd.Context(), l); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "solution applied; `sudo mcnlab lab check %s` grades it\n", l.Name)
		return nil
	})
}

func newTrainingReset() *cobra.Command {
	return labCommand("reset", "Remove a lab and start it again from the beginning", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		if err := t.Reset(cmd.Context(), l); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "lab %s started afresh\n", l.Name)
		return nil
	})
}

func newTrainingStop() *cobra.Command {
	return labCommand("stop", "Remove a lab", true, func(cmd *cobra.Command, t *training.Trainer, l *training.Lab) error {
		if err := t.Stop(l); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "lab %s removed\n", l.Name)
		return nil
	})
}
