package model

import (
	"net/netip"
	"slices"
	"time"
)

// InstanceState is the lifecycle state of an instance.
type InstanceState string

// The instance states the model holds. Launches are running at once, and
// stops, starts and terminations are in force when their call returns.
const (
	InstanceRunning    InstanceState = "running"
	InstanceStopped    InstanceState = "stopped"
	InstanceTerminated InstanceState = "terminated"
)

// The transitional states a cloud reports while a change is under way
// (EC2's StopInstances answers stopping, StartInstances pending). The model
// holds stopping and pending only while a realizer follows it
// (powertransit.go); otherwise front-ends name them in their answers to a
// change.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html — pending, running, stopping, stopped, shutting-down, terminated
const (
	InstancePending      InstanceState = "pending"
	InstanceStopping     InstanceState = "stopping"
	InstanceShuttingDown InstanceState = "shutting-down"
)

// Instance is a virtual machine with one primary network interface.
type Instance struct {
	ID                 string
	Meta               `json:"-"` // scope, name and handle (names.go)
	Account            string
	Region             string // the region it lives in (Regions)
	NetworkID          string
	SubnetID           string
	ImageID            string
	Type               string
	PrivateIP          netip.Addr
	NetworkInterfaceID string
	SecurityGroupIDs   []string
	SourceDestCheck    bool
	State              InstanceState
	LaunchTime         time.Time
	ReservationID      string
	// LaunchIndex is its place among the instances one launch made, from 0.
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html — amiLaunchIndex: the AMI launch index, which indicates the order in which the instance was launched
	LaunchIndex int `json:",omitempty"`
	Tags        map[string]string
	// IPv6Addrs are the IPv6 addresses of its primary interface, read
	// from the interface (ipv6.go).
	IPv6Addrs []netip.Addr `json:"-"`
	// Boots counts the instance's boots: 1 at launch, one more for each
	// start from stopped and each reboot. The realizer remakes the
	// instance's host when it changes, as a booting VM loses its processes.
	Boots int
	// Attributes set at launch and changed by ModifyInstance (instattr.go).
	DisableAPITermination bool      `json:",omitempty"`
	ShutdownBehavior      string    `json:",omitempty"` // "stop" (empty) or "terminate"
	UserData              string    `json:",omitempty"` // as given, base64
	TerminatedAt          time.Time `json:",omitzero"`  // when it was terminated (TerminatedVisible)
	// NetworkTags and ServiceAccounts are what GCP's firewall rule
	// targets and sources and its tagged routes select an instance by
	// (RuleTargets, RouteTableAssociation.Tags); empty elsewhere.
	// GCP: https://cloud.google.com/vpc/docs/add-remove-network-tags — network tags of an instance
	// GCP: https://cloud.google.com/firewall/docs/firewalls#serviceaccounts — a rule may target the instances running as a service account
	NetworkTags     []string `json:",omitempty"`
	ServiceAccounts []string `json:",omitempty"`
}

// NetworkInterface is a virtual NIC in one subnet: an instance's, or
// unattached (eni.go).
type NetworkInterface struct {
	ID        string
	Meta      `json:"-"` // scope, name and handle (names.go)
	Account   string
	Region    string // the region it lives in (Regions)
	NetworkID string
	SubnetID  string
	PrivateIP netip.Addr // the primary private IPv4 address
	// SecondaryIPs are its other private IPv4 addresses, in the order
	// they were assigned (AssignPrivateIPs).
	SecondaryIPs     []netip.Addr `json:",omitempty"`
	SecurityGroupIDs []string
	// SourceDestCheck drops traffic whose source or destination is not the
	// interface's own address; routers and NAT instances turn it off.
	// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — disable source/destination checks for NAT
	SourceDestCheck bool
	Description     string `json:",omitempty"`
	// Type is the kind of interface: empty for an ordinary one, or a
	// provider's own kind (AWS's efa, trunk, ...).
	Type string `json:",omitempty"`
	// InstanceID is the instance it is attached to, and Attachment where.
	InstanceID string
	Attachment InterfaceAttachment `json:",omitzero"`
	Tags       map[string]string
	// AddressName names the interface's address configuration where its
	// provider does (Azure's ipConfigurations[].name); empty elsewhere.
	AddressName string `json:",omitempty"`
	// StaticIP: the private address was chosen by the user, not by the
	// cloud (Azure's privateIPAllocationMethod Static).
	StaticIP bool `json:",omitempty"`
	// AutoPublicIP: the interface was launched with a public address
	// (publicip.go), which it holds as PublicIP while its instance runs
	// and no elastic IP is associated with it.
	AutoPublicIP bool       `json:",omitempty"`
	PublicIP     netip.Addr `json:",omitzero"`
	// IPv6Addrs are the interface's IPv6 addresses, from its subnet's
	// IPv6 prefix (ipv6.go).
	IPv6Addrs []netip.Addr `json:",omitempty"`
	// PrimaryIPv6 makes the first of IPv6Addrs the interface's primary
	// IPv6 address (ipv6native.go).
	PrimaryIPv6 bool `json:",omitempty"`
}

func (e *NetworkInterface) ref() ref { return ref{KindNetworkInterface, e.ID, e.Account} }

func (e *NetworkInterface) copy(c *Cloud) NetworkInterface {
	out := *e
	out.Meta = c.metaLocked(e.ID)
	out.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
	out.IPv6Addrs = slices.Clone(e.IPv6Addrs)
	out.SecondaryIPs = slices.Clone(e.SecondaryIPs)
	out.Tags = c.tagsLocked(e.ID)
	return out
}

func (i *Instance) ref() ref { return ref{KindInstance, i.ID, i.Account} }

func (i *Instance) copy(c *Cloud) Instance {
	out := *i
	out.Meta = c.metaLocked(i.ID)
	out.SecurityGroupIDs = slices.Clone(i.SecurityGroupIDs)
	out.NetworkTags, out.ServiceAccounts = slices.Clone(i.NetworkTags), slices.Clone(i.ServiceAccounts)
	if e, ok := c.enis[i.NetworkInterfaceID]; ok {
		out.SourceDestCheck = e.SourceDestCheck
		out.SecurityGroupIDs = slices.Clone(e.SecurityGroupIDs)
		out.IPv6Addrs = slices.Clone(e.IPv6Addrs)
	}
	out.Tags = c.tagsLocked(i.ID)
	return out
}

// LaunchSpec says what RunInstances launches.
type LaunchSpec struct {
	SubnetID         string
	ImageID          string
	Type             string
	PrivateIP        netip.Addr // optional; only with Count 1
	SecurityGroupIDs []string   // empty: the network's default group
	Count            int
	Tags             map[string]string
	// Place gives the instance a scope and a name (a virtual machine's
	// name where the profile has unique names); its region is always its
	// subnet's. A name can be given only with Count 1.
	Place Place
	// InterfaceName names the primary network interface, in the
	// instance's scope (Azure's NIC is a resource of its own).
	InterfaceName string
	// PublicIP asks for a public address on the primary interface (true)
	// or for none (false); nil follows the subnet (Subnet.MapPublicIP).
	// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html — AssociatePublicIpAddress overrides the subnet's MapPublicIpOnLaunch
	PublicIP *bool
	// DisableAPITermination, ShutdownBehavior and UserData are the
	// instances' attributes (Instance).
	DisableAPITermination bool
	ShutdownBehavior      string
	UserData              string
	// NetworkTags and ServiceAccounts are the instances' (Instance).
	NetworkTags     []string
	ServiceAccounts []string
	// IPv6Count and IPv6Addrs give each primary interface IPv6 addresses
	// from the subnet's IPv6 prefix (IPv6Addrs only with Count 1); with
	// neither, a subnet that assigns IPv6 on creation gives one.
	IPv6Count int
	IPv6Addrs []netip.Addr
	// PrimaryIPv6 makes the primary interface's first IPv6 address its
	// primary IPv6 address (NetworkInterface.PrimaryIPv6).
	PrimaryIPv6 bool
	// Interfaces, when given, are the instance's interfaces instead of
	// SubnetID, PrivateIP, SecurityGroupIDs and InterfaceName: one at
	// device index 0, the primary one, and any others, all in one zone
	// (launch.go).
	Interfaces []InterfaceLaunch
}

func (c *Cloud) instanceLocked(account, id string) (*Instance, error) {
	i, err := c.instances.get(account, id)
	if err == nil && i.gone(time.Now()) {
		return nil, notFound(KindInstance, id)
	}
	return i, err
}

// Instance returns one instance of the account, one terminated within
// TerminatedVisible included.
func (c *Cloud) Instance(account, id string) (Instance, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, err := c.instanceLocked(account, id)
	if err != nil {
		return Instance{}, err
	}
	return i.copy(c), nil
}

// Instances returns all instances of the account, those terminated within
// TerminatedVisible included, sorted by ID.
func (c *Cloud) Instances(account string) []Instance {
	c.mu.RLock()
	defer c.mu.RUnlock()
	now := time.Now()
	return c.instances.listWhere(c, func(i *Instance) bool { return i.Account == account && !i.gone(now) })
}

// NetworkInterfaces returns all interfaces of the account, sorted by ID.
func (c *Cloud) NetworkInterfaces(account string) []NetworkInterface {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.enis.list(c, account)
}

// TerminateInstances terminates instances and deletes their interfaces,
// freeing their addresses; it returns each instance's previous state.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html — terminated instances stay visible for a while
func (c *Cloud) TerminateInstances(account string, ids []string) (map[string]InstanceState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		i, err := c.instanceLocked(account, id)
		if err != nil {
			return nil, err
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingDisableAPITermination.html — termination protection refuses TerminateInstances
		if i.DisableAPITermination && i.State != InstanceTerminated {
			return nil, errf(CodeCannotDelete, KindInstance, id, "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", id)
		}
	}
	c.forgetGoneLocked()
	prev := map[string]InstanceState{}
	for _, id := range ids {
		i, ok := c.instances[id]
		if !ok { // named, terminated and forgotten earlier in this call (the ID was given twice)
			continue
		}
		prev[id] = i.State
		if i.State == InstanceTerminated {
			continue
		}
		i.State = InstanceTerminated
		i.TerminatedAt = time.Now().UTC()
		c.releaseInterfacesLocked(i)
		c.emitLocked(KindInstance, OpUpdate, id, account)
		c.dropNamedLocked(i)
	}
	return prev, nil
}

// dropNamedLocked forgets a terminated instance that has a name (a
// virtual machine of a profile that names them) at once: it is not listed
// for TerminatedVisible, as a terminated EC2 instance is, and its name and
// ID can be used again.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/delete — a deleted virtual machine is gone: a GET answers 404 and its name can be used again
func (c *Cloud) dropNamedLocked(i *Instance) {
	if c.owners[i.ID].name == "" {
		return
	}
	delete(c.instances, i.ID)
	c.forgetLocked(KindInstance, i.ID, i.Account)
}

// releaseInterfacesLocked deletes a terminated instance's interfaces that
// are to be deleted on termination and detaches the others.
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html — an Elastic IP address is disassociated when its instance terminates
// AWS: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#eni-basics — an interface whose attachment is not deleted on termination stays, detached, with its addresses and elastic IP
func (c *Cloud) releaseInterfacesLocked(i *Instance) {
	for _, e := range c.instanceInterfacesLocked(i.ID) {
		if e.ID == i.NetworkInterfaceID {
			i.SourceDestCheck = e.SourceDestCheck
		}
		// An old snapshot's primary interface has no attachment ID and
		// goes with its instance, as every interface did before.
		if e.Attachment.DeleteOnTermination || e.Attachment.ID == "" {
			c.deleteInterfaceLocked(e)
			continue
		}
		e.InstanceID, e.Attachment = "", InterfaceAttachment{}
		e.AutoPublicIP = false // its public address at launch is released
		c.refreshPublicIPLocked(e)
		c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, i.Account)
	}
}

// SetSourceDestCheck turns the source/destination check of an instance's
// primary interface, or of an interface, on or off.
func (c *Cloud) SetSourceDestCheck(account, id string, on bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	eniID := id
	if i, ok := c.instances[id]; ok && i.Account == account {
		if i.State == InstanceTerminated {
			return errf(CodeIncorrectState, KindInstance, id, "the instance '%s' is not in a state from which it can be modified", id)
		}
		// AWS: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceAttribute.html — sourceDestCheck of an instance is its network interface's
		if err := c.soleInterfaceLocked(i); err != nil {
			return err
		}
		eniID = i.NetworkInterfaceID
	}
	e, ok := c.enis[eniID]
	if !ok || e.Account != account {
		return notFound(KindInstance, id)
	}
	e.SourceDestCheck = on
	c.emitLocked(KindNetworkInterface, OpUpdate, e.ID, account)
	if e.InstanceID != "" {
		c.emitLocked(KindInstance, OpUpdate, e.InstanceID, account)
	}
	return nil
}
