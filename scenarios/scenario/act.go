package scenario

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/lab"
	"github.com/mcnlab/mcnlab/topologies"
)

// actionTimeout bounds one action (a deploy has the lab's own bounds).
const actionTimeout = 2 * time.Minute

// cliProviders maps a cloud CLI to the provider whose environment
// `mcnlab cloudmock env` prints for it.
var cliProviders = map[string]string{"aws": "aws", "az": "azure", "gcloud": "gcp", "node": "oci"}

// act runs an action step.
func (r *run) act(s Step) error {
	if s.Deploy {
		return r.deploy()
	}
	ctx, cancel := context.WithTimeout(r.ctx, actionTimeout)
	defer cancel()
	switch {
	case s.Wait != "":
		if lab.IsCloudLab(r.lab) {
			return lab.WaitConverged(ctx, r.out, r.lab, actionTimeout)
		}
		return lab.WaitGatewaysConverged(ctx, r.lab)
	case s.Kill != "":
		g, err := r.gateway(ctx, s.Kill)
		if err != nil {
			return err
		}
		return lab.KillGateway(ctx, r.lab, g)
	case s.Restart != "":
		g, err := r.gateway(ctx, s.Restart)
		if err != nil {
			return err
		}
		return lab.RestartGateway(ctx, r.lab, g, r.Options)
	case s.Serve != nil:
		return r.serve(ctx, s.Serve)
	case s.Stop != "":
		return lab.SetPower(ctx, r.lab, s.Stop, false)
	case s.Start != "":
		return lab.SetPower(ctx, r.lab, s.Start, true)
	case s.Approve != nil:
		c, err := lab.API(r.lab)
		if err != nil {
			return err
		}
		_, err = c.Approve(ctx, s.Approve.Site, s.Approve.Prefix.String())
		return err
	case s.CLI != "":
		_, err := r.shell(ctx, "", s.CLI, 0)
		return err
	case s.Exec != nil:
		_, err := r.shell(ctx, s.Exec.Node, s.Exec.Command, s.Exec.Expect)
		return err
	case s.Link != nil:
		return lab.SetLink(r.lab, s.Link.A, s.Link.B, s.Link.Up)
	case s.Announce != nil:
		return lab.Announce(ctx, r.lab, s.Announce.Router, s.Announce.Prefix, s.Announce.Advertise)
	case len(s.MCNLab) > 0:
		return r.mcnlab(ctx, s.MCNLab)
	case s.Sleep > 0:
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.Sleep):
			return nil
		}
	}
	return fmt.Errorf("step %s is not an action", s.Kind)
}

// deploy builds the scenario's lab from its topology.
func (r *run) deploy() error {
	src, file := r.f.Inline, r.f.Topology
	if src == nil {
		var err error
		if src, err = topologies.ReadFile(file); err != nil {
			return err
		}
	}
	t, err := topologies.Parse(file, src)
	if err != nil {
		return err
	}
	// The deploy's progress is kept to show when it fails.
	var progress bytes.Buffer
	o := r.Options
	o.Out = &progress
	if o.Progress == nil {
		o.Progress = emulator.NewPrinter(&progress)
	}
	if err := lab.Deploy(r.ctx, lab.Deployment{Topology: t, File: file, Source: src, Lab: r.lab}, o); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(progress.String(), 30))
	}
	return nil
}

// self is the mcnlab binary.
func (r *run) self() (string, error) {
	if r.Options.Self != "" {
		return r.Options.Self, nil
	}
	return os.Executable()
}

// shell runs a command line with bash: a cloud CLI (node empty) with the
// provider's environment from `mcnlab cloudmock env`, or any command in a
// node's namespace through `mcnlab exec`. It fails unless the command
// exits with status want, with the command's output in the error.
func (r *run) shell(ctx context.Context, node, line string, want int) (string, error) {
	self, err := r.self()
	if err != nil {
		return "", err
	}
	var cmd *exec.Cmd
	if node == "" {
		prog := CLIOf(line)
		// az's and gcloud's configuration (the lab's cloud, its login)
		// live in the lab's state directory and go with the lab.
		dir := state.Dir(r.lab)
		env := fmt.Sprintf("mcnlab() { %s \"$@\"; }\n", shellQuote(self))
		if p := cliProviders[prog]; p != "" {
			env += fmt.Sprintf("export AZURE_CONFIG_DIR=%s CLOUDSDK_CONFIG=%s\neval \"$(%s cloudmock env --lab %s --provider %s)\" || exit 97\n",
				shellQuote(filepath.Join(dir, "azure")), shellQuote(filepath.Join(dir, "gcloud")), shellQuote(self), r.lab, p)
		}
		cmd = exec.CommandContext(ctx, "bash", "-c", env+line)
	} else {
		cmd = exec.CommandContext(ctx, self, "exec", "--lab", r.lab, node, "--", "bash", "-c", line)
	}
	// What a command line may use: the lab's name, its CA (to verify the
	// lab's HTTPS servers) and its state directory (for files it keeps).
	cmd.Env = append(os.Environ(), "MCNLAB_LAB="+r.lab, "MCNLAB_CA="+lab.CAFile(r.lab), "MCNLAB_DIR="+state.Dir(r.lab))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		return out.String(), fmt.Errorf("run %q: %w", line, err)
	}
	switch {
	case want == ExpectFail && got == 0:
		return out.String(), fmt.Errorf("%q succeeded, want it to fail; output:\n%s", line, lastLines(out.String(), 20))
	case want != ExpectFail && got != want:
		return out.String(), fmt.Errorf("%q exited %d, want %d; output:\n%s", line, got, want, lastLines(out.String(), 20))
	}
	return out.String(), nil
}

// mcnlab runs mcnlab's own command line against the lab.
func (r *run) mcnlab(ctx context.Context, args []string) error {
	self, err := r.self()
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, self, append(args, "--lab", r.lab)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mcnlab %s: %w\n%s", strings.Join(args, " "), err, lastLines(string(out), 20))
	}
	return nil
}

// shellQuote quotes s for bash.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// isNotFound says err is "the lab is not there": nothing to destroy.
func isNotFound(err error) bool { return errors.Is(err, state.ErrNotFound) }

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// serve listens on a target's address and port inside its namespace (the
// socket stays there once made) and answers every connection with a line
// until the scenario ends.
func (r *run) serve(ctx context.Context, s *Serve) error {
	t, _, err := r.targets(ctx, s.Node, s.Node)
	if err != nil {
		return err
	}
	var l net.Listener
	addr := netip.AddrPortFrom(t.Address, s.Port).String()
	if err := netns.Do(t.Namespace, func() (err error) {
		l, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		return fmt.Errorf("serve on %s (%s): %w", s.Node, addr, err)
	}
	r.listeners = append(r.listeners, l)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "mcnlab scenario: %s\n", s.Node)
			c.Close()
		}
	}()
	return nil
}
