package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator/state"
	mcnlab "github.com/mcnlab/mcnlab/lab"
)

func newController() *cobra.Command {
	c := &cobra.Command{Use: "controller", Short: "The lab's controller: run, start, stop or restart it"}
	var lab string
	run := &cobra.Command{
		Use:    "run --lab NAME",
		Short:  "Run the lab's controller in the foreground (what `deploy` starts)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := state.Load(lab); err != nil {
				return err
			}
			return mcnlab.RunController(cmd.Context(), lab)
		},
	}
	start := &cobra.Command{
		Use:   "start --lab NAME",
		Short: "Start the lab's controller if it is not running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("controller start"); err != nil {
				return err
			}
			// The supervisor waits while we change the controller.
			lock, err := state.LockDaemons(lab)
			if err != nil {
				return err
			}
			defer lock.Unlock()
			if p, ok := mcnlab.DaemonOf(lab, mcnlab.ControllerDaemon); ok && p.Alive() {
				return fmt.Errorf("the controller of lab %s runs already (pid %d)", lab, p.PID)
			}
			if err := mcnlab.StartController(cmd.Context(), lab, labOptions(cmd)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "controller of lab %s started\n", lab)
			return nil
		},
	}
	stop := &cobra.Command{
		Use:   "stop --lab NAME",
		Short: "Stop the lab's controller (the dataplane keeps running)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("controller stop"); err != nil {
				return err
			}
			// The supervisor waits while we change the controller.
			lock, err := state.LockDaemons(lab)
			if err != nil {
				return err
			}
			defer lock.Unlock()
			return mcnlab.StopController(lab)
		},
	}
	restart := &cobra.Command{
		Use:   "restart --lab NAME",
		Short: "Restart the lab's controller; the dataplane is left as it is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needRoot("controller restart"); err != nil {
				return err
			}
			// The supervisor waits while we change the controller.
			lock, err := state.LockDaemons(lab)
			if err != nil {
				return err
			}
			defer lock.Unlock()
			if err := mcnlab.StopController(lab); err != nil {
				return err
			}
			if err := mcnlab.StartController(cmd.Context(), lab, labOptions(cmd)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "controller of lab %s restarted\n", lab)
			return nil
		},
	}
	for _, s := range []*cobra.Command{run, start, stop, restart} {
		s.Flags().StringVar(&lab, labFlag, "", "lab name")
		_ = s.MarkFlagRequired(labFlag)
		c.AddCommand(s)
	}
	return c
}

func newPlanApply() []*cobra.Command {
	var out []*cobra.Command
	for _, apply := range []bool{false, true} {
		var file, lab, endpoint string
		use, short := "plan", "Print the cloud API calls that apply would make, making none"
		if apply {
			use, short = "apply", "Make the cloud API calls that bring the accounts to the topology's intent"
		}
		cmd := &cobra.Command{
			Use:   use + " -t FILE [--lab NAME | --endpoint URL]",
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				t, _, err := loadTopology(file)
				if err != nil {
					return err
				}
				if t.Cloud == nil {
					return fmt.Errorf("%s: no cloud intent (accounts, vpcs, ...) to %s", file, use)
				}
				cp, err := intent.Compile(t)
				if err != nil {
					return fmt.Errorf("%s:%w", file, err)
				}
				providers, err := mcnlab.Providers(cmd.Context(), cp, lab, endpoint)
				if err != nil {
					return err
				}
				defer mcnlab.CloseProviders(providers)
				w := cmd.OutOrStdout()
				total := 0
				for _, a := range cp.Accounts {
					p := providers[a.Account.Name]
					var calls []cloud.Call
					if apply {
						_, calls, err = p.Apply(cmd.Context(), a.Desired)
					} else {
						calls, err = p.Plan(cmd.Context(), a.Desired)
					}
					for _, c := range calls {
						fmt.Fprintf(w, "%s: %s\n", a.Account.Name, c)
					}
					total += len(calls)
					if err != nil {
						return fmt.Errorf("account %s: %w", a.Account.Name, err)
					}
				}
				switch {
				case total == 0:
					fmt.Fprintln(w, "no changes: the accounts match the intent")
				case apply:
					fmt.Fprintf(w, "%d calls made\n", total)
				default:
					fmt.Fprintf(w, "%d calls to make\n", total)
				}
				return nil
			},
		}
		cmd.Flags().StringVarP(&file, "topology", "t", "", "topology file (YAML)")
		cmd.Flags().StringVar(&lab, labFlag, "", "use the emulated cloud of this running lab for accounts with credentials lab")
		cmd.Flags().StringVar(&endpoint, "endpoint", "", "cloud API endpoint `URL` for accounts with credentials lab (such as that of mcnlab cloudmock serve)")
		_ = cmd.MarkFlagRequired("topology")
		out = append(out, cmd)
	}
	return out
}
