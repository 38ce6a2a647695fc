package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/store"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
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
			return runController(cmd.Context(), lab)
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
			if p, ok := daemonOf(lab, controllerDaemon); ok && p.Alive() {
				return fmt.Errorf("the controller of lab %s runs already (pid %d)", lab, p.PID)
			}
			if err := startController(cmd.Context(), lab); err != nil {
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
			return stopController(lab)
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
			if err := stopController(lab); err != nil {
				return err
			}
			if err := startController(cmd.Context(), lab); err != nil {
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

// stopController stops the lab's recorded controller and waits for it to
// exit. It is no longer recorded, so the lab's supervisor leaves it
// stopped. The caller holds the lab's daemons lock.
func stopController(lab string) error {
	p, ok := daemonOf(lab, controllerDaemon)
	if !ok {
		return nil
	}
	if err := forgetDaemon(lab, controllerDaemon); err != nil {
		return err
	}
	if !p.Alive() {
		return nil
	}
	if err := emulator.StopProcess(p, 10*time.Second); err != nil {
		return fmt.Errorf("stop controller of lab %s: %w", lab, err)
	}
	return nil
}

// labProviders builds a provider for every account of a plan: the lab's
// emulated cloud for credentials "lab" (from the lab's record, or
// endpoint when set), the SDK's default chain or a profile otherwise.
func labProviders(ctx context.Context, cp *intent.Plan, lab, endpoint string) (map[string]cloud.Provider, error) {
	out := map[string]cloud.Provider{}
	for _, a := range cp.Accounts {
		creds := a.Account.Credentials
		var lc *controller.LabCloud
		if creds == "" || creds == "lab" {
			c := controller.LabCloud{URL: endpoint, Region: a.Region, AccountID: labAccountID, AccessKeyID: devAccessKey, SecretAccessKey: devSecret}
			if endpoint == "" {
				if lab == "" {
					return nil, fmt.Errorf("account %s uses the lab's emulated cloud: give --lab NAME of a running lab or --endpoint URL", a.Account.Name)
				}
				var err error
				if c, err = controller.ReadLabCloud(lab); err != nil {
					return nil, err
				}
			}
			lc = &c
		}
		p, err := controller.NewProvider(ctx, a, cp.Topology.Name, lc)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Account.Name, err)
		}
		out[a.Account.Name] = p
	}
	return out, nil
}

// runController is the controller daemon of a lab.
func runController(ctx context.Context, lab string) error {
	src, err := os.ReadFile(controller.TopologyFile(lab))
	if err != nil {
		return fmt.Errorf("controller of lab %s: %w", lab, err)
	}
	t, err := topologies.Parse(controller.TopologyFile(lab), src)
	if err != nil {
		return err
	}
	cp, err := intent.Compile(t)
	if err != nil {
		return err
	}
	providers, err := labProviders(ctx, cp, lab, "")
	if err != nil {
		return err
	}
	st, err := store.Open(controller.DBFile(lab))
	if err != nil {
		return err
	}
	defer st.Close()
	ctl := controller.New(cp, controller.Options{Lab: lab, Providers: providers, Store: st, Log: os.Stderr})
	defer ctl.Close()

	// The API keeps its address across restarts, so clients keep working.
	addr := "127.0.0.1:0"
	token := ""
	if u, tok, err := api.ControllerEndpoint(lab); err == nil {
		if pu, err := url.Parse(u); err == nil {
			addr = pu.Host
		}
		if _, ok, _ := st.TokenRole(tok); ok {
			token = tok
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("controller API: %w", err)
		}
	}
	if token == "" {
		if token, err = st.CreateToken(store.RoleAdmin, fmt.Sprintf("admin-%d", time.Now().UnixNano())); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- api.Serve(ctx, ln, api.NewHandler(controller.NewBackend(ctl, lab), st)) }()
	if err := api.WriteEndpoint(lab, "http://"+ln.Addr().String(), token); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "controller of lab %s: API on http://%s\n", lab, ln.Addr())
	go func() { errc <- ctl.Run(ctx) }()
	err = <-errc
	cancel()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
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
				providers, err := labProviders(cmd.Context(), cp, lab, endpoint)
				if err != nil {
					return err
				}
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
