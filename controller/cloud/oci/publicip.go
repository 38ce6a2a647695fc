package oci

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planVnic plans the in-place change of a kept instance's VNIC: its NSGs
// and its source/destination check.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Vnic/UpdateVnic — nsgIds (replaces the list), skipSourceDestCheck
func (pl *planner) planVnic(i cloud.Instance) {
	p, w := pl.p, pl.w
	o := w.insts[i.Key]
	var have []string
	for _, id := range o.nsgs {
		if k := cloud.KeyByID(w.nsgs, id); k != "" && !pl.goneNsg.Has(k) {
			have = append(have, k)
		} else {
			have = append(have, id)
		}
	}
	if slices.Equal(sorted(have), sorted(i.SecurityGroups)) && o.skip == !i.SourceDestCheck {
		return
	}
	detail := fmt.Sprintf("%s skipSourceDestCheck=%t nsgIds=[%s]", o.vnic, !i.SourceDestCheck, strings.Join(pl.groupRefs(i), ","))
	pl.add(phVnic, "UpdateVnic", i.Key, detail, "update vnic of "+i.Key, func(ctx context.Context) error {
		nsgs, err := pl.nsgIDs(i)
		if err != nil {
			return err
		}
		if err := call(ctx, func(ctx context.Context) error {
			_, err := p.vn.UpdateVnic(ctx, core.UpdateVnicRequest{VnicId: &o.vnic, UpdateVnicDetails: core.UpdateVnicDetails{
				NsgIds: nsgs, SkipSourceDestCheck: common.Bool(!i.SourceDestCheck)}})
			return err
		}); err != nil {
			return err
		}
		o.nsgs, o.skip = nsgs, !i.SourceDestCheck
		return nil
	})
}

// planPublicIPs plans the instances' reserved public IPs: gone ones
// deleted, missing ones reserved on the instance's primary private IP,
// and one left on another private IP (its instance replaced) moved.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingpublicIPs.htm — a reserved public IP persists until deleted and can move between private IPs
func (pl *planner) planPublicIPs() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.gonePub) {
		o := w.pubs[k]
		pl.add(phDelPub, "DeletePublicIp", o.Name(), cloud.Why(o.ID, pl.gonePub[k]), "delete public IP "+o.Name(), func(ctx context.Context) error {
			if err := p.deleteAndWait(ctx, "public IP "+o.Name(), func(ctx context.Context) error {
				_, err := p.vn.DeletePublicIp(ctx, core.DeletePublicIpRequest{PublicIpId: &o.ID})
				return err
			}, p.pubState(o.ID)); err != nil {
				return err
			}
			cloud.Drop(w.pubs, k, o)
			return nil
		})
	}
	for _, i := range pl.d.Instances {
		if !i.PublicIP {
			continue
		}
		keptInst := cloud.Keeps(w.insts, pl.goneInst, i.Key)
		if cloud.Keeps(w.pubs, pl.gonePub, i.Key) {
			o := w.pubs[i.Key]
			if keptInst && o.assigned == w.insts[i.Key].privateIPID {
				continue
			}
			pl.add(phPub, "UpdatePublicIp", i.Key, o.ID+" privateIpId="+cloud.Ref(w.insts, pl.goneInst, i.Key)+"/primary", "move public IP "+i.Key, func(ctx context.Context) error {
				return pl.assignPub(ctx, i.Key, o.ID)
			})
			continue
		}
		pl.add(phPub, "CreatePublicIp", i.Key, "lifetime=RESERVED privateIpId="+cloud.Ref(w.insts, pl.goneInst, i.Key)+"/primary", "reserve public IP "+i.Key, func(ctx context.Context) error {
			return pl.assignPub(ctx, i.Key, "")
		})
	}
}

// pubState is a public IP's lifecycle state, as await polls it.
func (p *Provider) pubState(id string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		r, err := p.vn.GetPublicIp(ctx, core.GetPublicIpRequest{PublicIpId: &id})
		return string(r.LifecycleState), err
	}
}

// assignPub reserves a public IP on instance key's primary private IP
// (id ""), or moves reserved public IP id there, and waits until it is
// ASSIGNED.
func (pl *planner) assignPub(ctx context.Context, key, id string) error {
	p, w := pl.p, pl.w
	inst, ok := w.insts[key]
	if !ok || inst.privateIPID == "" {
		return cloud.ErrNotExist("instance", key)
	}
	if err := call(ctx, func(ctx context.Context) error {
		if id != "" {
			_, err := p.vn.UpdatePublicIp(ctx, core.UpdatePublicIpRequest{PublicIpId: &id, UpdatePublicIpDetails: core.UpdatePublicIpDetails{PrivateIpId: &inst.privateIPID}})
			return err
		}
		r, err := p.vn.CreatePublicIp(ctx, core.CreatePublicIpRequest{CreatePublicIpDetails: core.CreatePublicIpDetails{CompartmentId: &p.compartment,
			Lifetime: core.CreatePublicIpDetailsLifetimeReserved, PrivateIpId: &inst.privateIPID, DisplayName: common.String(key), FreeformTags: p.tags(key)}})
		id = str(r.Id)
		return err
	}); err != nil {
		return err
	}
	if err := p.await(ctx, "public IP "+key, p.pubState(id), "ASSIGNED"); err != nil {
		return err
	}
	var r core.GetPublicIpResponse
	if err := call(ctx, func(ctx context.Context) error {
		var err error
		r, err = p.vn.GetPublicIp(ctx, core.GetPublicIpRequest{PublicIpId: &id})
		return err
	}); err != nil {
		return err
	}
	addr, _ := netip.ParseAddr(str(r.IpAddress))
	w.pubs[key] = &pubObj{Object: cloud.Object{Key: key, ID: id}, addr: addr, assigned: inst.privateIPID}
	return nil
}
