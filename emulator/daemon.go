package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// StartDaemon starts argv as a long-running process inside the named
// namespace and returns it without waiting for it. The fork happens on a
// thread locked into the namespace (as in Run), so the process and all it
// opens live there. It runs in a session of its own (Setsid: no signal from
// the caller's terminal reaches it), with stdin from /dev/null and stdout
// and stderr appended to logPath. A goroutine reaps it when it exits, so it
// never lingers as a zombie; Destroy kills it with the lab. ctx bounds only
// the start, not the process's life.
func StartDaemon(ctx context.Context, namespace string, argv []string, logPath string) (state.Process, error) {
	p, _, err := StartWatched(ctx, namespace, argv, logPath)
	return p, err
}

// StartWatched is StartDaemon that also returns a channel closed once the
// process has exited (and been reaped): what a supervisor waits on.
func StartWatched(ctx context.Context, namespace string, argv []string, logPath string) (state.Process, <-chan struct{}, error) {
	if len(argv) == 0 {
		return state.Process{}, nil, errors.New("start daemon: empty command")
	}
	if err := ctx.Err(); err != nil {
		return state.Process{}, nil, fmt.Errorf("start daemon %s in %s: %w", argv[0], namespace, err)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return state.Process{}, nil, fmt.Errorf("start daemon %s in %s: %w", argv[0], namespace, err)
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = netns.Do(namespace, func() error { return cmd.Start() })
	if err != nil {
		return state.Process{}, nil, fmt.Errorf("start daemon %s in %s: %w", argv[0], namespace, err)
	}
	// Not reaped yet, so /proc/PID/stat is there even if it already died.
	start, err := state.StartTime(cmd.Process.Pid)
	exited := make(chan struct{})
	go func() {
		cmd.Wait() //nolint:errcheck // reaps the daemon; its exit is seen through exited, its socket or its PID
		close(exited)
	}()
	if err != nil {
		return state.Process{}, nil, fmt.Errorf("start daemon %s in %s: read start time of pid %d: %w", argv[0], namespace, cmd.Process.Pid, err)
	}
	return state.Process{PID: cmd.Process.Pid, Start: start}, exited, nil
}

// WaitSocket polls the unix socket at path until GET /v1/healthz answers
// 200, until ctx ends, or until p (when its PID is set) has died, whichever
// comes first. It speaks plain HTTP so that the emulator need not know the
// management API's types.
func WaitSocket(ctx context.Context, path string, p state.Process) error {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://daemon/v1/healthz", nil)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", path, err)
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("healthz answered %s", resp.Status)
		}
		last = err
		if p.PID > 0 && !p.Alive() {
			return fmt.Errorf("wait for %s: pid %d exited (see its log)", path, p.PID)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %v)", path, ctx.Err(), last)
		case <-tick.C:
		}
	}
}
