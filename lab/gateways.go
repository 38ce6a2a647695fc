package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/controller/gwconf"
	"github.com/mcnlab/mcnlab/dataplane/mgmt"
	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
)

// gatewayStopTimeout bounds the wait for a killed gateway to exit.
const gatewayStopTimeout = 10 * time.Second

// Gateway is a gateway of a lab: a gateway node of the topology, or a
// cloud lab's gateway instance (prod-1, transit-2) by its name.
type Gateway struct {
	Name string
	// Node is the lab node whose namespace it runs in; ID names its
	// management socket (emulator.GatewaySocket). Both are the node's
	// name for a gateway node; a cloud gateway's node is i-… and its ID
	// the instance's.
	Node, ID string
	// Cloud says the lab's emulated cloud runs it (and restarts it).
	Cloud bool
}

// FindGateway looks a gateway up by name: a gateway node of the lab, or
// one of a cloud lab's gateway instances.
func FindGateway(ctx context.Context, lab, name string) (Gateway, error) {
	r, err := state.Load(lab)
	if err != nil {
		return Gateway{}, err
	}
	for _, n := range r.Nodes {
		if n.Name == name && n.Kind == "gateway" {
			return Gateway{Name: name, Node: name, ID: name}, nil
		}
	}
	if IsCloudLab(lab) {
		_, instances, err := PlanAndInstances(ctx, lab)
		if err != nil {
			return Gateway{}, err
		}
		if in, ok := instances[name]; ok {
			node := strings.TrimPrefix(emulator.InstanceNamespace(lab, in.ID), emulator.NamespaceName(lab, ""))
			return Gateway{Name: name, Node: node, ID: in.ID, Cloud: true}, nil
		}
	}
	return Gateway{}, fmt.Errorf("lab %s has no gateway %q", lab, name)
}

// Client is the gateway's management API client; the caller closes it.
func (g Gateway) Client(lab string) *mgmt.Client {
	return mgmt.NewClient(emulator.GatewaySocket(lab, g.ID))
}

// KillGateway kills a gateway's daemon with SIGKILL, as a crash would,
// and waits until it has exited. It kills only the process that serves
// the gateway's management socket, found by PID.
func KillGateway(ctx context.Context, lab string, g Gateway) error {
	pid, err := emulator.GatewayPIDOf(lab, g.Node, g.ID)
	if err != nil {
		return err
	}
	start, err := state.StartTime(pid)
	if err != nil {
		return fmt.Errorf("kill gateway %s: pid %d: %w", g.Name, pid, err)
	}
	p := state.Process{PID: pid, Start: start}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill gateway %s (pid %d): %w", g.Name, pid, err)
	}
	if err := WaitExited(ctx, p, gatewayStopTimeout); err != nil {
		return fmt.Errorf("kill gateway %s: %w", g.Name, err)
	}
	return nil
}

// WaitExited waits until p has exited, at most timeout.
func WaitExited(ctx context.Context, p state.Process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for p.Alive() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("pid %d still alive: %w", p.PID, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// RestartGateway brings a killed gateway back. A gateway node's daemon is
// started again on the configuration it last had (nobody pushes one); a
// cloud gateway is restarted by the emulated cloud, as a cloud restarts a
// failed instance, so this waits for that. Either way it returns once the
// gateway answers on its management socket.
func RestartGateway(ctx context.Context, lab string, g Gateway, o Options) error {
	if g.Cloud {
		return waitGatewayUp(ctx, lab, g)
	}
	if pid, err := emulator.GatewayPID(lab, g.Node); err == nil {
		return fmt.Errorf("restart gateway %s: it is running (pid %d)", g.Name, pid)
	}
	self, err := o.self()
	if err != nil {
		return err
	}
	p, err := emulator.StartDaemon(ctx, emulator.NamespaceName(lab, g.Node), emulator.GatewayArgv(lab, g.Node, []string{self}), emulator.GatewayLog(lab, g.Node))
	if err != nil {
		return fmt.Errorf("restart gateway %s: %w", g.Name, err)
	}
	if err := emulator.WaitSocket(ctx, emulator.GatewaySocket(lab, g.ID), p); err != nil {
		return fmt.Errorf("restart gateway %s: %w", g.Name, err)
	}
	return nil
}

// waitGatewayUp waits until the gateway's daemon runs and answers.
func waitGatewayUp(ctx context.Context, lab string, g Gateway) error {
	c := g.Client(lab)
	defer c.Close()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if _, err := emulator.GatewayPIDOf(lab, g.Node, g.ID); err == nil {
			if _, err := c.Health(ctx); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gateway %s did not come back: %w", g.Name, ctx.Err())
		case <-t.C:
		}
	}
}

// WaitGatewaysConverged waits until the BGP sessions of the named
// gateway nodes (all of the lab's when none is named) are established:
// convergence of a lab without a cloud.
func WaitGatewaysConverged(ctx context.Context, lab string, gateways ...string) error {
	if len(gateways) == 0 {
		r, err := state.Load(lab)
		if err != nil {
			return err
		}
		for _, n := range r.Nodes {
			if n.Kind == "gateway" {
				gateways = append(gateways, n.Name)
			}
		}
		slices.Sort(gateways)
	}
	return gwconf.WaitConverged(ctx, Nodes{Lab: lab}, gateways, nil)
}
