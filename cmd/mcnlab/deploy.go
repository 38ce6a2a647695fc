package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
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
			if err := mcnlab.Deploy(cmd.Context(), mcnlab.Deployment{Topology: t, File: file, Source: src, Lab: lab, Retain: retain}, labOptions(cmd)); err != nil {
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
