package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// Destroy removes everything the lab's state records: the processes in its
// namespaces, the namespaces (and with them every link inside), and the state
// itself. It needs no topology and is idempotent: a lab that is not recorded
// returns an error wrapping state.ErrNotFound. A deploy still running is
// stopped first (it rolls back by itself).
func Destroy(ctx context.Context, lab string, pr Progress) error {
	if pr == nil {
		pr = Silent{}
	}
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	lock, err := state.TryLock(lab)
	if errors.Is(err, state.ErrLocked) {
		lock, err = stopOwner(ctx, rec)
	}
	if err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	defer lock.Unlock()
	// The owner may have rolled back and removed the lab while we waited.
	if rec, err = state.Load(lab); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return nil
		}
		return err
	}
	rec.Phase = state.PhaseDestroying
	// The cloud daemon removes its own namespaces as it stops (instances,
	// VPC routers, gateways) and kills what runs in them; the processes in
	// every namespace of the lab are taken down now too, so that one that
	// escaped (a process started by `mcnlab exec` inside an instance while
	// the cloud was not looking) dies with the lab even after its
	// namespace's name is gone.
	var names []string
	for _, n := range rec.Nodes {
		if !n.Foreign && strings.HasPrefix(n.Namespace, Prefix) {
			names = append(names, n.Namespace)
		}
	}
	inside, err := namespaceProcesses(names)
	if err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	if err := stopDaemons(rec); err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	if err := killProcesses(inside); err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	// The daemons (the emulated cloud) remove what they made as they stop.
	if rec, err = state.Load(lab); err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	rec.Phase = state.PhaseDestroying
	if len(rec.Nodes) > 0 {
		if err := state.Save(rec); err != nil {
			return fmt.Errorf("destroy lab %s: %w", lab, err)
		}
	}
	if err := removeFabric(rec, pr); err != nil {
		return fmt.Errorf("destroy lab %s: %w", lab, err)
	}
	return state.Remove(lab)
}

// stopOwner asks the live process holding the lab's lock (a deploy or a
// foreground lab, recorded as the lab's owner) to stop, and waits for the lock.
func stopOwner(ctx context.Context, rec *state.Lab) (*state.Lock, error) {
	if rec.Owner.Alive() && rec.Owner.PID != os.Getpid() {
		if err := syscall.Kill(rec.Owner.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return nil, fmt.Errorf("stop owner pid %d: %w", rec.Owner.PID, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		lock, err := state.TryLock(rec.Name)
		if err == nil || !errors.Is(err, state.ErrLocked) {
			if errors.Is(err, state.ErrNotFound) {
				// The owner removed the lab while rolling back.
				return nil, nil
			}
			return lock, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lab is still held by pid %d: %w", rec.Owner.PID, ctx.Err())
		case <-t.C:
		}
	}
}

// stopDaemons stops the lab's daemons that run outside its namespaces: its
// supervisor first (so that nothing is restarted behind us), then, as
// recorded once it is gone, the others newest first (the controller before
// the cloud it drives): SIGTERM, and SIGKILL for one still running after
// daemonGrace.
func stopDaemons(rec *state.Lab) error {
	stop := func(d state.Daemon) error {
		if !d.Process.Alive() || d.Process.PID == os.Getpid() {
			return nil
		}
		if err := StopProcess(d.Process, daemonGrace); err != nil {
			return fmt.Errorf("stop %s (pid %d): %w", d.Name, d.Process.PID, err)
		}
		return nil
	}
	for _, d := range rec.Daemons {
		if d.Name == SupervisorDaemon {
			if err := stop(d); err != nil {
				return err
			}
			// It may have restarted a daemon while it was asked to stop.
			if now, err := state.Load(rec.Name); err == nil {
				rec = now
			}
		}
	}
	var errs []error
	for i := len(rec.Daemons) - 1; i >= 0; i-- {
		if d := rec.Daemons[i]; d.Name != SupervisorDaemon {
			errs = append(errs, stop(d))
		}
	}
	return errors.Join(errs...)
}

// SupervisorDaemon is the name under which a lab records the daemon that
// restarts its other daemons; destroy stops it first.
const SupervisorDaemon = "supervisor"

// StopProcess sends p SIGTERM and waits up to grace for it to exit, then
// kills it.
func StopProcess(p state.Process, grace time.Duration) error {
	if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		return fmt.Errorf("signal: %w", err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !p.Alive() || !processLives(p.PID) {
			return nil
		}
		time.Sleep(10 * time.Millisecond) // polling the process's exit, bounded by grace
	}
	return killAll([]int{p.PID}, 5*time.Second)
}

// killProcesses kills those of ps still running (same PID and start time)
// and waits until they are gone.
func killProcesses(ps []state.Process) error {
	var pids []int
	for _, p := range ps {
		if p.Alive() {
			pids = append(pids, p.PID)
		}
	}
	return killAll(pids, 5*time.Second)
}

// daemonGrace is how long a lab daemon gets to clean up after SIGTERM (the
// emulated cloud stops its gateways and removes its namespaces).
const daemonGrace = 20 * time.Second

// removeFabric kills the processes in the lab's namespaces and deletes the
// namespaces. Namespaces already gone are skipped.
func removeFabric(rec *state.Lab, pr Progress) error {
	procs, err := pidsByNetns()
	if err != nil {
		return err
	}
	return each(context.Background(), pr, "remove", len(rec.Nodes), func(i int) error {
		ns := rec.Nodes[i].Namespace
		if rec.Nodes[i].Foreign {
			return nil
		}
		if !strings.HasPrefix(ns, Prefix) {
			return fmt.Errorf("refusing to remove namespace %q: not named %s…", ns, Prefix)
		}
		if ino, err := nsInode(ns); err == nil {
			if err := killAll(procs[ino], 5*time.Second); err != nil {
				return fmt.Errorf("node %s: %w", rec.Nodes[i].Name, err)
			}
		}
		return netns.Delete(ns)
	})
}

// Leftovers lists namespaces named mcn-… that no recorded lab owns.
func Leftovers() ([]string, error) {
	ents, err := os.ReadDir(netns.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	owned := map[string]bool{}
	labs, err := state.List()
	if err != nil {
		return nil, err
	}
	for _, l := range labs {
		if rec, err := state.Load(l); err == nil {
			for _, n := range rec.Nodes {
				owned[n.Namespace] = true
			}
		}
	}
	var left []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), Prefix) && !owned[e.Name()] {
			left = append(left, e.Name())
		}
	}
	return left, nil
}

// RemoveLeftovers kills the processes in, and deletes, the given mcn-…
// namespaces (from Leftovers).
func RemoveLeftovers(names []string) error {
	rec := &state.Lab{Name: "leftovers"}
	for _, n := range names {
		rec.Nodes = append(rec.Nodes, state.Node{Name: n, Namespace: n})
	}
	return removeFabric(rec, Silent{})
}
