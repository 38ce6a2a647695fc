package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// The account of a lab's emulated cloud. Its key is random per lab
// (newLabCredentials); the published development key (devAccount) is only
// what a `cloudmock serve` without --lab and without accounts answers to.
const (
	labAccountID = "111111111111"
	devAccessKey = "AKIDMCNLAB"
	devSecret    = "mcnlab-secret"
	devAccount   = labAccountID + ":" + devAccessKey + ":" + devSecret
)

// accountsEnv passes a cloud's accounts to `cloudmock serve` (one
// ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY per line): a process's
// environment is readable by its own user only, its argv by everyone.
const accountsEnv = "MCNLAB_CLOUDMOCK_ACCOUNTS"

// newLabCredentials makes a lab account's random key, shaped as AWS's (an
// access key ID of AKIA and 16 of A-Z2-7, a 40-character secret).
func newLabCredentials() controller.LabCloud {
	const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return controller.LabCloud{AccountID: labAccountID, AccessKeyID: "AKIA" + randomString(idChars, 16),
		SecretAccessKey: randomString(secretChars, 40)}
}

// randomString draws n characters of chars (32 or 64 of them, so that a
// byte modulo their count is uniform) from crypto/rand.
func randomString(chars string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// cloudReadyTimeout bounds a lab's start of its emulated cloud and
// controller; convergeTimeout its gateways' convergence after that (a
// variable for the test of a lab that does not converge).
const cloudReadyTimeout = 30 * time.Second

var convergeTimeout = 90 * time.Second

// mcnlabSelf is the binary the lab's daemons run: this one. Tests, which
// run a test binary, point it at a built mcnlab.
var mcnlabSelf = func() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find mcnlab binary: %w", err)
	}
	return self, nil
}

// startRootDaemon starts argv detached (own session) in the root network
// namespace, with env added to its environment, output appended to logPath
// (0600).
func startRootDaemon(argv []string, logPath string, env ...string) (state.Process, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return state.Process{}, fmt.Errorf("start %s: %w", argv[1], err)
	}
	defer logf.Close()
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr = logf, logf
	c.Env = append(append(os.Environ(), stateRootEnv+"="+state.Root), env...)
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := c.Start(); err != nil {
		return state.Process{}, fmt.Errorf("start %s: %w", argv[1], err)
	}
	start, err := state.StartTime(c.Process.Pid)
	go c.Wait() //nolint:errcheck // reaps it if it dies while we run
	if err != nil {
		return state.Process{}, fmt.Errorf("start %s: read start time of pid %d: %w", argv[1], c.Process.Pid, err)
	}
	return state.Process{PID: c.Process.Pid, Start: start}, nil
}

// recordDaemon records (or replaces) the lab's daemon called name.
func recordDaemon(lab, name string, p state.Process) error {
	rec, err := state.Load(lab)
	if err != nil {
		return err
	}
	// In place, so the order destroy stops them in stays the order they
	// were first started in.
	for i, d := range rec.Daemons {
		if d.Name == name {
			rec.Daemons[i].Process = p
			return state.Save(rec)
		}
	}
	rec.Daemons = append(rec.Daemons, state.Daemon{Name: name, Process: p})
	return state.Save(rec)
}

// daemonOf returns the lab's recorded daemon called name.
func daemonOf(lab, name string) (state.Process, bool) {
	rec, err := state.Load(lab)
	if err != nil {
		return state.Process{}, false
	}
	for _, d := range rec.Daemons {
		if d.Name == name {
			return d.Process, true
		}
	}
	return state.Process{}, false
}

// waitFor polls cond until it holds, p dies, or ctx ends.
func waitFor(ctx context.Context, what string, p state.Process, logPath string, cond func() bool) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		if p.PID != 0 && !p.Alive() {
			return fmt.Errorf("%s: the process died; its log %s ends:\n%s", what, logPath, tail(logPath, 15))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w; log %s ends:\n%s", what, ctx.Err(), logPath, tail(logPath, 15))
		case <-t.C:
		}
	}
	return nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' && i != len(b)-1 {
			lines++
			if lines == n {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}

// deployCloud deploys a topology with cloud intent: the site routers and
// hosts in the emulator, then the lab's emulated cloud and its controller,
// and waits until the controller reports the lab converged.
func deployCloud(ctx context.Context, cmd *cobra.Command, t *topologies.Topology, lab, file string, src []byte, retain bool) error {
	out := cmd.OutOrStdout()
	cp, err := intent.Compile(t)
	if err != nil {
		return fmt.Errorf("%s:%w", file, err)
	}
	et := *t
	et.Nodes = append(slices.Clone(t.Nodes), cp.SiteNodes...)
	et.Links = append(slices.Clone(t.Links), cp.SiteLinks...)
	eplan, err := emulator.NewPlan(lab, &et)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(file)
	fmt.Fprintf(out, "deploying lab %s from %s: %d VPCs, %d gateways, %d sites\n", lab, file, len(t.Cloud.VPCs), len(cp.Gateways), len(t.Cloud.Sites))
	start := time.Now()
	pr := emulator.NewPrinter(os.Stdout)
	self, err := mcnlabSelf()
	if err != nil {
		return err
	}
	if err := emulator.Deploy(ctx, eplan, emulator.Options{TopologyFile: abs, Source: src, Progress: pr, GatewayCommand: []string{self}}); err != nil {
		return err
	}
	fail := func(err error) error { return deployFailed(lab, pr, retain, err) }
	if err := os.WriteFile(controller.TopologyFile(lab), src, 0o644); err != nil {
		return fail(fmt.Errorf("keep topology: %w", err))
	}
	if err := startLabCloud(ctx, lab, cp); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "emulated cloud up (%s)\n", time.Since(start).Round(time.Millisecond))
	if err := startController(ctx, lab); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "controller up (%s); waiting for the gateways to converge\n", time.Since(start).Round(time.Millisecond))
	if err := waitConverged(ctx, out, lab, convergeTimeout); err != nil {
		return fail(err)
	}
	// From here on a supervisor restarts the cloud or the controller if
	// one dies.
	if err := startSupervisor(lab); err != nil {
		return fail(err)
	}
	fmt.Fprintf(out, "lab %s ready in %s; `mcnlab inspect --lab %s` shows it, `mcnlab destroy --lab %s` removes it\n", lab, time.Since(start).Round(time.Millisecond), lab, lab)
	return nil
}

// startLabCloud starts the lab's emulated cloud (`mcnlab cloudmock serve
// --lab LAB --join`) with the sites' private lines, records it, and waits
// until its API answers.
func startLabCloud(ctx context.Context, lab string, cp *intent.Plan) error {
	return startLabCloudAs(ctx, lab, cp, newLabCredentials(), "127.0.0.1:0")
}

// startLabCloudAs is startLabCloud with the account's key and the address
// to listen on given (restartLabCloud reuses the dead cloud's). The cloud
// keeps its model in the lab's cloud.db (labCloudState).
func startLabCloudAs(ctx context.Context, lab string, cp *intent.Plan, creds controller.LabCloud, listen string) error {
	self, err := mcnlabSelf()
	if err != nil {
		return err
	}
	addrFile := filepath.Join(state.Dir(lab), "cloud.addr")
	// A cloud that died (the supervisor restarts it) left its address.
	if err := os.Remove(addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	argv := []string{self, "cloudmock", "serve", "--lab", lab, "--join", "--listen", listen, "--addr-file", addrFile, "--state", labCloudState(lab)}
	argv = append(argv, labQuotaArgs(cp.Topology.Cloud.Accounts)...)
	for _, s := range cp.Topology.Cloud.Sites {
		ns := emulator.NamespaceName(lab, s.Name)
		if up, ok := cp.Uplink(s.Name); ok {
			argv = append(argv, "--uplink", s.Name+"="+ns+":"+intent.UplinkInterface+":"+up.String())
		} else {
			argv = append(argv, "--circuit", s.Name+"="+ns+":"+intent.LineInterface)
		}
	}
	logPath := filepath.Join(state.Dir(lab), "cloud.log")
	p, err := startRootDaemon(argv, logPath, accountsEnv+"="+creds.AccountID+":"+creds.AccessKeyID+":"+creds.SecretAccessKey)
	if err != nil {
		return err
	}
	if err := recordDaemon(lab, "cloud", p); err != nil {
		return errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	ctx, cancel := context.WithTimeout(ctx, cloudReadyTimeout)
	defer cancel()
	var addr []byte
	if err := waitFor(ctx, "emulated cloud", p, logPath, func() bool {
		addr, err = os.ReadFile(addrFile)
		return err == nil
	}); err != nil {
		return err
	}
	creds.URL, creds.Region = "http://"+string(addr), cp.Accounts[0].Region
	return controller.WriteLabCloud(lab, creds)
}

// startController starts the lab's controller (`mcnlab controller run`),
// records it, and waits until its API answers.
func startController(ctx context.Context, lab string) error {
	self, err := mcnlabSelf()
	if err != nil {
		return err
	}
	logPath := filepath.Join(state.Dir(lab), "controller.log")
	p, err := startRootDaemon([]string{self, "controller", "run", "--lab", lab}, logPath)
	if err != nil {
		return err
	}
	if err := recordDaemon(lab, "controller", p); err != nil {
		return errors.Join(err, syscall.Kill(p.PID, syscall.SIGTERM))
	}
	ctx, cancel := context.WithTimeout(ctx, cloudReadyTimeout)
	defer cancel()
	return waitFor(ctx, "controller", p, logPath, func() bool {
		// The previous controller, if any, has exited: whatever answers
		// at the recorded address is the new one.
		c, err := labAPI(lab)
		if err != nil {
			return false
		}
		_, err = c.Status(ctx)
		return err == nil
	})
}

// labAPI returns a client of the lab's controller with the admin token.
func labAPI(lab string) (*api.Client, error) {
	url, token, err := api.ControllerEndpoint(lab)
	if err != nil {
		return nil, err
	}
	return api.NewClient(url, token), nil
}

// waitConverged waits until the lab's controller reports convergence,
// printing what is still missing every few seconds.
func waitConverged(ctx context.Context, out io.Writer, lab string, limit time.Duration) error {
	c, err := labAPI(lab)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	var waiting []string // what the controller waits for, last seen
	for {
		// A daemon that died fails the deploy at once, with its log.
		if err := deadDaemon(lab); err != nil {
			return err
		}
		st, err := c.Status(ctx)
		if err == nil && st.Converged {
			return nil
		}
		if time.Since(last) > 3*time.Second {
			last = time.Now()
			if err != nil {
				fmt.Fprintf(out, "  waiting: %v\n", err)
			} else {
				waiting = waitingReport(out, st, waiting)
			}
		}
		select {
		case <-ctx.Done():
			if st, err := c.Status(context.Background()); err == nil {
				waiting = st.Waiting
			}
			return notConverged(lab, limit.String(), waiting)
		case <-tick.C:
		}
	}
}
