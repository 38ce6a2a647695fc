package oci

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A VCN's end of private lines (cloud.VPC.PrivateLines) is a DRG of its
// own attached to it, and each private line's virtual interface a
// private FastConnect virtual circuit with that DRG as gatewayId, whose
// one cross-connect mapping holds the interface's BGP addresses and
// names the lab's line (crossConnectOrCrossConnectGroupId, a lab
// convention: cloudmock/realize ocivc.go). A VCN's subnets reach the
// line by route rules with the DRG as target (TargetPrivateLine); the
// DRG learns the customer's prefixes from the circuit's BGP session.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — private peering: a private virtual circuit to a DRG attached to the VCN; BGP with Oracle (AS 31898)
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — a DRG, its VCN attachment; a VCN is attached to one DRG at most
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm — a VCN's traffic to on-premises prefixes needs a route rule with the DRG as target

// drgKey is the key of the DRG (and of its VCN attachment) of VPC vk.
func drgKey(vk string) string { return vk + "/drg" }

// drgAttObj is a DRG's attachment to a VCN.
type drgAttObj struct {
	cloud.Object
	drg, vcn string
}

// vcObj is a private virtual circuit.
type vcObj struct {
	cloud.Object
	drg, line        string
	oracle, customer netip.Prefix
	asn              int64
}

// wantDrgs are the VPCs by the keys of their DRGs (those with private
// lines).
func (pl *planner) wantDrgs() map[string]string {
	out := map[string]string{}
	for _, v := range pl.d.VPCs {
		if v.PrivateLines {
			out[drgKey(v.Key)] = v.Key
		}
	}
	return out
}

func (p *Provider) listDrgs(ctx context.Context, w *world) error {
	var objs []*cloud.Object
	err := pages(ctx, "drgs", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListDrgs(ctx, core.ListDrgsRequest{CompartmentId: &p.compartment, Page: page})
		for _, g := range r.Items {
			if key, mine := p.owned(g.FreeformTags); mine && live(string(g.LifecycleState)) {
				objs = append(objs, &cloud.Object{Key: key, ID: *g.Id})
			}
		}
		return r.OpcNextPage, err
	})
	w.drgs = cloud.Index(objs)
	if err != nil {
		return err
	}
	var atts []*drgAttObj
	err = pages(ctx, "drgAttachments", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListDrgAttachments(ctx, core.ListDrgAttachmentsRequest{CompartmentId: &p.compartment, Page: page})
		for _, a := range r.Items {
			if key, mine := p.owned(a.FreeformTags); mine && live(string(a.LifecycleState)) && a.VcnId != nil {
				atts = append(atts, &drgAttObj{Object: cloud.Object{Key: key, ID: *a.Id}, drg: str(a.DrgId), vcn: *a.VcnId})
			}
		}
		return r.OpcNextPage, err
	})
	w.drgAtts = cloud.Index(atts)
	return err
}

func (p *Provider) listCircuits(ctx context.Context, w *world) error {
	var objs []*vcObj
	err := pages(ctx, "virtualCircuits", func(ctx context.Context, page *string) (*string, error) {
		r, err := p.vn.ListVirtualCircuits(ctx, core.ListVirtualCircuitsRequest{CompartmentId: &p.compartment, Page: page})
		for _, v := range r.Items {
			if key, mine := p.owned(v.FreeformTags); mine && live(string(v.LifecycleState)) {
				o := &vcObj{Object: cloud.Object{Key: key, ID: *v.Id}, drg: str(v.GatewayId)}
				if v.CustomerAsn != nil {
					o.asn = *v.CustomerAsn
				}
				if len(v.CrossConnectMappings) == 1 {
					m := v.CrossConnectMappings[0]
					o.line = str(m.CrossConnectOrCrossConnectGroupId)
					o.oracle, _ = netip.ParsePrefix(str(m.OracleBgpPeeringIp))
					o.customer, _ = netip.ParsePrefix(str(m.CustomerBgpPeeringIp))
				}
				objs = append(objs, o)
			}
		}
		return r.OpcNextPage, err
	})
	w.vcs = cloud.Index(objs)
	return err
}

// findGoneFastConnect decides which circuits, DRG attachments and DRGs
// go: those no longer wanted, and those whose DRG, VCN or settings
// differ (replaced).
func (pl *planner) findGoneFastConnect() {
	w := pl.w
	drgs := pl.wantDrgs()
	cloud.FindGone(pl.goneDrg, w.drgs, drgs, func(string, *cloud.Object, string) (string, bool) { return "", false })
	cloud.FindGone(pl.goneDrgAtt, w.drgAtts, drgs, func(k string, o *drgAttObj, vk string) (string, bool) {
		switch {
		case !cloud.Keeps(w.drgs, pl.goneDrg, k) || w.drgs[k].ID != o.drg:
			return cloud.Replace("replace with drg " + k)
		case !cloud.Keeps(w.vcns, pl.goneVcn, vk) || w.vcns[vk].ID != o.vcn:
			return cloud.Replace("replace with vcn " + vk)
		}
		return "", false
	})
	want := map[string]cloud.VirtualInterface{}
	for _, v := range pl.d.VirtualInterfaces {
		want[v.Key] = v
	}
	cloud.FindGone(pl.goneVc, w.vcs, want, func(_ string, o *vcObj, v cloud.VirtualInterface) (string, bool) {
		k := drgKey(v.VPC)
		switch {
		case !cloud.Keeps(w.drgs, pl.goneDrg, k) || w.drgs[k].ID != o.drg:
			return cloud.Replace("replace with drg " + k)
		case o.line != v.Connection || o.oracle != v.CloudAddress || o.customer != v.CustomerAddress || o.asn != int64(v.ASN):
			return cloud.Replace(fmt.Sprintf("replace: crossConnectMappings %s %s/%s asn %d -> %s %s/%s asn %d",
				o.line, o.oracle, o.customer, o.asn, v.Connection, v.CloudAddress, v.CustomerAddress, v.ASN))
		}
		return "", false
	})
}

// planFastConnect plans the deletions of findGoneFastConnect (circuits
// first, then attachments, then DRGs), and the VPCs' DRGs, their VCN
// attachments and the circuits, each waited for until it is there.
func (pl *planner) planFastConnect() {
	p, w := pl.p, pl.w
	planDeletes(pl, phDelVc, pl.goneVc, w.vcs, "VirtualCircuit", "virtual circuit", func(ctx context.Context, id string) error {
		_, err := p.vn.DeleteVirtualCircuit(ctx, core.DeleteVirtualCircuitRequest{VirtualCircuitId: &id})
		return err
	}, func(ctx context.Context, id string) (string, error) {
		r, err := p.vn.GetVirtualCircuit(ctx, core.GetVirtualCircuitRequest{VirtualCircuitId: &id})
		return string(r.LifecycleState), err
	})
	planDeletes(pl, phDelDrgAtt, pl.goneDrgAtt, w.drgAtts, "DrgAttachment", "drg attachment", func(ctx context.Context, id string) error {
		_, err := p.vn.DeleteDrgAttachment(ctx, core.DeleteDrgAttachmentRequest{DrgAttachmentId: &id})
		return err
	}, func(ctx context.Context, id string) (string, error) {
		r, err := p.vn.GetDrgAttachment(ctx, core.GetDrgAttachmentRequest{DrgAttachmentId: &id})
		if r.LifecycleState == core.DrgAttachmentLifecycleStateDetached {
			return "TERMINATED", err
		}
		return string(r.LifecycleState), err
	})
	planDeletes(pl, phDelDrg, pl.goneDrg, w.drgs, "Drg", "drg", func(ctx context.Context, id string) error {
		_, err := p.vn.DeleteDrg(ctx, core.DeleteDrgRequest{DrgId: &id})
		return err
	}, func(ctx context.Context, id string) (string, error) {
		r, err := p.vn.GetDrg(ctx, core.GetDrgRequest{DrgId: &id})
		return string(r.LifecycleState), err
	})
	drgs := pl.wantDrgs()
	for _, k := range cloud.SortedKeys(drgs) {
		pl.planDrg(k, drgs[k])
	}
	for _, v := range pl.d.VirtualInterfaces {
		pl.planCircuit(v)
	}
}

// planDrg plans VPC vk's DRG k and its attachment to the VCN.
func (pl *planner) planDrg(k, vk string) {
	p, w := pl.p, pl.w
	if !cloud.Keeps(w.drgs, pl.goneDrg, k) {
		pl.add(phDrg, "CreateDrg", k, "compartmentId="+p.compartmentRef(), "create drg "+k, func(ctx context.Context) error {
			var id string
			if err := call(ctx, func(ctx context.Context) error {
				r, err := p.vn.CreateDrg(ctx, core.CreateDrgRequest{CreateDrgDetails: core.CreateDrgDetails{CompartmentId: &p.compartment,
					DisplayName: common.String(k), FreeformTags: p.tags(k)}})
				id = str(r.Id)
				return err
			}); err != nil {
				return err
			}
			if err := p.await(ctx, "drg "+k, func(ctx context.Context) (string, error) {
				r, err := p.vn.GetDrg(ctx, core.GetDrgRequest{DrgId: &id})
				return string(r.LifecycleState), err
			}, "AVAILABLE"); err != nil {
				return err
			}
			w.drgs[k] = &cloud.Object{Key: k, ID: id}
			return nil
		})
	}
	if cloud.Keeps(w.drgAtts, pl.goneDrgAtt, k) {
		return
	}
	detail := "drgId=" + cloud.Ref(w.drgs, pl.goneDrg, k) + " vcnId=" + cloud.Ref(w.vcns, pl.goneVcn, vk)
	pl.add(phDrgAtt, "CreateDrgAttachment", k, detail, "attach drg "+k, func(ctx context.Context) error {
		drg, err := cloud.IDOf(w.drgs, "drg", k)
		if err != nil {
			return err
		}
		vcn, err := cloud.IDOf(w.vcns, "vcn", vk)
		if err != nil {
			return err
		}
		var id string
		if err := call(ctx, func(ctx context.Context) error {
			r, err := p.vn.CreateDrgAttachment(ctx, core.CreateDrgAttachmentRequest{CreateDrgAttachmentDetails: core.CreateDrgAttachmentDetails{
				DrgId: &drg, VcnId: &vcn, DisplayName: common.String(k), FreeformTags: p.tags(k)}})
			id = str(r.Id)
			return err
		}); err != nil {
			return err
		}
		if err := p.await(ctx, "drg attachment "+k, func(ctx context.Context) (string, error) {
			r, err := p.vn.GetDrgAttachment(ctx, core.GetDrgAttachmentRequest{DrgAttachmentId: &id})
			return string(r.LifecycleState), err
		}, "ATTACHED"); err != nil {
			return err
		}
		w.drgAtts[k] = &drgAttObj{Object: cloud.Object{Key: k, ID: id}, drg: drg, vcn: vcn}
		return nil
	})
}

// planCircuit plans virtual interface v's private virtual circuit.
func (pl *planner) planCircuit(v cloud.VirtualInterface) {
	p, w := pl.p, pl.w
	if cloud.Keeps(w.vcs, pl.goneVc, v.Key) {
		return
	}
	k := drgKey(v.VPC)
	detail := fmt.Sprintf("type=PRIVATE gatewayId=%s customerAsn=%d crossConnectMappings=[%s oracleBgpPeeringIp=%s customerBgpPeeringIp=%s vlan=%d]",
		cloud.Ref(w.drgs, pl.goneDrg, k), v.ASN, v.Connection, v.CloudAddress, v.CustomerAddress, v.VLAN)
	pl.add(phVc, "CreateVirtualCircuit", v.Key, detail, "create virtual circuit "+v.Key, func(ctx context.Context) error {
		drg, err := cloud.IDOf(w.drgs, "drg", k)
		if err != nil {
			return err
		}
		var id string
		if err := call(ctx, func(ctx context.Context) error {
			r, err := p.vn.CreateVirtualCircuit(ctx, core.CreateVirtualCircuitRequest{CreateVirtualCircuitDetails: core.CreateVirtualCircuitDetails{
				CompartmentId: &p.compartment, Type: core.CreateVirtualCircuitDetailsTypePrivate, GatewayId: &drg,
				CustomerAsn: common.Int64(int64(v.ASN)), DisplayName: common.String(v.Key), FreeformTags: p.tags(v.Key),
				CrossConnectMappings: []core.CrossConnectMapping{{CrossConnectOrCrossConnectGroupId: common.String(v.Connection),
					OracleBgpPeeringIp: common.String(v.CloudAddress.String()), CustomerBgpPeeringIp: common.String(v.CustomerAddress.String()),
					Vlan: common.Int(int(v.VLAN))}}}})
			id = str(r.Id)
			return err
		}); err != nil {
			return err
		}
		if err := p.await(ctx, "virtual circuit "+v.Key, func(ctx context.Context) (string, error) {
			r, err := p.vn.GetVirtualCircuit(ctx, core.GetVirtualCircuitRequest{VirtualCircuitId: &id})
			return string(r.LifecycleState), err
		}, "PROVISIONED"); err != nil {
			return err
		}
		w.vcs[v.Key] = &vcObj{Object: cloud.Object{Key: v.Key, ID: id}, drg: drg, line: v.Connection,
			oracle: v.CloudAddress, customer: v.CustomerAddress, asn: int64(v.ASN)}
		return nil
	})
}

// planDeletes plans in phase ph the deletion of each object of objs in
// gone (Delete<kind>), waited for until it is TERMINATED.
func planDeletes[T interface {
	comparable
	cloud.Keyed
	Name() string
}](pl *planner, ph int, gone cloud.Gone, objs map[string]T, kind, noun string,
	del func(ctx context.Context, id string) error, get func(ctx context.Context, id string) (string, error)) {
	for _, k := range cloud.SortedKeys(gone) {
		o := objs[k]
		_, id := o.KeyID()
		pl.add(ph, "Delete"+kind, o.Name(), cloud.Why(id, gone[k]), "delete "+noun+" "+o.Name(), func(ctx context.Context) error {
			if err := pl.p.deleteAndWait(ctx, noun+" "+o.Name(), func(ctx context.Context) error { return del(ctx, id) },
				func(ctx context.Context) (string, error) { return get(ctx, id) }); err != nil {
				return err
			}
			cloud.Drop(objs, k, o)
			return nil
		})
	}
}
