package model

import (
	"slices"
	"time"
)

// InterfaceLaunch is one interface of a launch: an existing, unattached
// interface (ID), or a new one (Spec).
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html — DeviceIndex, NetworkInterfaceId or SubnetId with its addresses and groups, DeleteOnTermination
type InterfaceLaunch struct {
	DeviceIndex int
	ID          string
	Spec        InterfaceSpec
	// DeleteOnTermination, when nil, is true for an interface the launch
	// makes and false for an existing one.
	DeleteOnTermination *bool
}

// launchPlan is a checked launch: its interfaces by device index.
type launchPlan struct {
	ifaces  []InterfaceLaunch
	checks  []interfaceCheck // for new interfaces; zero for existing ones
	primary *Subnet
	v6count int // IPv6 addresses for a new primary interface (ipv6.go)
}

// interfacesOf returns a launch's interfaces: Interfaces, or the one
// primary interface that the flat fields describe.
func (spec LaunchSpec) interfacesOf() []InterfaceLaunch {
	if len(spec.Interfaces) > 0 {
		out := slices.Clone(spec.Interfaces)
		slices.SortStableFunc(out, func(a, b InterfaceLaunch) int { return a.DeviceIndex - b.DeviceIndex })
		return out
	}
	return []InterfaceLaunch{{Spec: InterfaceSpec{SubnetID: spec.SubnetID, PrivateIP: spec.PrivateIP, SecurityGroupIDs: spec.SecurityGroupIDs,
		SourceDestCheck: true, Place: Place{Scope: spec.Place.Scope, Name: spec.InterfaceName}}}}
}

// planLaunchLocked checks a launch against the model, changing nothing.
func (c *Cloud) planLaunchLocked(account string, spec LaunchSpec) (*launchPlan, error) {
	if spec.Count < 1 {
		return nil, errf(CodeInvalidParameter, KindInstance, "", "instance count %d must be at least 1", spec.Count)
	}
	if (spec.Place.Name != "" || spec.InterfaceName != "") && spec.Count != 1 {
		return nil, errf(CodeInvalidParameter, KindInstance, spec.Place.Name, "a name can be given only for one instance")
	}
	p := &launchPlan{ifaces: spec.interfacesOf()}
	if p.ifaces[0].DeviceIndex != 0 {
		return nil, errf(CodeInvalidParameter, KindNetworkInterface, "", "Each instance must have a network interface at device index 0.")
	}
	need := map[string]int{}
	for n, f := range p.ifaces {
		if n > 0 && f.DeviceIndex == p.ifaces[n-1].DeviceIndex {
			return nil, errf(CodeInvalidParameter, KindNetworkInterface, "", "Each network interface requires a unique device index.")
		}
		k, s, err := c.checkLaunchInterfaceLocked(account, spec.Count, f)
		if err != nil {
			return nil, err
		}
		if f.ID == "" {
			need[s.ID] += spec.Count * k.addresses()
		}
		p.checks = append(p.checks, k)
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html — an instance's interfaces are in its Availability Zone
		if n == 0 {
			p.primary = s
		} else if s.Zone != p.primary.Zone {
			return nil, errf(CodeInvalidParameter, KindNetworkInterface, "", "The subnets of the network interfaces are in different availability zones (%s, %s).", p.primary.Zone, s.Zone)
		}
	}
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/AvailableIpPerENI.html — the maximum network interfaces and addresses per interface, by instance type
	if lim, ok := InstanceTypeLimits(spec.Type); ok {
		if len(p.ifaces) > lim.Interfaces {
			return nil, errf(CodeLimitExceeded, KindInterfaceAttachment, "", "Interface count %d exceeds the limit for %s", len(p.ifaces), spec.Type)
		}
		for n, k := range p.checks {
			if p.ifaces[n].ID == "" && k.addresses() > lim.AddressesPerInterface {
				return nil, errf(CodeLimitExceeded, KindNetworkInterface, "", "Number of private addresses will exceed limit.")
			}
		}
	}
	if err := c.checkFreeLocked(need); err != nil {
		return nil, err
	}
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-ip-address-range.html — an instance in an IPv6-only subnet has no public IPv4 address
	if p.primary.IPv6Native && spec.PublicIP != nil && *spec.PublicIP {
		return nil, errf(CodeInvalidParameter, KindSubnet, p.primary.ID, "The subnet '%s' is IPv6-only: an instance in it cannot have a public IPv4 address.", p.primary.ID)
	}
	var err error
	if p.v6count, err = c.launchIPv6Locked(p.primary, spec); err != nil {
		return nil, err
	}
	if spec.PrimaryIPv6 && p.v6count == 0 && len(spec.IPv6Addrs) == 0 {
		return nil, errPrimaryIPv6()
	}
	return p, nil
}

// checkLaunchInterfaceLocked checks one interface of a launch of count
// instances and returns its check (new ones) and subnet.
func (c *Cloud) checkLaunchInterfaceLocked(account string, count int, f InterfaceLaunch) (interfaceCheck, *Subnet, error) {
	if f.ID != "" {
		e, err := c.enis.get(account, f.ID)
		if err != nil {
			return interfaceCheck{}, nil, err
		}
		if count != 1 {
			return interfaceCheck{}, nil, errf(CodeInvalidParameter, KindNetworkInterface, f.ID, "An existing network interface can be given only for one instance.")
		}
		if e.InstanceID != "" {
			return interfaceCheck{}, nil, errf(CodeAlreadyAssociated, KindNetworkInterface, f.ID, "Interface: [%s] in use.", f.ID)
		}
		s, err := c.subnetLocked(account, e.SubnetID)
		return interfaceCheck{}, s, err
	}
	if count != 1 && (f.Spec.PrivateIP.IsValid() || len(f.Spec.SecondaryIPs) > 0) {
		return interfaceCheck{}, nil, errf(CodeInvalidParameter, KindInstance, "", "a private address can be given only for one instance")
	}
	k, err := c.checkInterfaceLocked(account, f.Spec)
	return k, k.subnet, err
}

// RunInstances launches Count instances, each with its interfaces (a
// primary one in its subnet with the next free private address, unless
// Interfaces says otherwise), all or none.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html — SubnetId, PrivateIpAddress, SecurityGroupId.N, or NetworkInterface.N
func (c *Cloud) RunInstances(account string, spec LaunchSpec) ([]Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.planLaunchLocked(account, spec)
	if err != nil {
		return nil, err
	}
	resv := c.subIDLocked(account, KindReservation)
	now := time.Now().UTC().Truncate(time.Second)
	out := make([]Instance, 0, spec.Count)
	for index := range spec.Count {
		inst, err := c.launchOneLocked(account, spec, p, resv, now, index)
		if err != nil {
			return nil, err
		}
		out = append(out, inst.copy(c))
	}
	return out, nil
}

// launchOneLocked launches one instance of a checked launch.
func (c *Cloud) launchOneLocked(account string, spec LaunchSpec, p *launchPlan, resv string, now time.Time, index int) (*Instance, error) {
	s := p.primary
	instAt := Place{Region: s.Region, Scope: spec.Place.Scope, Name: spec.Place.Name}
	instID, err := c.newIDLocked(account, KindInstance, instAt)
	if err != nil {
		return nil, err
	}
	inst := &Instance{ID: instID, Account: account, Region: s.Region, NetworkID: s.NetworkID, SubnetID: s.ID, ImageID: spec.ImageID,
		Type: spec.Type, State: InstanceRunning, LaunchTime: now, ReservationID: resv, LaunchIndex: index, Boots: 1,
		DisableAPITermination: spec.DisableAPITermination, ShutdownBehavior: spec.ShutdownBehavior, UserData: spec.UserData,
		NetworkTags: slices.Clone(spec.NetworkTags), ServiceAccounts: slices.Clone(spec.ServiceAccounts)}
	var primary *NetworkInterface
	for n, f := range p.ifaces {
		var e *NetworkInterface
		if f.ID != "" {
			e = c.enis[f.ID]
			c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
		} else if e, err = c.addInterfaceLocked(account, p.checks[n]); err != nil {
			return nil, err
		}
		del := f.ID == ""
		if f.DeleteOnTermination != nil {
			del = *f.DeleteOnTermination
		}
		c.attachInterfaceLocked(e, inst, f.DeviceIndex, del, now)
		if n == 0 {
			inst.NetworkInterfaceID, inst.PrivateIP, inst.SecurityGroupIDs = e.ID, e.PrivateIP, slices.Clone(e.SecurityGroupIDs)
			inst.NetworkID, inst.SubnetID = e.NetworkID, e.SubnetID
			// A public address at launch goes to a new primary
			// interface only.
			// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html — AssociatePublicIpAddress: the public IPv4 address can only be assigned to a network interface for eth0, and only a new network interface, not an existing one
			if f.ID == "" {
				if e.IPv6Addrs, err = c.pickIPv6Locked(s, p.v6count, spec.IPv6Addrs); err != nil {
					return nil, err
				}
				if err := primaryIPv6(e, spec.PrimaryIPv6); err != nil {
					return nil, err
				}
				e.AutoPublicIP = s.MapPublicIP
				if spec.PublicIP != nil {
					e.AutoPublicIP = *spec.PublicIP
				}
				primary = e
			}
		}
	}
	c.instances[inst.ID] = inst
	c.registerAtLocked(KindInstance, inst.ID, account, instAt, spec.Tags)
	if primary != nil {
		c.refreshPublicIPLocked(primary)
	}
	return inst, nil
}
