package azure

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planGroups plans the resource groups the VPCs are in: a group that does
// not exist is made (one that does, the owner's or not, is used as it
// is: a PUT would replace its tags). A group the owner made that no VPC
// uses any longer is deleted once what was in it is, unless it holds
// another's objects, which deleting it would delete.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/manage-resource-groups-portal — a resource group holds resources of one lifecycle
func (pl *planner) planGroups() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneRG) {
		g := w.groups[k]
		if w.foreign[strings.ToLower(g.Key)] {
			continue
		}
		pl.add(phDelGroup, nsResources, "resourceGroups/delete", g.Name(), "", "delete resource group "+g.Name(), func(ctx context.Context) error {
			if _, err := begun(p.groups.BeginDelete(ctx, g.Key, nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.groups, k, g)
			return nil
		})
	}
	for _, name := range cloud.SortedKeys(pl.wantRG) {
		if w.allGroups[strings.ToLower(name)] {
			continue
		}
		loc := pl.wantRG[name]
		pl.add(phGroup, nsResources, "resourceGroups/write", name, "location="+loc, "create resource group "+name, func(ctx context.Context) error {
			out, err := p.groups.CreateOrUpdate(ctx, name, armresources.ResourceGroup{Location: &loc, Tags: p.tagsOf(name)}, nil)
			if err != nil {
				return err
			}
			w.groups[name] = &groupObj{Object: cloud.Object{Key: name, ID: str(out.ID)}, location: loc}
			w.allGroups[strings.ToLower(name)] = true
			return nil
		})
	}
}

func (pl *planner) planVNets() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVNet) {
		o := w.vnets[k]
		pl.add(phDelVNet, nsNetwork, "virtualNetworks/delete", o.Name(), cloud.Why("id="+o.ID, pl.goneVNet[k]), "delete virtual network "+o.Name(), func(ctx context.Context) error {
			if _, err := begun(p.vnets.BeginDelete(ctx, o.group, nameOf(o.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.vnets, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		if cloud.Keeps(w.vnets, pl.goneVNet, v.Key) {
			continue
		}
		rg, loc, name := pl.group(v.Key), pl.location(v.Key), azName(v.Key)
		if !pl.free("Microsoft.Network/virtualNetworks", rg, name, v.Key) {
			continue
		}
		detail := "resourceGroup=" + rg + " location=" + loc + " addressSpace=" + v.CIDR.String()
		pl.add(phVNet, nsNetwork, "virtualNetworks/write", v.Key, detail, "create virtual network "+v.Key, func(ctx context.Context) error {
			out, err := begun(p.vnets.BeginCreateOrUpdate(ctx, rg, name, armnetwork.VirtualNetwork{Location: &loc, Tags: p.tagsOf(v.Key),
				Properties: &armnetwork.VirtualNetworkPropertiesFormat{AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(v.CIDR.String())}}}}, nil)).wait(ctx, p.freq)
			if err != nil {
				return err
			}
			o := &vnetObj{Object: cloud.Object{Key: v.Key, ID: str(out.ID)}, group: rg, location: loc}
			o.space = append(o.space, v.CIDR)
			w.vnets[v.Key] = o
			return nil
		})
	}
}

// planTables gives each subnet a route table of its own, keyed like it.
func (pl *planner) planTables() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneTable) {
		t := w.tables[k]
		ph := phDelTable
		if s, ok := w.subnets[k]; ok && !pl.goneSubnet.Has(k) && strings.EqualFold(s.tableID, t.ID) {
			ph = phLateDelTable // its subnet takes the new table first
		}
		pl.add(ph, nsNetwork, "routeTables/delete", t.Name(), cloud.Why("id="+t.ID, pl.goneTable[k]), "delete route table "+t.Name(), func(ctx context.Context) error {
			if _, err := begun(p.tables.BeginDelete(ctx, t.group, nameOf(t.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.tables, k, t)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			if cloud.Keeps(w.tables, pl.goneTable, s.Key) {
				continue
			}
			rg, loc, name := pl.group(v.Key), pl.location(v.Key), azName(s.Key)
			if !pl.free("Microsoft.Network/routeTables", rg, name, s.Key) {
				continue
			}
			// The table is made with its static routes: one call.
			routes := pl.staticRoutes(s.Key)
			detail := "resourceGroup=" + rg + " location=" + loc
			if len(routes) > 0 {
				detail += " routes=[" + routeList(routes) + "]"
			}
			pl.add(phTable, nsNetwork, "routeTables/write", s.Key, detail, "create route table "+s.Key, func(ctx context.Context) error {
				props := &armnetwork.RouteTablePropertiesFormat{}
				for _, r := range routes {
					props.Routes = append(props.Routes, r.sdk())
				}
				out, err := begun(p.tables.BeginCreateOrUpdate(ctx, rg, name, armnetwork.RouteTable{Location: &loc, Tags: p.tagsOf(s.Key), Properties: props}, nil)).wait(ctx, p.freq)
				if err != nil {
					return err
				}
				t := &tableObj{Object: cloud.Object{Key: s.Key, ID: str(out.ID)}, group: rg, location: loc, routes: map[string]routeObj{}}
				for _, r := range routes {
					t.routes[r.name] = r
				}
				w.tables[s.Key] = t
				return nil
			})
		}
	}
}

// planSubnets plans the subnets, each on its route table.
func (pl *planner) planSubnets() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneSubnet) {
		o := w.subnets[k]
		// Deleting its VNet would delete it, but its route table can go
		// only once it is gone.
		pl.add(phDelSubnet, nsNetwork, "virtualNetworks/subnets/delete", o.Name(), cloud.Why("id="+o.ID, pl.goneSubnet[k]), "delete subnet "+o.Name(), func(ctx context.Context) error {
			if _, err := begun(p.subnets.BeginDelete(ctx, o.vnetGroup, o.vnetName, o.name, nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.subnets, k, o)
			return nil
		})
	}
	for _, v := range pl.d.VPCs {
		for _, s := range v.Subnets {
			action, what := "virtualNetworks/subnets/write", "create subnet "+s.Key
			if cloud.Keeps(w.subnets, pl.goneSubnet, s.Key) {
				o := w.subnets[s.Key]
				if cloud.Keeps(w.tables, pl.goneTable, s.Key) && strings.EqualFold(o.tableID, w.tables[s.Key].ID) {
					continue
				}
				what = "set route table of subnet " + s.Key
			}
			pl.putSubnet(v, s, action, what)
		}
	}
}

// putSubnet creates a subnet, or sets its route table, with one PUT of the
// subnet (a PUT replaces what it leaves out, so the NSG and NAT gateway
// an existing subnet has are kept).
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/subnets/create-or-update
func (pl *planner) putSubnet(v cloud.VPC, s cloud.Subnet, action, what string) {
	p, w := pl.p, pl.w
	rg, name := pl.group(v.Key), subnetName(v.Key, s.Key)
	detail := "virtualNetwork=" + cloud.Ref(w.vnets, pl.goneVNet, v.Key) + " addressPrefix=" + s.CIDR.String() +
		" routeTable=" + cloud.Ref(w.tables, pl.goneTable, s.Key)
	pl.add(phSubnet, nsNetwork, action, s.Key, detail, what, func(ctx context.Context) error {
		vnet, ok := w.vnets[v.Key]
		if !ok {
			return cloud.ErrNotExist("virtual network", v.Key)
		}
		table, err := cloud.IDOf(w.tables, "route table", s.Key)
		if err != nil {
			return err
		}
		props := &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(s.CIDR.String()), RouteTable: &armnetwork.RouteTable{ID: &table}}
		if o, ok := w.subnets[s.Key]; ok && strings.EqualFold(o.vnetID, vnet.ID) {
			if o.nsgID != "" {
				props.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: &o.nsgID}
			}
			if o.natGateway != "" {
				props.NatGateway = &armnetwork.SubResource{ID: &o.natGateway}
			}
		}
		out, err := begun(p.subnets.BeginCreateOrUpdate(ctx, rg, nameOf(vnet.ID), name, armnetwork.Subnet{Properties: props}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		o := toSubnet(vnet, &out.Subnet)
		o.Key = s.Key
		w.subnets[s.Key] = o
		return nil
	})
}
