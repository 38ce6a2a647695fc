package gateway

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// A neighbour with a VXLAN overlay (the private-line case) is reached over
// a point-to-point VXLAN interface, vx-<neighbour>, made in the gateway's
// namespace: every frame goes to the neighbour's underlay address (the
// kernel's default forwarding entry for a unicast remote), no MAC addresses
// are learned, and the overlay's /31 or /30 is its only address. BGP and
// BFD then run over it as over any link, and routes learned from the
// neighbour point at its overlay address, which the interface's connected
// route makes on-link.

// openVXLAN creates n's overlay interface, addresses it and sets it up. A
// VXLAN interface of that name (the overlay being changed, or one left by
// an earlier run of the gateway) is replaced by one with the same MAC
// address, so that the neighbour's ARP entry for our overlay address stays
// right and the session over it sees no gap beyond the swap itself. On
// error it removes what it made.
func openVXLAN(nl *netlink.Handle, n Neighbor) error {
	v, name := n.VXLAN, n.VXLANInterface()
	var mac net.HardwareAddr
	if old, err := nl.LinkByName(name); err == nil {
		if old.Type() != "vxlan" {
			return fmt.Errorf("vxlan %s: interface exists already and is a %s", name, old.Type())
		}
		mac = old.Attrs().HardwareAddr
		if err := nl.LinkDel(old); err != nil {
			return fmt.Errorf("vxlan %s: remove the one in place: %w", name, err)
		}
	}
	link := &netlink.Vxlan{
		LinkAttrs: netlink.LinkAttrs{Name: name, MTU: v.MTU, HardwareAddr: mac},
		VxlanId:   int(v.VNI),
		SrcAddr:   net.IP(v.Local.AsSlice()),
		Group:     net.IP(v.Remote.AsSlice()),
		Port:      int(v.Port),
		Learning:  false,
	}
	if err := nl.LinkAdd(link); err != nil {
		return fmt.Errorf("create vxlan %s (vni %d, %s -> %s:%d): %w", name, v.VNI, v.Local, v.Remote, v.Port, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{
		IP:   net.IP(v.Address.Addr().AsSlice()),
		Mask: net.CIDRMask(v.Address.Bits(), v.Address.Addr().BitLen()),
	}}
	if v.Address.Addr().Is6() {
		addr.Flags = unix.IFA_F_NODAD // usable at once for the BGP session
	}
	err := nl.AddrAdd(link, addr)
	if err != nil {
		err = fmt.Errorf("vxlan %s: add address %s: %w", name, v.Address, err)
	} else if err = nl.LinkSetUp(link); err != nil {
		err = fmt.Errorf("vxlan %s: set up: %w", name, err)
	}
	if err != nil {
		return errors.Join(err, closeVXLAN(nl, n))
	}
	return nil
}

// closeVXLAN removes n's overlay interface (its address and routes go with
// it); one that is not there is no error.
func closeVXLAN(nl *netlink.Handle, n Neighbor) error {
	name := n.VXLANInterface()
	link, err := nl.LinkByName(name)
	if err != nil {
		var notFound netlink.LinkNotFoundError
		if errors.As(err, &notFound) {
			return nil
		}
		return fmt.Errorf("vxlan %s: find: %w", name, err)
	}
	if err := nl.LinkDel(link); err != nil {
		return fmt.Errorf("vxlan %s: remove: %w", name, err)
	}
	return nil
}
