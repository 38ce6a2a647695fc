package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// The names under which a cloud lab records its daemons.
const (
	cloudDaemon      = "cloud"
	controllerDaemon = "controller"
)

// supervisorInterval is how often the supervisor looks at the lab's
// daemons; supervisorBackoff bounds the wait between failed restarts.
const (
	supervisorInterval = 100 * time.Millisecond
	supervisorBackoff  = 30 * time.Second
)

func newSupervise() *cobra.Command {
	var lab string
	cmd := &cobra.Command{
		Use:    "supervise --lab NAME",
		Short:  "Restart a cloud lab's cloud and controller when they die (what deploy starts)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := state.Load(lab); err != nil {
				return err
			}
			return superviseLab(cmd.Context(), lab, log.New(os.Stderr, "supervisor: ", log.LstdFlags|log.Lmicroseconds))
		},
	}
	cmd.Flags().StringVar(&lab, labFlag, "", "lab name")
	_ = cmd.MarkFlagRequired(labFlag)
	return cmd
}

// startSupervisor starts the lab's supervisor (`mcnlab supervise`) and
// records it; destroy stops it before the other daemons.
func startSupervisor(lab string) error {
	self, err := mcnlabSelf()
	if err != nil {
		return err
	}
	p, err := startRootDaemon([]string{self, "supervise", "--lab", lab}, filepath.Join(state.Dir(lab), "supervisor.log"))
	if err != nil {
		return err
	}
	if err := recordDaemon(lab, emulator.SupervisorDaemon, p); err != nil {
		return errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	return nil
}

// superviseLab watches the lab's cloud and controller until ctx ends or
// the lab is gone, restarting whichever died, with back-off between failed
// restarts. A daemon stopped on purpose (`mcnlab controller stop`) is no
// longer recorded, and is left stopped.
func superviseLab(ctx context.Context, lab string, lg *log.Logger) error {
	lg.Printf("watching the cloud and the controller of lab %s", lab)
	wait := time.Second
	tick := time.NewTicker(supervisorInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		err := restartDead(ctx, lab, lg)
		switch {
		case errors.Is(err, state.ErrNotFound):
			lg.Printf("lab %s is gone; stopping", lab)
			return nil
		case err != nil && ctx.Err() == nil:
			lg.Printf("%v; next try in %s", err, wait)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			wait = min(2*wait, supervisorBackoff)
		case err == nil:
			wait = time.Second
		}
	}
}

// restartDead restarts the lab's cloud if it died: on its state file, if
// it keeps one (restartLabCloud), else afresh and then its controller too
// (the controller builds the new, empty cloud again through the cloud
// API); or only the controller if that died. It holds the lab's daemons
// lock throughout.
func restartDead(ctx context.Context, lab string, lg *log.Logger) error {
	lock, err := state.LockDaemons(lab)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	if rec.Phase == state.PhaseDestroying {
		return fmt.Errorf("lab %s: %w (being destroyed)", lab, state.ErrNotFound)
	}
	cloud, hasCloud := recordedDaemon(rec, cloudDaemon)
	ctl, hasCtl := recordedDaemon(rec, controllerDaemon)
	switch {
	case hasCloud && !cloud.Alive() && hasCloudState(lab):
		// The cloud comes back on its state file with the same key and
		// address, and adopts its dataplane: traffic keeps flowing, and
		// the controller keeps running (its calls are retried meanwhile).
		lg.Printf("the cloud of lab %s (pid %d) died; its log ends:\n%s", lab, cloud.PID, tail(filepath.Join(state.Dir(lab), "cloud.log"), 10))
		cp, err := labPlan(lab)
		if err != nil {
			return err
		}
		if err := restartLabCloud(ctx, lab, cp); err != nil {
			return fmt.Errorf("restart the cloud on its state file: %w", err)
		}
		c, _ := daemonOf(lab, cloudDaemon)
		lg.Printf("restarted the cloud (pid %d) on its state file %s; it adopted its dataplane, the controller kept running", c.PID, labCloudState(lab))
	case hasCloud && !cloud.Alive():
		lg.Printf("the cloud of lab %s (pid %d) died; its log ends:\n%s", lab, cloud.PID, tail(filepath.Join(state.Dir(lab), "cloud.log"), 10))
		if hasCtl && ctl.Alive() {
			if err := emulator.StopProcess(ctl, 10*time.Second); err != nil {
				return fmt.Errorf("stop the controller before restarting the cloud: %w", err)
			}
		}
		cp, err := labPlan(lab)
		if err != nil {
			return err
		}
		if err := startLabCloud(ctx, lab, cp); err != nil {
			return fmt.Errorf("restart the cloud: %w", err)
		}
		if err := startController(ctx, lab); err != nil {
			return fmt.Errorf("restart the controller after the cloud: %w", err)
		}
		c, _ := daemonOf(lab, cloudDaemon)
		n, _ := daemonOf(lab, controllerDaemon)
		lg.Printf("restarted the cloud (pid %d) and the controller (pid %d), which builds the cloud again", c.PID, n.PID)
	case hasCtl && !ctl.Alive():
		lg.Printf("the controller of lab %s (pid %d) died; its log ends:\n%s", lab, ctl.PID, tail(filepath.Join(state.Dir(lab), "controller.log"), 10))
		if err := startController(ctx, lab); err != nil {
			return fmt.Errorf("restart the controller: %w", err)
		}
		n, _ := daemonOf(lab, controllerDaemon)
		lg.Printf("restarted the controller (pid %d)", n.PID)
	}
	return nil
}

// recordedDaemon returns the daemon called name in rec.
func recordedDaemon(rec *state.Lab, name string) (state.Process, bool) {
	for _, d := range rec.Daemons {
		if d.Name == name {
			return d.Process, true
		}
	}
	return state.Process{}, false
}

// deadDaemon says which of the lab's recorded daemons (its cloud, its
// controller) has died, with the end of its log, or nil.
func deadDaemon(lab string) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	for _, d := range rec.Daemons {
		if d.Name == emulator.SupervisorDaemon || d.Process.Alive() {
			continue
		}
		logPath := filepath.Join(state.Dir(lab), d.Name+".log")
		return fmt.Errorf("the lab's %s (pid %d) died; its log %s ends:\n%s", d.Name, d.Process.PID, logPath, tail(logPath, 15))
	}
	return nil
}

// forgetDaemon removes the daemon called name from the lab's record: a
// daemon stopped on purpose, which the supervisor must leave stopped.
func forgetDaemon(lab, name string) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	for i, d := range rec.Daemons {
		if d.Name == name {
			rec.Daemons = append(rec.Daemons[:i], rec.Daemons[i+1:]...)
			return state.Save(rec)
		}
	}
	return nil
}

// labPlan compiles the topology a cloud lab runs (the copy in its state).
func labPlan(lab string) (*intent.Plan, error) {
	src, err := os.ReadFile(controller.TopologyFile(lab))
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", lab, err)
	}
	t, err := topologies.Parse(controller.TopologyFile(lab), src)
	if err != nil {
		return nil, err
	}
	return intent.Compile(t)
}
