package realize

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// What keeps a host (an instance's or NAT gateway's namespace) the same
// machine on its subnet while the namespace itself is remade: an instance
// that stops and starts, or reboots, gets a new namespace each boot.

// hostMAC is the MAC address of host id's interface: the same for the
// interface's whole life, as an elastic network interface's is, so that a
// host remade by a start or a reboot answers with the MAC that its
// neighbours (the other hosts, the VPC router) have cached for its address.
// It is locally administered and unicast (02 in the first byte).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — a network interface has a MAC address, one of its attributes, which follow it
func hostMAC(id string) net.HardwareAddr { return model.MACAddress(id) }

// setHostMAC gives a host's interface its MAC address; call it before the
// interface is up.
func setHostMAC(l *liveNS, eth netlink.Link, hp *hostPlan) error {
	if err := l.nl.LinkSetHardwareAddr(eth, hp.mac); err != nil {
		return fmt.Errorf("%s: set %s address %s: %w", l.name, eth.Attrs().Name, hp.mac, err)
	}
	return nil
}

// unplugHost deletes the port of host id on its subnet's bridge, which
// takes the host's end of the link with it at once. Call it once the host's
// namespace is removed: the kernel frees a deleted namespace, and its links
// with it, only when it gets round to it, and until then the host would
// still answer on its subnet (a stopped instance answering pings) and its
// port's name would still be taken (a rebooted instance's new host could
// not be plugged in). Idempotent.
func (s *liveState) unplugHost(id string, h *liveHost) error {
	var errs []error
	for _, n := range h.nics { // further interfaces (nics.go)
		if rt := s.routers[n.router]; rt != nil {
			errs = append(errs, rt.delLink(n.port))
		}
	}
	if rt := s.routers[h.router]; rt != nil { // else the router's namespace, and the port in it, went first
		errs = append(errs, rt.delLink(h.port))
	}
	return errors.Join(errs...)
}
