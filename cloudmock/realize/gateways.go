package realize

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/handle"
)

// GatewayImage is the image ID that makes an instance an mcnlab gateway:
// an instance launched with it (RunInstances ImageId) runs
// `<Options.GatewayCommand> gateway --socket GatewaySocket(lab, id) --name
// GatewayName(id)` inside its namespace once the namespace is wired, as a
// real gateway appliance boots from its AMI. The daemon is restarted, with
// back-off, whenever it exits (as a service on a VM is: killing it is a
// real fault, and the appliance recovers from it); it is stopped when the
// instance stops or terminates or the realizer closes. For forwarded traffic to pass, the
// instance's source/destination check must be turned off, as in AWS.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AMIs.html — an instance runs the software of the AMI it was launched from
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — an appliance that forwards needs the source/destination check off
const GatewayImage = "ami-mcnlab-gateway"

// GatewaySocket is the management socket of the gateway daemon of instance
// instanceID in lab: where a controller pushes its configuration
// (dataplane/mgmt.NewClient).
func GatewaySocket(lab, instanceID string) string {
	return emulator.GatewaySocket(lab, instanceID)
}

// GatewayName is the name the gateway daemon of instance instanceID runs
// under: the name a configuration pushed to it must carry. It is i-
// followed by the instance's handle (the one the model records, which is
// internal/handle's of the ID), which fits the gateway's 12-character
// names.
func GatewayName(instanceID string) string { return "i-" + handle.Of(instanceID) }

// gatewayStartTimeout bounds a gateway daemon's start up to its first
// healthy answer, on a loaded machine.
const gatewayStartTimeout = 30 * time.Second

// startGateway starts the gateway daemon of instance id in namespace ns and
// waits until its management socket answers; the channel is closed when
// the daemon exits.
func (r *Realizer) startGateway(ctx context.Context, ns, id string) (state.Process, <-chan struct{}, error) {
	sock := GatewaySocket(r.opts.Lab, id)
	if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
		return state.Process{}, nil, fmt.Errorf("realize: gateway %s: %w", id, err)
	}
	argv := append(append([]string(nil), r.opts.GatewayCommand...), r.daemonVerb(id), "--socket", sock, "--name", GatewayName(id))
	ctx, cancel := context.WithTimeout(ctx, gatewayStartTimeout)
	defer cancel()
	p, exited, err := emulator.StartWatched(ctx, ns, argv, strings.TrimSuffix(sock, ".sock")+".log") // beside its socket, named as it is
	if err != nil {
		return state.Process{}, nil, fmt.Errorf("realize: gateway %s: %w", id, err)
	}
	if err := emulator.WaitSocket(ctx, sock, p); err != nil {
		return state.Process{}, nil, errors.Join(fmt.Errorf("realize: gateway %s: %w", id, err), stopGateway(p))
	}
	return p, exited, nil
}

// stopGateway stops a gateway daemon that the realizer started: SIGTERM
// (it closes its BGP sessions and removes its socket), then SIGKILL if it
// has not exited within 10 s. It returns once the process is gone. The
// process is identified by PID and start time, so a recycled PID is never
// signalled.
func stopGateway(p state.Process) error {
	for _, step := range []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGTERM, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}} {
		if !running(p) {
			return nil
		}
		if err := syscall.Kill(p.PID, step.sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("realize: stop gateway pid %d: %w", p.PID, err)
		}
		deadline := time.Now().Add(step.grace)
		for running(p) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // StartDaemon's goroutine reaps it
		}
	}
	if running(p) {
		return fmt.Errorf("realize: stop gateway pid %d: still running after SIGKILL", p.PID)
	}
	return nil
}

// remove stops the host's gateway daemon, if any, then deletes its
// namespace: a process left inside would keep the namespace and its links
// alive. Idempotent.
func (h *liveHost) remove() error {
	if h.gateway != nil {
		if err := h.gateway.stop(); err != nil {
			return err
		}
		h.gateway = nil
	}
	return h.liveNS.remove()
}
