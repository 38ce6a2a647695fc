package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// ExecTimeout bounds one start-up command (Options.ExecTimeout overrides
// it for a deploy).
const ExecTimeout = 60 * time.Second

// Run runs a shell command inside the namespace and returns its combined
// output. The fork happens on a thread locked into the namespace, so the
// command and everything it starts live there. A command that leaves a
// daemon behind returns once the shell exits (the daemon keeps running in
// the namespace until the lab is destroyed). A command still running after
// ExecTimeout is killed.
func Run(ctx context.Context, ns vnetns.NsHandle, command string) ([]byte, error) {
	return RunTimeout(ctx, ns, command, ExecTimeout)
}

// RunTimeout is Run with its own time limit. A command still running after
// timeout is killed, and the error says "timed out after" the limit; one
// stopped because ctx ended says so.
func RunTimeout(ctx context.Context, ns vnetns.NsHandle, command string, timeout time.Duration) ([]byte, error) {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out []byte
	err := netns.DoHandle(ns, func() error {
		cmd := exec.CommandContext(tctx, "/bin/sh", "-c", command)
		cmd.WaitDelay = time.Second // a daemon holding the output pipe must not block us
		var err error
		out, err = cmd.CombinedOutput()
		if errors.Is(err, exec.ErrWaitDelay) {
			err = nil
		}
		return err
	})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		err = fmt.Errorf("stopped before it finished (%w): %w", ctx.Err(), err)
	case tctx.Err() != nil:
		err = fmt.Errorf("timed out after %s and was killed", timeout)
	}
	return out, err
}

// nsInode returns the inode number that identifies a named namespace.
func nsInode(name string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(netns.Path(name), &st); err != nil {
		return 0, fmt.Errorf("stat netns %s: %w", name, err)
	}
	return st.Ino, nil
}

// pidsByNetns maps each network namespace inode to the processes in it.
func pidsByNetns() (map[uint64][]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	self := os.Getpid()
	m := map[uint64][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		link, err := os.Readlink("/proc/" + e.Name() + "/ns/net")
		if err != nil {
			continue // gone, or a kernel thread
		}
		// "net:[4026532281]"
		s := strings.TrimSuffix(strings.TrimPrefix(link, "net:["), "]")
		ino, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			continue
		}
		m[ino] = append(m[ino], pid)
	}
	return m, nil
}

// KillNamespace kills every process in the named namespace (found by the
// namespace's inode against /proc/*/ns/net) and waits until they are gone.
// Only namespaces that a lab made are passed here, so whatever runs inside
// was started for the lab: a node's commands, `mcnlab exec`, a daemon
// restarted by hand. A namespace that does not exist has nothing to kill.
func KillNamespace(ns string) error {
	ino, err := nsInode(ns)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	procs, err := pidsByNetns()
	if err != nil {
		return err
	}
	if err := killAll(procs[ino], 5*time.Second); err != nil {
		return fmt.Errorf("kill processes in %s: %w", ns, err)
	}
	return nil
}

// namespaceProcesses returns the processes (PID and start time) in each of
// the named namespaces that exist.
func namespaceProcesses(names []string) ([]state.Process, error) {
	procs, err := pidsByNetns()
	if err != nil {
		return nil, err
	}
	var out []state.Process
	for _, ns := range names {
		ino, err := nsInode(ns)
		if err != nil {
			continue
		}
		for _, pid := range procs[ino] {
			if st, err := state.StartTime(pid); err == nil {
				out = append(out, state.Process{PID: pid, Start: st})
			}
		}
	}
	return out, nil
}

// killAll kills the given processes (which live in a namespace of the lab
// being removed, so the lab started them) and waits until they are gone.
func killAll(pids []int, deadline time.Duration) error {
	// SIGTERM first, so that daemons that clean up after themselves (FRR
	// removes its /var/tmp/frr/<daemon>.<pid> directory, a gateway closes
	// its BGP sessions) do; termGrace later, SIGKILL for the rest.
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("stop pid %d: %w", pid, err)
		}
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	grace := time.NewTimer(termGrace)
	defer grace.Stop()
	for _, pid := range pids {
		for processLives(pid) {
			select {
			case <-grace.C:
				return kill(pids, deadline)
			case <-t.C:
			}
		}
	}
	return nil
}

// termGrace is how long a process of a lab being removed gets to exit
// after SIGTERM before it is killed.
const termGrace = time.Second

// kill sends SIGKILL to pids and waits until they are gone.
func kill(pids []int, deadline time.Duration) error {
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill pid %d: %w", pid, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for _, pid := range pids {
		for processLives(pid) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("pid %d still alive %s after SIGKILL", pid, deadline)
			case <-t.C:
			}
		}
	}
	return nil
}

// processLives reports whether pid still runs (a zombie has left its
// namespaces and counts as gone).
func processLives(pid int) bool {
	_, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
	return err == nil
}
