package oci

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// observe reads the owner's objects: one list per kind in the
// compartment (each page, as opc-next-page leads), then the VNICs of the
// owner's instances.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#nine — list pagination: opc-next-page and page
func (p *Provider) observe(ctx context.Context) (*world, error) {
	w := &world{}
	for _, step := range []func(context.Context, *world) error{
		p.listVcns, p.listGateways, p.listSecurityLists, p.listRouteTables, p.listSubnets, p.listNSGs, p.listInstances, p.listPublicIPs,
		p.listDrgs, p.listCircuits,
	} {
		if err := step(ctx, w); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// pages calls list with each page's token until the last page.
func pages(ctx context.Context, what string, list func(ctx context.Context, page *string) (next *string, err error)) error {
	var page *string
	for {
		var next *string
		var err error
		cloud.Unlocked(ctx, func() { next, err = list(ctx, page) })
		if err != nil {
			return fmt.Errorf("list %s: %w", what, err)
		}
		if next == nil || *next == "" {
			return nil
		}
		page = next
	}
}

// live reports whether a lifecycle state is one of an object that is
// there (not being or already deleted).
func live(state string) bool {
	return state != "TERMINATING" && state != "TERMINATED" && state != "DETACHING" && state != "DETACHED"
}

func (p *Provider) listVcns(ctx context.Context, w *world) error {
	var objs []*vcnObj
	err := pages(ctx, "vcns", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListVcns(ctx, core.ListVcnsRequest{CompartmentId: &p.compartment, Page: page})
		for _, v := range r.Items {
			if key, mine := p.owned(v.FreeformTags); mine && live(string(v.LifecycleState)) {
				o := &vcnObj{Object: cloud.Object{Key: key, ID: *v.Id}}
				if len(v.CidrBlocks) > 0 {
					o.cidr, _ = netip.ParsePrefix(v.CidrBlocks[0])
				}
				objs = append(objs, o)
			}
		}
		return r.OpcNextPage, err
	})
	w.vcns = cloud.Index(objs)
	return err
}

func (p *Provider) listGateways(ctx context.Context, w *world) error {
	var objs []*childObj
	err := pages(ctx, "internetGateways", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListInternetGateways(ctx, core.ListInternetGatewaysRequest{CompartmentId: &p.compartment, Page: page})
		for _, g := range r.Items {
			if key, mine := p.owned(g.FreeformTags); mine && live(string(g.LifecycleState)) {
				objs = append(objs, &childObj{Object: cloud.Object{Key: key, ID: *g.Id}, vcn: *g.VcnId})
			}
		}
		return r.OpcNextPage, err
	})
	w.igws = cloud.Index(objs)
	return err
}

func (p *Provider) listSecurityLists(ctx context.Context, w *world) error {
	var objs []*childObj
	err := pages(ctx, "securityLists", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListSecurityLists(ctx, core.ListSecurityListsRequest{CompartmentId: &p.compartment, Page: page})
		for _, l := range r.Items {
			if key, mine := p.owned(l.FreeformTags); mine && live(string(l.LifecycleState)) {
				objs = append(objs, &childObj{Object: cloud.Object{Key: key, ID: *l.Id}, vcn: *l.VcnId})
			}
		}
		return r.OpcNextPage, err
	})
	w.lists = cloud.Index(objs)
	return err
}

func (p *Provider) listRouteTables(ctx context.Context, w *world) error {
	var objs []*rtObj
	err := pages(ctx, "routeTables", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListRouteTables(ctx, core.ListRouteTablesRequest{CompartmentId: &p.compartment, Page: page})
		for _, t := range r.Items {
			if key, mine := p.owned(t.FreeformTags); mine && live(string(t.LifecycleState)) {
				objs = append(objs, &rtObj{Object: cloud.Object{Key: key, ID: *t.Id}, vcn: *t.VcnId, rules: rulesOf(t.RouteRules)})
			}
		}
		return r.OpcNextPage, err
	})
	w.tables = cloud.Index(objs)
	return err
}

// rulesOf reads route rules; one of another destination type is left out.
func rulesOf(rs []core.RouteRule) []rule {
	var out []rule
	for _, r := range rs {
		dst := str(r.Destination)
		if dst == "" {
			dst = str(r.CidrBlock)
		}
		if pf, err := netip.ParsePrefix(dst); err == nil && r.NetworkEntityId != nil {
			out = append(out, rule{dst: pf, target: *r.NetworkEntityId})
		}
	}
	return out
}

func (p *Provider) listSubnets(ctx context.Context, w *world) error {
	var objs []*subnetObj
	err := pages(ctx, "subnets", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListSubnets(ctx, core.ListSubnetsRequest{CompartmentId: &p.compartment, Page: page})
		for _, s := range r.Items {
			if key, mine := p.owned(s.FreeformTags); mine && live(string(s.LifecycleState)) {
				o := &subnetObj{Object: cloud.Object{Key: key, ID: *s.Id}, vcn: *s.VcnId, rt: str(s.RouteTableId),
					lists: sorted(s.SecurityListIds)}
				o.cidr, _ = netip.ParsePrefix(str(s.CidrBlock))
				objs = append(objs, o)
			}
		}
		return r.OpcNextPage, err
	})
	w.subnets = cloud.Index(objs)
	return err
}

func (p *Provider) listPublicIPs(ctx context.Context, w *world) error {
	var objs []*pubObj
	err := pages(ctx, "publicIps", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListPublicIps(ctx, core.ListPublicIpsRequest{Scope: core.ListPublicIpsScopeRegion, CompartmentId: &p.compartment,
			Lifetime: core.ListPublicIpsLifetimeReserved, Page: page})
		for _, ip := range r.Items {
			if key, mine := p.owned(ip.FreeformTags); mine && live(string(ip.LifecycleState)) {
				o := &pubObj{Object: cloud.Object{Key: key, ID: *ip.Id}}
				o.addr, _ = netip.ParseAddr(str(ip.IpAddress))
				if ip.AssignedEntityId != nil {
					o.assigned = *ip.AssignedEntityId
				}
				objs = append(objs, o)
			}
		}
		return r.OpcNextPage, err
	})
	w.pubs = cloud.Index(objs)
	return err
}

// str is *s, "" for nil.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
