package emulator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/handle"
)

// GatewaySocket is the management socket of a gateway node or a cloud
// instance, by its name or ID. Unix socket paths are limited to 108
// bytes; /run/mcnlab/<lab>/gw/<node>.sock stays under 80 for node names
// and AWS instance IDs. An ID that is no file name or is longer (an Azure
// resource ID: /subscriptions/.../virtualMachines/NAME) is named by its
// handle instead: h-<8 hex digits>.sock.
func GatewaySocket(lab, node string) string {
	name := node
	if strings.ContainsAny(node, "/\x00") || len(node) > maxSocketName {
		name = "h-" + handle.Of(node)
	}
	return filepath.Join(state.Dir(lab), "gw", name+".sock")
}

// maxSocketName is the longest node name or ID a gateway socket is named
// by as it is.
const maxSocketName = 40

// gatewayCommand is the program that `mcnlab gateway` is: this binary
// (or the slim one beside it, GatewayProgram), unless Options say
// otherwise (tests, which run a test binary).
func (o Options) gatewayCommand() ([]string, error) {
	if len(o.GatewayCommand) > 0 {
		return o.GatewayCommand, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find mcnlab binary for gateways: %w", err)
	}
	return GatewayProgram(self), nil
}

// SlimGateway is the file name of the slim gateway binary
// (cmd/mcnlab-gateway), which `make build` puts beside mcnlab.
const SlimGateway = "mcnlab-gateway"

// GatewayProgram is the program that runs `gateway` (and, by handing them
// to mcnlab, the other appliance verbs) for the mcnlab binary at self: the
// slim mcnlab-gateway beside it when self is called mcnlab and there is
// one, else self. A gateway of the slim binary takes some 18 MB where one
// of mcnlab's takes 52 MB, most of it the pages of mcnlab's every cloud SDK
// that its start touches.
func GatewayProgram(self string) []string {
	if filepath.Base(self) == "mcnlab" {
		slim := filepath.Join(filepath.Dir(self), SlimGateway)
		if fi, err := os.Stat(slim); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return []string{slim}
		}
	}
	return []string{self}
}

// startGateway starts `mcnlab gateway` inside the node and waits until its
// management API answers. The daemon starts unconfigured; the controller
// pushes its configuration, which the daemon keeps in GatewayConfigFile
// and applies again if it is restarted with the same command line.
func (f *fabric) startGateway(ctx context.Context, n *PlanNode, argv []string) error {
	sock := GatewaySocket(f.plan.Lab, n.Name)
	dir := NodeDir(f.plan.Lab, n.Name)
	for _, d := range []string{filepath.Dir(sock), dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	args := GatewayArgv(f.plan.Lab, n.Name, argv)
	p, err := StartDaemon(ctx, n.Namespace, args, GatewayLog(f.plan.Lab, n.Name))
	if err != nil {
		return fmt.Errorf("node %s: %w", n.Name, err)
	}
	if err := WaitSocket(ctx, sock, p); err != nil {
		log, _ := os.ReadFile(GatewayLog(f.plan.Lab, n.Name))
		return fmt.Errorf("node %s: gateway did not come up: %w; log:\n%s", n.Name, err, log)
	}
	return nil
}

// InstanceNamespace is the namespace in which the lab's emulated cloud runs
// the cloud instance instanceID (of any provider's ID shape):
// mcn-<lab>-i-<handle>, where the handle is internal/handle's of the ID,
// the one the cloud model records for the instance. The emulated cloud
// creates it; a controller finds an instance's namespace with it to run
// diagnostics.
func InstanceNamespace(lab, instanceID string) string {
	return NamespaceName(lab, "i-"+handle.Of(instanceID))
}
