package azure

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// observe reads the owner's objects: one list per kind, at subscription
// scope, paged as ARM pages (nextLink).
func (p *Provider) observe(ctx context.Context) (*world, error) {
	w := &world{allGroups: map[string]bool{}, foreign: map[string]bool{}, taken: map[string]bool{}}
	for _, step := range []func(context.Context, *world) error{
		p.listGroups, p.listVNets, p.listTables, p.listNSGs, p.listPIPs, p.listNICs, p.listVMs, p.listExpressRoute,
	} {
		if err := step(ctx, w); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// pager is an SDK pager of T pages.
type pager[T any] interface {
	More() bool
	NextPage(context.Context) (T, error)
}

// each calls f for every page of pg.
func each[T any](ctx context.Context, what string, pg pager[T], f func(T)) error {
	for pg.More() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s: %w", what, err)
		}
		f(page)
	}
	return nil
}

func (p *Provider) listGroups(ctx context.Context, w *world) error {
	var objs []*groupObj
	err := each(ctx, "resource groups", p.groups.NewListPager(nil), func(pg armresources.ResourceGroupsClientListResponse) {
		for _, g := range pg.Value {
			w.allGroups[strings.ToLower(str(g.Name))] = true
			if _, mine := p.owned(g.Tags); mine {
				objs = append(objs, &groupObj{Object: cloud.Object{Key: str(g.Name), ID: str(g.ID)}, location: str(g.Location)})
			}
		}
	})
	w.groups = cloud.Index(objs)
	return err
}

func (p *Provider) listVNets(ctx context.Context, w *world) error {
	var objs []*vnetObj
	var subnets []*subnetObj
	err := each(ctx, "virtual networks", p.vnets.NewListAllPager(nil), func(pg armnetwork.VirtualNetworksClientListAllResponse) {
		for _, v := range pg.Value {
			key, mine := p.owned(v.Tags)
			if !mine {
				w.other(str(v.ID))
				continue
			}
			o := &vnetObj{Object: cloud.Object{Key: key, ID: str(v.ID)}, group: groupOf(str(v.ID)), location: str(v.Location)}
			if pr := v.Properties; pr != nil {
				if pr.AddressSpace != nil {
					for _, a := range pr.AddressSpace.AddressPrefixes {
						o.space = append(o.space, prefix(a))
					}
				}
				for _, s := range pr.Subnets {
					subnets = append(subnets, toSubnet(o, s))
				}
			}
			objs = append(objs, o)
		}
	})
	w.vnets = cloud.Index(objs)
	w.subnets = cloud.Index(subnets)
	return err
}

// other records that the resource group of the object with the given ID
// holds an object that is not the owner's. A world made for one list
// (SyncRoutes) records nothing.
func (w *world) other(id string) {
	if w.foreign != nil {
		w.foreign[strings.ToLower(groupOf(id))] = true
		w.taken[strings.ToLower(id)] = true
	}
}

// toSubnet is a subnet of VNet v, keyed VNETKEY/NAME.
func toSubnet(v *vnetObj, s *armnetwork.Subnet) *subnetObj {
	o := &subnetObj{Object: cloud.Object{ID: str(s.ID)}, vnetID: v.ID, name: str(s.Name), vnetName: nameOf(v.ID), vnetGroup: v.group}
	if v.Key != "" {
		o.Key = v.Key + "/" + o.name
	}
	if pr := s.Properties; pr != nil {
		o.prefix = prefix(pr.AddressPrefix)
		if !o.prefix.IsValid() && len(pr.AddressPrefixes) > 0 {
			o.prefix = prefix(pr.AddressPrefixes[0])
		}
		if pr.RouteTable != nil {
			o.tableID = str(pr.RouteTable.ID)
		}
		if pr.NetworkSecurityGroup != nil {
			o.nsgID = str(pr.NetworkSecurityGroup.ID)
		}
		if pr.NatGateway != nil {
			o.natGateway = str(pr.NatGateway.ID)
		}
		o.hasNICs = len(pr.IPConfigurations) > 0
	}
	return o
}

func (p *Provider) listTables(ctx context.Context, w *world) error {
	var objs []*tableObj
	err := each(ctx, "route tables", p.tables.NewListAllPager(nil), func(pg armnetwork.RouteTablesClientListAllResponse) {
		for _, t := range pg.Value {
			key, mine := p.owned(t.Tags)
			if !mine {
				w.other(str(t.ID))
				continue
			}
			o := &tableObj{Object: cloud.Object{Key: key, ID: str(t.ID)}, group: groupOf(str(t.ID)), location: str(t.Location), routes: map[string]routeObj{}}
			if t.Properties != nil {
				for _, r := range t.Properties.Routes {
					rt := toRoute(r)
					o.routes[rt.name] = rt
				}
			}
			objs = append(objs, o)
		}
	})
	w.tables = cloud.Index(objs)
	return err
}

func toRoute(r *armnetwork.Route) routeObj {
	o := routeObj{name: str(r.Name)}
	if pr := r.Properties; pr != nil {
		o.dst = prefix(pr.AddressPrefix)
		if pr.NextHopType != nil {
			o.hopType = string(*pr.NextHopType)
		}
		o.hopIP = addr(pr.NextHopIPAddress)
	}
	return o
}

func (p *Provider) listNSGs(ctx context.Context, w *world) error {
	var objs []*nsgObj
	err := each(ctx, "network security groups", p.nsgs.NewListAllPager(nil), func(pg armnetwork.SecurityGroupsClientListAllResponse) {
		for _, g := range pg.Value {
			key, mine := p.owned(g.Tags)
			if !mine {
				w.other(str(g.ID))
				continue
			}
			o := &nsgObj{Object: cloud.Object{Key: key, ID: str(g.ID)}, group: groupOf(str(g.ID)), location: str(g.Location), rules: map[string]ruleObj{}}
			if g.Properties != nil {
				for _, r := range g.Properties.SecurityRules {
					ru := toRule(r)
					o.rules[ru.name] = ru
				}
			}
			objs = append(objs, o)
		}
	})
	w.nsgs = cloud.Index(objs)
	return err
}

func (p *Provider) listPIPs(ctx context.Context, w *world) error {
	var objs []*pipObj
	err := each(ctx, "public IP addresses", p.pips.NewListAllPager(nil), func(pg armnetwork.PublicIPAddressesClientListAllResponse) {
		for _, a := range pg.Value {
			key, mine := p.owned(a.Tags)
			if !mine {
				w.other(str(a.ID))
				continue
			}
			o := &pipObj{Object: cloud.Object{Key: key, ID: str(a.ID)}, group: groupOf(str(a.ID)), location: str(a.Location)}
			if a.Properties != nil {
				o.addr = addr(a.Properties.IPAddress)
			}
			objs = append(objs, o)
		}
	})
	w.pips = cloud.Index(objs)
	return err
}

func (p *Provider) listNICs(ctx context.Context, w *world) error {
	var objs []*nicObj
	err := each(ctx, "network interfaces", p.nics.NewListAllPager(nil), func(pg armnetwork.InterfacesClientListAllResponse) {
		for _, n := range pg.Value {
			if key, mine := p.owned(n.Tags); mine {
				objs = append(objs, toNIC(key, n))
			} else {
				w.other(str(n.ID))
			}
		}
	})
	w.nics = cloud.Index(objs)
	return err
}

// toNIC reads a NIC and its primary IP configuration.
func toNIC(key string, n *armnetwork.Interface) *nicObj {
	o := &nicObj{Object: cloud.Object{Key: key, ID: str(n.ID)}, group: groupOf(str(n.ID)), location: str(n.Location)}
	pr := n.Properties
	if pr == nil {
		return o
	}
	o.forwarding = pr.EnableIPForwarding != nil && *pr.EnableIPForwarding
	if pr.NetworkSecurityGroup != nil {
		o.nsgID = str(pr.NetworkSecurityGroup.ID)
	}
	if pr.VirtualMachine != nil {
		o.vmID = str(pr.VirtualMachine.ID)
	}
	// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get — macAddress: the NIC's MAC address (00-0D-3A-1B-C7-21) once its VM has it
	if mac, err := net.ParseMAC(str(pr.MacAddress)); err == nil {
		o.mac = mac.String()
	}
	for i, c := range pr.IPConfigurations {
		cp := c.Properties
		if cp == nil || (i > 0 && (cp.Primary == nil || !*cp.Primary)) {
			continue
		}
		o.ipConfig = str(c.Name)
		o.ip = addr(cp.PrivateIPAddress)
		o.static = cp.PrivateIPAllocationMethod != nil && *cp.PrivateIPAllocationMethod == armnetwork.IPAllocationMethodStatic
		if cp.Subnet != nil {
			o.subnetID = str(cp.Subnet.ID)
		}
		if cp.PublicIPAddress != nil {
			o.pipID = str(cp.PublicIPAddress.ID)
		}
		if cp.Primary != nil && *cp.Primary {
			break
		}
	}
	return o
}

func (p *Provider) listVMs(ctx context.Context, w *world) error {
	var objs []*vmObj
	err := each(ctx, "virtual machines", p.vms.NewListAllPager(nil), func(pg armcompute.VirtualMachinesClientListAllResponse) {
		for _, v := range pg.Value {
			if key, mine := p.owned(v.Tags); mine {
				objs = append(objs, toVM(key, v))
			} else {
				w.other(str(v.ID))
			}
		}
	})
	w.vms = cloud.Index(objs)
	return err
}

func toVM(key string, v *armcompute.VirtualMachine) *vmObj {
	o := &vmObj{Object: cloud.Object{Key: key, ID: str(v.ID)}, group: groupOf(str(v.ID)), location: str(v.Location)}
	pr := v.Properties
	if pr == nil {
		return o
	}
	if pr.HardwareProfile != nil && pr.HardwareProfile.VMSize != nil {
		o.size = string(*pr.HardwareProfile.VMSize)
	}
	if pr.StorageProfile != nil && pr.StorageProfile.ImageReference != nil {
		ir := pr.StorageProfile.ImageReference
		o.image = Image{str(ir.Publisher), str(ir.Offer), str(ir.SKU), str(ir.Version)}.String()
	}
	if pr.NetworkProfile != nil {
		for i, n := range pr.NetworkProfile.NetworkInterfaces {
			if i == 0 || (n.Properties != nil && n.Properties.Primary != nil && *n.Properties.Primary) {
				o.nicID = str(n.ID)
			}
			o.nicIDs = append(o.nicIDs, str(n.ID))
		}
	}
	return o
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func prefix(s *string) netip.Prefix {
	p, _ := netip.ParsePrefix(str(s))
	return p
}

func addr(s *string) netip.Addr {
	a, _ := netip.ParseAddr(str(s))
	return a
}

// groupOf is the resource group that a resource ID names
// ("/subscriptions/S/resourceGroups/G/providers/..."); ARM compares it
// without regard to case.
func groupOf(id string) string {
	w := strings.Split(id, "/")
	for i := 0; i+1 < len(w); i++ {
		if strings.EqualFold(w[i], "resourceGroups") {
			return w[i+1]
		}
	}
	return ""
}

// nameOf is the last word of a resource ID: the resource's name.
func nameOf(id string) string { return id[strings.LastIndex(id, "/")+1:] }
