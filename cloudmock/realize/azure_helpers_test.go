package realize

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/cloudmock/model"
	"github.com/mcnlab/mcnlab/emulator/netns"
)

// azSub is the Azure subscription of the Azure tests; its resources live
// in resource group rg, region eastus.
const azSub = "00000000-0000-0000-0000-0000000000a1"

// newAzureLab is newLab with an Azure subscription and its resource
// group; opts, if given, set the realizer's options.
func newAzureLab(t *testing.T, opts ...func(*Options)) *lab {
	t.Helper()
	c := model.New()
	c.AddAccount(model.Account{ID: acct, Limits: model.DefaultLimits()})
	c.AddAccount(model.Account{ID: azSub, Provider: model.ProviderAzure})
	must[model.Scope](t)(c.CreateScope(azSub, model.Place{Region: "eastus", Name: "rg"}, nil))
	return newLabOn(t, c, func(o *Options) {
		for _, opt := range opts {
			opt(o)
		}
	})
}

// vnet makes a virtual network with one subnet per prefix in subnets,
// named s0, s1, ...
func (l *lab) vnet(name, cidr string, subnets ...string) (model.Network, []model.Subnet) {
	l.t.Helper()
	n := must[model.Network](l.t)(l.cloud.CreateNetworkAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: name}, netip.MustParsePrefix(cidr), nil))
	var subs []model.Subnet
	for i, p := range subnets {
		at := model.Place{Scope: "rg/" + name, Name: "s" + strconv.Itoa(i)}
		subs = append(subs, must[model.Subnet](l.t)(l.cloud.CreateSubnetAt(azSub, n.ID, at, netip.MustParsePrefix(p), "", nil)))
	}
	return n, subs
}

// vm launches a VM with its NIC (name-nic) in a subnet.
func (l *lab) vm(s model.Subnet, name string) model.Instance {
	l.t.Helper()
	is := must[[]model.Instance](l.t)(l.cloud.RunInstances(azSub, model.LaunchSpec{SubnetID: s.ID, Count: 1,
		Place: model.Place{Scope: "rg", Name: name}, InterfaceName: name + "-nic"}))
	return is[0]
}

// publicIP gives a VM's NIC a public IP address and returns it.
func (l *lab) publicIP(vm model.Instance) netip.Addr {
	l.t.Helper()
	pip := must[model.ElasticIP](l.t)(l.cloud.AllocateAddressAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: vm.Name + "-ip"}, nil))
	l.ok(l.cloud.AssociateAddress(azSub, pip.ID, vm.NetworkInterfaceID))
	return pip.PublicIP
}

// nsg makes a network security group with the given rules.
func (l *lab) nsg(name string, rules ...model.Rule) model.RuleSet {
	l.t.Helper()
	s := must[model.RuleSet](l.t)(l.cloud.CreateRuleSetAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: name}, model.RuleSetSpec{Flavor: model.FlavorNSG}))
	must[[]model.Rule](l.t)(l.cloud.ReplaceRules(azSub, model.FlavorNSG, s.ID, rules))
	return s
}

// nsgRule is an NSG rule: dir, priority, access, protocol ("-1" for *),
// destination port (-1 for *) and the peer (a prefix or a service tag).
func nsgRule(name string, dir model.Direction, prio int, a model.Action, proto string, port int, peer string) model.Rule {
	r := model.Rule{Name: name, Direction: dir, Priority: prio, Action: a, Protocol: proto, FromPort: port, ToPort: port, ICMPType: -1, ICMPCode: -1}
	if port < 0 && proto == "tcp" {
		r.FromPort, r.ToPort = 0, 65535
	}
	if p, err := netip.ParsePrefix(peer); err == nil {
		r.Peer.Prefix = p
	} else {
		r.Peer.ServiceTag = peer
	}
	return r
}

// routeTable makes a route table with the routes and associates it with
// the subnet.
func (l *lab) routeTable(name string, s model.Subnet, routes ...model.Route) model.RouteTable {
	l.t.Helper()
	rt := must[model.RouteTable](l.t)(l.cloud.CreateRouteTableAt(azSub, model.Place{Region: "eastus", Scope: "rg", Name: name}, nil))
	l.ok(l.cloud.ReplaceRoutes(azSub, rt.ID, routes))
	must[model.RouteTableAssociation](l.t)(l.cloud.AssociateRouteTable(azSub, rt.ID, s.ID))
	return rt
}

// toAppliance is a user-defined route to a virtual appliance.
func toAppliance(dst string, nva netip.Addr) model.Route {
	return model.Route{Name: "to-" + strings.NewReplacer(".", "-", "/", "-").Replace(dst), Destination: netip.MustParsePrefix(dst),
		Target: model.Target{Kind: model.TargetAddress, Addr: nva}}
}

// peer peers two VNets (both links made, so the peering is connected).
func (l *lab) peer(a, b model.Network) model.Peering {
	l.t.Helper()
	p := must[model.Peering](l.t)(l.cloud.RequestPeeringAt(azSub, model.Place{Scope: "rg/" + a.Name, Name: a.Name + "-" + b.Name}, a.ID, azSub, b.ID, nil))
	return must[model.Peering](l.t)(l.cloud.AcceptPeering(azSub, p.ID))
}

// forwarded reads how many packets namespace ns has forwarded (the
// kernel's Ip ForwDatagrams counter).
func (l *lab) forwarded(ns string) int {
	l.t.Helper()
	n := -1
	l.ok(netns.Do(ns, func() error {
		f, err := os.Open("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		defer f.Close()
		var head []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 0 || fields[0] != "Ip:" {
				continue
			}
			if head == nil {
				head = fields
				continue
			}
			for i, h := range head {
				if h == "ForwDatagrams" && i < len(fields) {
					n, err = strconv.Atoi(fields[i])
					return err
				}
			}
		}
		return sc.Err()
	}))
	if n < 0 {
		l.t.Fatalf("%s: no ForwDatagrams counter", ns)
	}
	return n
}
