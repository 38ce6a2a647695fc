package firewall

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// kernelIntercept is the policy routing of the L7 engine in the
// namespace of nl: "ip rule fwmark InterceptMark lookup InterceptTable"
// and "ip route add local 0.0.0.0/0 dev lo table InterceptTable", so that
// packets the table diverts to the proxy (which keep their foreign
// destination) are delivered to it.
type kernelIntercept struct{ nl *netlink.Handle }

func (k kernelIntercept) rule() *netlink.Rule {
	r := netlink.NewRule()
	r.Family = unix.AF_INET
	r.Mark = InterceptMark
	r.Table = InterceptTable
	r.Priority = 100
	return r
}

func (k kernelIntercept) route() (*netlink.Route, error) {
	lo, err := k.nl.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("intercept routes: %w", err)
	}
	_, all, _ := net.ParseCIDR("0.0.0.0/0")
	return &netlink.Route{LinkIndex: lo.Attrs().Index, Dst: all, Type: unix.RTN_LOCAL, Scope: netlink.SCOPE_HOST, Table: InterceptTable}, nil
}

// Up sets lo up and adds the route and the rule (replacing them).
func (k kernelIntercept) Up() error {
	rt, err := k.route()
	if err != nil {
		return err
	}
	lo, _ := k.nl.LinkByName("lo")
	if err := k.nl.LinkSetUp(lo); err != nil {
		return fmt.Errorf("intercept routes: set lo up: %w", err)
	}
	if err := k.nl.RouteReplace(rt); err != nil {
		return fmt.Errorf("intercept routes: local route in table %d: %w", InterceptTable, err)
	}
	if err := k.nl.RuleDel(k.rule()); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("intercept routes: replace rule: %w", err)
	}
	if err := k.nl.RuleAdd(k.rule()); err != nil {
		return fmt.Errorf("intercept routes: rule fwmark 0x%x lookup %d: %w", InterceptMark, InterceptTable, err)
	}
	return nil
}

// Down removes the rule and the route; what is gone already is no error.
func (k kernelIntercept) Down() error {
	var errs []error
	if err := k.nl.RuleDel(k.rule()); err != nil && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, fmt.Errorf("intercept routes: delete rule: %w", err))
	}
	if rt, err := k.route(); err == nil {
		if err := k.nl.RouteDel(rt); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("intercept routes: delete route: %w", err))
		}
	}
	return errors.Join(errs...)
}
