package lab

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// SupervisorInterval is how often the supervisor looks at the lab's
// daemons; supervisorBackoff bounds the wait between failed restarts.
const (
	SupervisorInterval = 100 * time.Millisecond
	supervisorBackoff  = 30 * time.Second
)

// Supervise watches the lab's cloud and controller until ctx ends or
// the lab is gone, restarting whichever died, with back-off between failed
// restarts. A daemon stopped on purpose (StopController) is no longer
// recorded, and is left stopped. It is the body of `mcnlab supervise`,
// which StartSupervisor starts.
func Supervise(ctx context.Context, lab string, lg *log.Logger, o Options) error {
	lg.Printf("watching the cloud and the controller of lab %s", lab)
	wait := time.Second
	tick := time.NewTicker(SupervisorInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		err := restartDead(ctx, lab, lg, o)
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
// it keeps one (RestartCloud), else afresh and then its controller too
// (the controller builds the new, empty cloud again through the cloud
// API); or only the controller if that died. It holds the lab's daemons
// lock throughout.
func restartDead(ctx context.Context, lab string, lg *log.Logger, o Options) error {
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
	cloud, hasCloud := recordedDaemon(rec, CloudDaemon)
	ctl, hasCtl := recordedDaemon(rec, ControllerDaemon)
	switch {
	case hasCloud && !cloud.Alive() && HasCloudState(lab):
		// The cloud comes back on its state file with the same key and
		// address, and adopts its dataplane: traffic keeps flowing, and
		// the controller keeps running (its calls are retried meanwhile).
		lg.Printf("the cloud of lab %s (pid %d) died; its log ends:\n%s", lab, cloud.PID, Tail(LogFile(lab, CloudDaemon), 10))
		cp, err := Plan(lab)
		if err != nil {
			return err
		}
		if err := RestartCloud(ctx, lab, cp, o); err != nil {
			return fmt.Errorf("restart the cloud on its state file: %w", err)
		}
		c, _ := DaemonOf(lab, CloudDaemon)
		lg.Printf("restarted the cloud (pid %d) on its state file %s; it adopted its dataplane, the controller kept running", c.PID, CloudStateFile(lab))
	case hasCloud && !cloud.Alive():
		lg.Printf("the cloud of lab %s (pid %d) died; its log ends:\n%s", lab, cloud.PID, Tail(LogFile(lab, CloudDaemon), 10))
		if hasCtl && ctl.Alive() {
			if err := emulator.StopProcess(ctl, 10*time.Second); err != nil {
				return fmt.Errorf("stop the controller before restarting the cloud: %w", err)
			}
		}
		cp, err := Plan(lab)
		if err != nil {
			return err
		}
		if err := StartCloud(ctx, lab, cp, o); err != nil {
			return fmt.Errorf("restart the cloud: %w", err)
		}
		if err := StartController(ctx, lab, o); err != nil {
			return fmt.Errorf("restart the controller after the cloud: %w", err)
		}
		c, _ := DaemonOf(lab, CloudDaemon)
		n, _ := DaemonOf(lab, ControllerDaemon)
		lg.Printf("restarted the cloud (pid %d) and the controller (pid %d), which builds the cloud again", c.PID, n.PID)
	case hasCtl && !ctl.Alive():
		lg.Printf("the controller of lab %s (pid %d) died; its log ends:\n%s", lab, ctl.PID, Tail(LogFile(lab, ControllerDaemon), 10))
		if err := StartController(ctx, lab, o); err != nil {
			return fmt.Errorf("restart the controller: %w", err)
		}
		n, _ := DaemonOf(lab, ControllerDaemon)
		lg.Printf("restarted the controller (pid %d)", n.PID)
	}
	return nil
}
