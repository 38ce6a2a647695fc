package gcp

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	compute "google.golang.org/api/compute/v1"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// A private line's virtual interface on GCP is a Dedicated Interconnect
// VLAN attachment (on the lab's interconnect named by the interface's
// Connection) bound to a Cloud Router of its own in the VPC's network and
// region, of the interface's CloudASN, with an interface on the
// attachment and a BGP peer at the customer's address: GCP routes to an
// attachment only by what the Cloud Router learns, so the site's router
// peers with it (controller/intent edge.go). The attachment's link-local
// /29 is the one candidate subnet, so that its addresses are the
// interface's.
// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/creating-vlan-attachments — create the Cloud Router, the attachment on the interconnect with it, then the router's interface and BGP peer
// GCP: https://cloud.google.com/compute/docs/reference/rest/v1/interconnectAttachments — candidateSubnets: the /29s in 169.254.0.0/16 the BGP addresses are picked from

// routerObj is the Cloud Router of a virtual interface (Key: its key).
type routerObj struct {
	cloud.Object
	name, region, network string
	peered                bool // it has its BGP peer
}

// attObj is the attachment of a virtual interface (Key: its key).
type attObj struct {
	cloud.Object
	name, region string
	cloud        netip.Prefix // cloudRouterIpAddress
}

// listRouters reads the owner's Cloud Routers of every region.
func (p *Provider) listRouters(ctx context.Context, w *world) error {
	var objs []*routerObj
	err := p.svc.Routers.AggregatedList(p.project).Pages(ctx, func(l *compute.RouterAggregatedList) error {
		for _, scoped := range l.Items {
			for _, r := range scoped.Routers {
				key, mine := p.owned(r.Description)
				if !mine {
					w.other("routers", r.Name)
					continue
				}
				objs = append(objs, &routerObj{Object: cloud.Object{Key: key, ID: path(r.SelfLink)}, name: r.Name,
					region: nameOf(r.Region), network: path(r.Network), peered: len(r.BgpPeers) > 0})
			}
		}
		return nil
	})
	w.routers = cloud.Index(objs)
	return wrapList("routers", err)
}

// listAttachments reads the owner's VLAN attachments of every region.
func (p *Provider) listAttachments(ctx context.Context, w *world) error {
	var objs []*attObj
	err := p.svc.InterconnectAttachments.AggregatedList(p.project).Pages(ctx, func(l *compute.InterconnectAttachmentAggregatedList) error {
		for _, scoped := range l.Items {
			for _, a := range scoped.InterconnectAttachments {
				key, mine := p.owned(a.Description)
				if !mine {
					w.other("interconnectAttachments", a.Name)
					continue
				}
				c, _ := netip.ParsePrefix(a.CloudRouterIpAddress)
				objs = append(objs, &attObj{Object: cloud.Object{Key: key, ID: path(a.SelfLink)}, name: a.Name, region: nameOf(a.Region), cloud: c})
			}
		}
		return nil
	})
	w.atts = cloud.Index(objs)
	return wrapList("interconnectAttachments", err)
}

// findGoneInterconnects decides which routers and attachments go: those
// of interfaces gone, and those whose network, region or addresses
// differ (replaced).
func (pl *planner) findGoneInterconnects() {
	w := pl.w
	want := map[string]cloud.VirtualInterface{}
	for _, v := range pl.d.VirtualInterfaces {
		want[v.Key] = v
	}
	cloud.FindGone(pl.goneRouter, w.routers, want, func(_ string, o *routerObj, v cloud.VirtualInterface) (string, bool) {
		switch {
		case !cloud.Keeps(w.nets, pl.goneNet, v.VPC) || o.network != w.nets[v.VPC].ID:
			return cloud.Replace("replace with network " + v.VPC)
		case o.region != pl.region(v.VPC):
			return cloud.Replace(fmt.Sprintf("replace: region %s -> %s", o.region, pl.region(v.VPC)))
		}
		return "", false
	})
	cloud.FindGone(pl.goneAtt, w.atts, want, func(k string, o *attObj, v cloud.VirtualInterface) (string, bool) {
		switch {
		case pl.goneRouter.Has(k) || !cloud.Keeps(w.routers, pl.goneRouter, k):
			return cloud.Replace("replace with router " + k)
		case o.cloud != v.CloudAddress:
			return cloud.Replace(fmt.Sprintf("replace: cloudRouterIpAddress %s -> %s", o.cloud, v.CloudAddress))
		}
		return "", false
	})
}

// planInterconnects plans the deletions of findGoneInterconnects, then
// each interface's Cloud Router, its attachment, and the router's
// interface and BGP peer on it.
func (pl *planner) planInterconnects() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneAtt) {
		o := w.atts[k]
		pl.add(phDelAtt, "interconnectAttachments.delete", o.Name(), cloud.Why(o.ID, pl.goneAtt[k]), "delete attachment "+o.Name(), func(ctx context.Context) error {
			// The router's interface on it goes first, with its peer.
			// GCP: https://cloud.google.com/network-connectivity/docs/interconnect/how-to/dedicated/modifying-vlan-attachments#delete — remove the attachment's BGP session and interface from the Cloud Router, then delete it
			if r := w.routers[k]; r != nil && r.peered {
				rt := &compute.Router{ForceSendFields: []string{"Interfaces", "BgpPeers"}}
				if err := p.run(ctx, p.svc.Routers.Patch(p.project, r.region, r.name, rt).Context(ctx)); err != nil {
					return err
				}
				r.peered = false
			}
			if err := p.run(ctx, p.svc.InterconnectAttachments.Delete(p.project, o.region, o.name).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.atts, k, o)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.goneRouter) {
		o := w.routers[k]
		pl.add(phDelRouter, "routers.delete", o.Name(), cloud.Why(o.ID, pl.goneRouter[k]), "delete router "+o.Name(), func(ctx context.Context) error {
			if err := p.run(ctx, p.svc.Routers.Delete(p.project, o.region, o.name).Context(ctx)); err != nil {
				return err
			}
			cloud.Drop(w.routers, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VirtualInterfaces {
		pl.planInterconnect(v)
	}
}

// planInterconnect plans one interface's router, attachment and peer.
func (pl *planner) planInterconnect(v cloud.VirtualInterface) {
	p, w := pl.p, pl.w
	region, rname, aname := pl.region(v.VPC), p.gcpName("cr", v.Key), p.gcpName("ic", v.Key)
	if !cloud.Keeps(w.routers, pl.goneRouter, v.Key) && pl.free("routers", rname, v.Key) {
		detail := "region=" + region + " name=" + rname + " network=" + cloud.Ref(w.nets, pl.goneNet, v.VPC) + " bgp.asn=" + strconv.FormatUint(uint64(v.CloudASN), 10)
		pl.add(phRouter, "routers.insert", v.Key, detail, "create router "+v.Key, func(ctx context.Context) error {
			n, ok := w.nets[v.VPC]
			if !ok {
				return cloud.ErrNotExist("network", v.VPC)
			}
			r := &compute.Router{Name: rname, Description: p.describe(v.Key), Network: n.link, Bgp: &compute.RouterBgp{Asn: int64(v.CloudASN)}}
			if err := p.run(ctx, p.svc.Routers.Insert(p.project, region, r).Context(ctx)); err != nil {
				return err
			}
			out, err := get(ctx, p.svc.Routers.Get(p.project, region, rname).Context(ctx).Do)
			if err != nil {
				return err
			}
			w.routers[v.Key] = &routerObj{Object: cloud.Object{Key: v.Key, ID: path(out.SelfLink)}, name: rname, region: region, network: n.ID}
			return nil
		})
	}
	if !cloud.Keeps(w.atts, pl.goneAtt, v.Key) && pl.free("interconnectAttachments", aname, v.Key) {
		detail := fmt.Sprintf("region=%s name=%s type=DEDICATED interconnect=global/interconnects/%s router=%s vlanTag8021q=%d candidateSubnets=%s",
			region, aname, v.Connection, cloud.Ref(w.routers, pl.goneRouter, v.Key), v.VLAN, v.CloudAddress.Masked())
		pl.add(phAtt, "interconnectAttachments.insert", v.Key, detail, "create attachment "+v.Key, func(ctx context.Context) error {
			r, ok := w.routers[v.Key]
			if !ok {
				return cloud.ErrNotExist("router", v.Key)
			}
			a := &compute.InterconnectAttachment{Name: aname, Description: p.describe(v.Key), Type: "DEDICATED", Router: r.ID,
				Interconnect: "projects/" + p.project + "/global/interconnects/" + v.Connection, VlanTag8021q: int64(v.VLAN),
				CandidateSubnets: []string{v.CloudAddress.Masked().String()}}
			if err := p.run(ctx, p.svc.InterconnectAttachments.Insert(p.project, region, a).Context(ctx)); err != nil {
				return err
			}
			out, err := get(ctx, p.svc.InterconnectAttachments.Get(p.project, region, aname).Context(ctx).Do)
			if err != nil {
				return err
			}
			c, _ := netip.ParsePrefix(out.CloudRouterIpAddress)
			w.atts[v.Key] = &attObj{Object: cloud.Object{Key: v.Key, ID: path(out.SelfLink)}, name: aname, region: region, cloud: c}
			return nil
		})
	}
	if r := w.routers[v.Key]; r != nil && r.peered && cloud.Keeps(w.routers, pl.goneRouter, v.Key) && cloud.Keeps(w.atts, pl.goneAtt, v.Key) {
		return
	}
	detail := fmt.Sprintf("interfaces=[ic0 linkedInterconnectAttachment=%s] bgpPeers=[site interfaceName=ic0 peerIpAddress=%s peerAsn=%d]",
		cloud.Ref(w.atts, pl.goneAtt, v.Key), v.CustomerAddress.Addr(), v.ASN)
	pl.add(phPeer, "routers.patch", v.Key, detail, "peer router "+v.Key, func(ctx context.Context) error {
		r, a := w.routers[v.Key], w.atts[v.Key]
		if r == nil || a == nil {
			return cloud.ErrNotExist("router or attachment", v.Key)
		}
		rt := &compute.Router{Interfaces: []*compute.RouterInterface{{Name: "ic0", LinkedInterconnectAttachment: a.ID}},
			BgpPeers: []*compute.RouterBgpPeer{{Name: "site", InterfaceName: "ic0", PeerIpAddress: v.CustomerAddress.Addr().String(), PeerAsn: int64(v.ASN)}}}
		if err := p.run(ctx, p.svc.Routers.Patch(p.project, r.region, r.name, rt).Context(ctx)); err != nil {
			return err
		}
		r.peered = true
		return nil
	})
}
