// Command mcnlab builds multi-cloud network labs from a YAML topology and runs
// them for real in Linux network namespaces.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

// exitError carries an exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	if r := os.Getenv(mcnlab.StateRootEnv); r != "" {
		state.Root = r
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot()
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mcnlab:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "mcnlab",
		Short: "Multi-cloud network lab: real namespaces, tunnels and BGP from one YAML topology",
		Long: `mcnlab builds a network lab from one YAML topology and runs it for real on
this Linux machine: every node is a network namespace, every link a veth pair,
with addresses, routes and start-up commands. Labs are recorded under
/run/mcnlab/<lab>/, so destroy needs only the lab's name.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every command that names a lab goes through one check before it
		// runs: a name given with --lab, even an empty one, must be a lab
		// name (state.CheckName), so no command reaches a path outside the
		// lab's own state directory.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return checkLabFlag(cmd) },
	}
	root.AddCommand(
		newDeploy(), newDestroy(), newInspect(), newExec(), newReach(), newCapture(), newTraceroute(),
		newValidate(), newSchema(), newBench(), newCloudmock(),
	)
	root.AddCommand(newGateway())
	root.AddCommand(newFirewall())
	root.AddCommand(newEgressGateway())
	root.AddCommand(newVPNGateway())
	root.AddCommand(newEgress())
	root.AddCommand(newVPN())
	root.AddCommand(newFlows())
	root.AddCommand(newRoutes(), newTokens(), newUI())
	root.AddCommand(newController(), newSupervise())
	root.AddCommand(newPlanApply()...)
	root.AddCommand(newSimulate())
	root.AddCommand(newVPCTracker(), newGraph())
	root.AddCommand(newFlightPath())
	root.AddCommand(newS2C())
	root.AddCommand(newScenario(), newTraining())
	return root
}

// checkLabFlag refuses a --lab value that is not a lab name. An empty
// --lab is an error too: leaving the flag out is how a command is told to
// pick the default lab.
func checkLabFlag(cmd *cobra.Command) error {
	f := cmd.Flags().Lookup(labFlag)
	if f == nil || !f.Changed {
		return nil
	}
	if err := state.CheckName(f.Value.String()); err != nil {
		return fmt.Errorf("--%s: %w", labFlag, err)
	}
	return nil
}

// needRoot fails early, with a clear message, for commands that change the
// kernel.
func needRoot(what string) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s needs root (it creates network namespaces); run it with sudo", what)
	}
	return nil
}
