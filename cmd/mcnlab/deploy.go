package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// labFlag is the one flag that names a lab, on every command.
const labFlag = "lab"

func completeLabs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	labs, _ := listLabs()
	return labs, cobra.ShellCompDirectiveNoFileComp
}

func newDeploy() *cobra.Command {
	var file, lab string
	var foreground, retain bool
	cmd := &cobra.Command{
		Use:   "deploy -t FILE [--lab NAME] [--retain]",
		Short: "Build a lab from a topology and wait until it is ready",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			surviveClosedOutput()
			t, src, err := loadTopology(file)
			if err != nil {
				return err
			}
			if lab == "" {
				lab = t.Name
			}
			if err := needRoot("deploy"); err != nil {
				return err
			}
			if err := deploy(cmd.Context(), cmd, t, lab, file, src, retain); err != nil {
				return err
			}
			if foreground {
				return holdUntilDone(cmd, lab)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "topology", "t", "", "topology file (YAML)")
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name (default: the topology's name)")
	cmd.Flags().BoolVar(&retain, "retain", false, "if the lab does not come up (or converge), keep it as it is, in phase failed, for inspect, exec and reach; destroy removes it")
	cmd.Flags().BoolVar(&foreground, "foreground", false, "stay attached; Ctrl-C, or mcnlab destroy --lab NAME run elsewhere, destroys the lab")
	_ = cmd.MarkFlagRequired("topology")
	_ = cmd.MarkFlagFilename("topology", "yaml", "yml")
	return cmd
}

// surviveClosedOutput keeps a deploy going when the reader of its output
// goes away (mcnlab deploy | head). Go's runtime kills a program whose
// write to a closed pipe on stdout or stderr raises SIGPIPE, which left the
// lab half-built in phase deploying; once SIGPIPE is notified, such a write
// fails with EPIPE instead, which the progress printing ignores, and the
// deploy finishes (or rolls back) as usual. Unlike signal.Ignore, a notified
// signal is not inherited as ignored by the processes deploy starts.
func surviveClosedOutput() {
	sigpipeOnce.Do(func() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) })
}

var sigpipeOnce sync.Once

// loadTopology reads (a regular file of at most topologies.MaxFileSize
// bytes, without blocking on a FIFO or device) and parses a topology file.
func loadTopology(file string) (*topologies.Topology, []byte, error) {
	src, err := topologies.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	t, err := topologies.Parse(file, src)
	if err != nil {
		return nil, nil, err
	}
	return t, src, nil
}

func deploy(ctx context.Context, cmd *cobra.Command, t *topologies.Topology, lab, file string, src []byte, retain bool) error {
	if err := topologies.CheckLabName("--lab", lab); err != nil {
		return err
	}
	if t.Cloud != nil {
		return deployCloud(ctx, cmd, t, lab, file, src, retain)
	}
	plan, err := emulator.NewPlan(lab, t)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(file)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "deploying lab %s from %s: %d nodes, %d links\n", lab, file, len(plan.Nodes), len(plan.Links))
	start := time.Now()
	pr := emulator.NewPrinter(os.Stdout)
	if err := emulator.Deploy(ctx, plan, emulator.Options{TopologyFile: abs, Source: src, Progress: pr}); err != nil {
		return err
	}
	if err := gwconf.Apply(ctx, lab, t, pr); err != nil {
		return deployFailed(lab, pr, retain, err)
	}
	fmt.Fprintf(out, "lab %s ready in %s; `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it\n", lab, time.Since(start).Round(time.Millisecond), lab, lab)
	return nil
}

// deployFailed ends a deploy that failed once the lab's fabric was made:
// the lab is destroyed, or, with retain, kept as it is, in phase failed
// with the error recorded, for inspect, exec and reach to look at (a lab
// that does not converge is best understood while it runs).
func deployFailed(lab string, pr emulator.Progress, retain bool, err error) error {
	if retain {
		rec, lerr := state.Load(lab)
		if lerr == nil {
			rec.Phase, rec.Error = state.PhaseFailed, err.Error()
			lerr = state.Save(rec)
		}
		if lerr == nil {
			return fmt.Errorf("%w (lab %s kept as it is: `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it)", err, lab, lab, lab)
		}
		err = fmt.Errorf("%w (and keeping the lab failed: %v)", err, lerr)
	}
	if derr := emulator.Destroy(context.Background(), lab, pr); derr != nil {
		return fmt.Errorf("%w (and destroying the lab failed: %v)", err, derr)
	}
	return fmt.Errorf("%w (lab %s destroyed)", err, lab)
}

// holdUntilDone keeps the lab's lock until Ctrl-C or SIGTERM (which
// `mcnlab destroy` sends to the lab's owner), then destroys the lab.
func holdUntilDone(cmd *cobra.Command, lab string) error {
	lock, err := state.TryLock(lab)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "lab %s runs in the foreground; Ctrl-C destroys it\n", lab)
	<-cmd.Context().Done()
	lock.Unlock()
	if err := emulator.Destroy(context.Background(), lab, emulator.NewPrinter(os.Stdout)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "lab %s destroyed\n", lab)
	return nil
}
