package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A subnet's route table holds two kinds of rules: those to gateways (the
// internet gateway), which Apply owns, and those to private IPs (a
// gateway instance's), which SyncRoutes owns. OCI replaces a table's
// rules as a whole (UpdateRouteTable), so each edits the table's current
// rules under its ETag (If-Match), reading again when the other changed
// it meanwhile.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/RouteTable/UpdateRouteTable — routeRules replaces the whole list; if-match
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — route rules: destination CIDR and target

// isPrivateIP reports whether a route target is a private IP.
func isPrivateIP(id string) bool { return strings.HasPrefix(id, "ocid1.privateip.") }

// staticRules are the rules to gateways Apply wants in a subnet's table,
// by destination; a target not made yet is its key in angle brackets.
func (pl *planner) staticRules(subnet string) map[netip.Prefix]string {
	out := map[netip.Prefix]string{}
	vk := pl.x.SubnetVPC[subnet]
	for dst, t := range pl.x.Routes[subnet] {
		if t == cloud.TargetPrivateLine {
			out[dst] = cloud.Ref(pl.w.drgs, pl.goneDrg, drgKey(vk)) // fastconnect.go
			continue
		}
		out[dst] = cloud.Ref(pl.w.igws, pl.goneIgw, vk)
	}
	return out
}

// rulesString renders rules for plans, sorted.
func rulesString(m map[netip.Prefix]string) string {
	var parts []string
	for _, dst := range slices.SortedFunc(func(yield func(netip.Prefix) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}, cloud.ComparePrefix) {
		parts = append(parts, dst.String()+"->"+m[dst])
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// planTables plans the subnets' route tables: gone ones deleted, missing
// ones made with their rules to gateways, kept ones whose rules to
// gateways differ edited (their rules to private IPs kept).
func (pl *planner) planTables() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneTable) {
		o := w.tables[k]
		pl.add(phDelTable, "DeleteRouteTable", o.Name(), cloud.Why(o.ID, pl.goneTable[k]), "delete route table "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "route table "+o.Name(), func(ctx context.Context) error {
				_, err := p.vn.DeleteRouteTable(ctx, core.DeleteRouteTableRequest{RtId: &o.ID})
				return err
			}, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetRouteTable(ctx, core.GetRouteTableRequest{RtId: &o.ID})
				return string(r.LifecycleState), err
			}); err != nil {
				return err
			}
			cloud.Drop(w.tables, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			pl.planTable(v.Key, s.Key)
		}
	}
}

// planTable plans subnet's route table.
func (pl *planner) planTable(vk, subnet string) {
	p, w := pl.p, pl.w
	want := pl.staticRules(subnet)
	resolve := func() ([]rule, error) {
		var out []rule
		for dst, t := range pl.x.Routes[subnet] {
			gw, err := cloud.IDOf(w.igws, "internet gateway", vk)
			if t == cloud.TargetPrivateLine {
				gw, err = cloud.IDOf(w.drgs, "drg", drgKey(vk))
			}
			if err != nil {
				return nil, err
			}
			out = append(out, rule{dst: dst, target: gw})
		}
		return out, nil
	}
	if cloud.Keeps(w.tables, pl.goneTable, subnet) {
		o := w.tables[subnet]
		have := map[netip.Prefix]string{}
		for _, r := range o.rules {
			if !isPrivateIP(r.target) {
				have[r.dst] = r.target
			}
		}
		if rulesString(have) == rulesString(want) {
			return
		}
		pl.add(phTable, "UpdateRouteTable", subnet, o.ID+" routeRules(static)="+rulesString(want), "update route table "+subnet, func(ctx context.Context) error {
			static, err := resolve()
			if err != nil {
				return err
			}
			rules, _, err := p.editTable(ctx, o.ID, func(cur []rule) []rule {
				return append(static, learned(cur)...)
			})
			o.rules = rules
			return err
		})
		return
	}
	detail := "vcnId=" + cloud.Ref(w.vcns, pl.goneVcn, vk) + " routeRules=" + rulesString(want)
	pl.add(phTable, "CreateRouteTable", subnet, detail, "create route table "+subnet, func(ctx context.Context) error {
		vcn, err := cloud.IDOf(w.vcns, "vcn", vk)
		if err != nil {
			return err
		}
		static, err := resolve()
		if err != nil {
			return err
		}
		var id string
		if err := call(ctx, func(ctx context.Context) error {
			r, err := p.vn.CreateRouteTable(ctx, core.CreateRouteTableRequest{CreateRouteTableDetails: core.CreateRouteTableDetails{
				CompartmentId: &p.compartment, VcnId: &vcn, RouteRules: sdkRules(static), DisplayName: common.String(subnet), FreeformTags: p.tags(subnet)}})
			id = str(r.Id)
			return err
		}); err != nil {
			return err
		}
		if err := p.awaitTable(ctx, subnet, id); err != nil {
			return err
		}
		w.tables[subnet] = &rtObj{Object: cloud.Object{Key: subnet, ID: id}, vcn: vcn, rules: static}
		return nil
	})
}

// learned are the rules to private IPs of rules.
func learned(rules []rule) []rule {
	var out []rule
	for _, r := range rules {
		if isPrivateIP(r.target) {
			out = append(out, r)
		}
	}
	return out
}

// sdkRules are rules as the SDK takes them.
func sdkRules(rules []rule) []core.RouteRule {
	out := []core.RouteRule{}
	for _, r := range rules {
		out = append(out, core.RouteRule{Destination: common.String(r.dst.String()), DestinationType: core.RouteRuleDestinationTypeCidrBlock,
			NetworkEntityId: common.String(r.target)})
	}
	return out
}

// awaitTable waits until a route table is AVAILABLE.
func (p *Provider) awaitTable(ctx context.Context, what, id string) error {
	return p.await(ctx, "route table "+what, func(ctx context.Context) (string, error) {
		r, err := p.vn.GetRouteTable(ctx, core.GetRouteTableRequest{RtId: &id})
		return string(r.LifecycleState), err
	}, "AVAILABLE")
}

// maxEdits is how many times editTable reads a table again after its
// ETag went stale.
const maxEdits = 8

// editTable replaces a route table's rules with edit(its rules) under
// the ETag read (If-Match), reading again on 412 NoEtagMatch; it returns
// the rules it leaves and whether it changed them.
// OCI: https://docs.oracle.com/en-us/iaas/Content/API/Concepts/usingapi.htm#etags — a stale If-Match gets 412
func (p *Provider) editTable(ctx context.Context, id string, edit func([]rule) []rule) ([]rule, bool, error) {
	for range maxEdits {
		var cur core.GetRouteTableResponse
		if err := call(ctx, func(ctx context.Context) error {
			var err error
			cur, err = p.vn.GetRouteTable(ctx, core.GetRouteTableRequest{RtId: &id})
			return err
		}); err != nil {
			return nil, false, err
		}
		have := rulesOf(cur.RouteRules)
		want := edit(slices.Clone(have))
		if sameRules(have, want) {
			return have, false, nil
		}
		err := call(ctx, func(ctx context.Context) error {
			_, err := p.vn.UpdateRouteTable(ctx, core.UpdateRouteTableRequest{RtId: &id, IfMatch: cur.Etag,
				UpdateRouteTableDetails: core.UpdateRouteTableDetails{RouteRules: sdkRules(want)}})
			return err
		})
		var se common.ServiceError
		if errors.As(err, &se) && se.GetHTTPStatusCode() == http.StatusPreconditionFailed {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return want, true, p.awaitTable(ctx, id, id)
	}
	return nil, false, fmt.Errorf("route table %s: changed by another %d times while being edited", id, maxEdits)
}

// sameRules reports whether two rule lists hold the same rules.
func sameRules(a, b []rule) bool {
	key := func(rs []rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.dst.String()+" "+r.target)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// SyncRoutes makes the rules to private IPs of subnet's route table
// exactly want (destination -> the key of the instance whose primary
// private IP is the target), leaving the rules to gateways alone. A
// destination that a rule to a gateway holds already is an error: a
// table has one rule per destination.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm#privateip — a private IP as a route target
func (p *Provider) SyncRoutes(ctx context.Context, subnet string, want map[netip.Prefix]string) ([]cloud.Call, error) {
	if err := p.inCompartment(ctx); err != nil {
		return nil, err
	}
	table, targets, err := p.routeRefs(ctx, subnet, want)
	if err != nil {
		return nil, err
	}
	var clash error
	_, changed, err := p.editTable(ctx, table, func(cur []rule) []rule {
		clash = nil
		var out []rule
		for _, r := range cur {
			if isPrivateIP(r.target) {
				continue
			}
			if _, ok := targets[r.dst]; ok {
				clash = fmt.Errorf("subnet %s: destination %s has a rule to %s already", subnet, r.dst, r.target)
			}
			out = append(out, r)
		}
		if clash != nil {
			return cur // sent as it is: no call
		}
		for dst, t := range targets {
			out = append(out, rule{dst: dst, target: t})
		}
		return out
	})
	if err == nil {
		err = clash
	}
	if err != nil || !changed {
		return nil, err
	}
	detail := map[netip.Prefix]string{}
	for dst, k := range want {
		detail[dst] = k
	}
	return []cloud.Call{{Service: service, Action: "UpdateRouteTable", Object: subnet, Detail: table + " routeRules(learned)=" + rulesString(detail)}}, nil
}

// routeRefs looks up subnet's route table and the private IP OCIDs of
// want's instances, observing the compartment again when one is not
// known yet.
func (p *Provider) routeRefs(ctx context.Context, subnet string, want map[netip.Prefix]string) (string, map[netip.Prefix]string, error) {
	look := func() (string, map[netip.Prefix]string, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		table, ok := p.tables[subnet]
		if !ok {
			return "", nil, fmt.Errorf("subnet %s has no route table of owner %s", subnet, p.owner)
		}
		out := map[netip.Prefix]string{}
		for dst, k := range want {
			pip, ok := p.pips[k]
			if !ok || pip == "" {
				return "", nil, fmt.Errorf("route %s: instance %s of owner %s has no private IP", dst, k, p.owner)
			}
			out[dst] = pip
		}
		return table, out, nil
	}
	if table, out, err := look(); err == nil {
		return table, out, nil
	}
	if _, err := p.Observe(ctx); err != nil {
		return "", nil, err
	}
	return look()
}
