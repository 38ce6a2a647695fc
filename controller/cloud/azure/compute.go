package azure

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

// planInstances plans each instance's public IP, network interface and
// virtual machine.
func (pl *planner) planInstances() {
	pl.deleteInstances()
	for _, in := range pl.d.Instances {
		for _, n := range nicsOf(in) {
			if n.PublicIP && !cloud.Keeps(pl.w.pips, pl.gonePIP, n.Key) {
				pl.createPIP(n)
			}
			if cloud.Keeps(pl.w.nics, pl.goneNIC, n.Key) {
				pl.updateNIC(n, pl.w.nics[n.Key])
			} else {
				pl.putNIC(n, "create network interface "+n.Key)
			}
		}
		if !cloud.Keeps(pl.w.vms, pl.goneVM, in.Key) {
			pl.createVM(in)
		}
	}
}

// deleteInstances deletes the VMs, NICs and public IPs that go: a VM
// first, then its NIC, then the address the NIC held (a deleted VM keeps
// its NIC, and a NIC its public IP, unless told otherwise).
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/delete — by default the NIC and public IP are kept when a VM is deleted
func (pl *planner) deleteInstances() {
	p, w := pl.p, pl.w
	for _, k := range cloud.SortedKeys(pl.goneVM) {
		v := w.vms[k]
		pl.add(phDelVM, nsCompute, "virtualMachines/delete", v.Name(), cloud.Why("id="+v.ID, pl.goneVM[k]), "delete virtual machine "+v.Name(), func(ctx context.Context) error {
			if _, err := begun(p.vms.BeginDelete(ctx, v.group, nameOf(v.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.vms, k, v)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.goneNIC) {
		n := w.nics[k]
		pl.add(phDelNIC, nsNetwork, "networkInterfaces/delete", n.Name(), cloud.Why("id="+n.ID, pl.goneNIC[k]), "delete network interface "+n.Name(), func(ctx context.Context) error {
			if _, err := begun(p.nics.BeginDelete(ctx, n.group, nameOf(n.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.nics, k, n)
			return nil
		})
	}
	for _, k := range cloud.SortedKeys(pl.gonePIP) {
		a := w.pips[k]
		ph := phDelPIP
		if pl.held(a.ID, func(n *nicObj) string { return n.pipID }) {
			ph = phLateDelPIP
		}
		pl.add(ph, nsNetwork, "publicIPAddresses/delete", a.Name(), cloud.Why("id="+a.ID, pl.gonePIP[k]), "delete public IP address "+a.Name(), func(ctx context.Context) error {
			if _, err := begun(p.pips.BeginDelete(ctx, a.group, nameOf(a.ID), nil)).wait(ctx, p.freq); err != nil {
				return err
			}
			cloud.Drop(w.pips, k, a)
			return nil
		})
	}
}

// createPIP gives an instance a Standard static public IP, keyed like it.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses#sku — Standard is always static (Basic was retired in 2025)
func (pl *planner) createPIP(in cloud.Instance) {
	p, w := pl.p, pl.w
	rg, loc := pl.group(in.VPC), pl.location(in.VPC)
	if !pl.free("Microsoft.Network/publicIPAddresses", rg, pipName(in.Key), in.Key) {
		return
	}
	pl.add(phPIP, nsNetwork, "publicIPAddresses/write", in.Key, "resourceGroup="+rg+" location="+loc+" sku=Standard allocation=Static",
		"create public IP address "+in.Key, func(ctx context.Context) error {
			out, err := begun(p.pips.BeginCreateOrUpdate(ctx, rg, pipName(in.Key), armnetwork.PublicIPAddress{Location: &loc, Tags: p.tagsOf(in.Key),
				SKU: &armnetwork.PublicIPAddressSKU{Name: to.Ptr(armnetwork.PublicIPAddressSKUNameStandard)},
				Properties: &armnetwork.PublicIPAddressPropertiesFormat{PublicIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodStatic),
					PublicIPAddressVersion: to.Ptr(armnetwork.IPVersionIPv4)}}, nil)).wait(ctx, p.freq)
			if err != nil {
				return err
			}
			o := &pipObj{Object: cloud.Object{Key: in.Key, ID: str(out.ID)}, group: rg, location: loc}
			if out.Properties != nil {
				o.addr = addr(out.Properties.IPAddress)
			}
			w.pips[in.Key] = o
			return nil
		})
}

// nicRefs names what an instance's NIC refers to, in a plan.
func (pl *planner) nicRefs(in cloud.Instance) (nsg, pip string) {
	if len(in.SecurityGroups) > 0 {
		nsg = cloud.Ref(pl.w.nsgs, pl.goneNSG, in.SecurityGroups[0])
	}
	if in.PublicIP {
		pip = cloud.Ref(pl.w.pips, pl.gonePIP, in.Key)
	}
	return nsg, pip
}

// updateNIC plans the changes a NIC takes in place: IP forwarding, its
// NSG, its public IP.
func (pl *planner) updateNIC(in cloud.Instance, o *nicObj) {
	nsg, pip := pl.nicRefs(in)
	if o.forwarding == !in.SourceDestCheck && strings.EqualFold(o.nsgID, nsg) && strings.EqualFold(o.pipID, pip) {
		return
	}
	pl.putNIC(in, "update network interface "+in.Key)
}

// putNIC creates or rewrites an instance's NIC: one IP configuration in
// its subnet (its address static when the instance fixes one), IP
// forwarding on where the source/destination check is off, the
// instance's first security group as its NSG (a NIC has one), and its
// public IP.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface#enable-or-disable-ip-forwarding — a NIC forwards traffic not addressed to it only with IP forwarding enabled
func (pl *planner) putNIC(in cloud.Instance, what string) {
	p, w := pl.p, pl.w
	rg, loc := pl.group(in.VPC), pl.location(in.VPC)
	if !pl.free("Microsoft.Network/networkInterfaces", rg, nicName(in.Key), in.Key) {
		return
	}
	nsg, pip := pl.nicRefs(in)
	detail := "resourceGroup=" + rg + " location=" + loc + " subnet=" + cloud.Ref(w.subnets, pl.goneSubnet, in.Subnet)
	if in.PrivateIP.IsValid() {
		detail += " privateIPAddress=" + in.PrivateIP.String()
	}
	detail += " enableIPForwarding=" + strconv.FormatBool(!in.SourceDestCheck)
	if nsg != "" {
		detail += " networkSecurityGroup=" + nsg
	}
	if pip != "" {
		detail += " publicIPAddress=" + pip
	}
	phase := phNIC
	if in.PrivateIP.IsValid() {
		phase = phNICFixed
	}
	pl.add(phase, nsNetwork, "networkInterfaces/write", in.Key, detail, what, func(ctx context.Context) error {
		subnet, err := cloud.IDOf(w.subnets, "subnet", in.Subnet)
		if err != nil {
			return err
		}
		ipc := &armnetwork.InterfaceIPConfigurationPropertiesFormat{Subnet: &armnetwork.Subnet{ID: &subnet}, Primary: to.Ptr(true),
			PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic)}
		if in.PrivateIP.IsValid() {
			ipc.PrivateIPAllocationMethod, ipc.PrivateIPAddress = to.Ptr(armnetwork.IPAllocationMethodStatic), to.Ptr(in.PrivateIP.String())
		}
		props := &armnetwork.InterfacePropertiesFormat{EnableIPForwarding: to.Ptr(!in.SourceDestCheck)}
		if len(in.SecurityGroups) > 0 {
			id, err := cloud.IDOf(w.nsgs, "network security group", in.SecurityGroups[0])
			if err != nil {
				return err
			}
			props.NetworkSecurityGroup = &armnetwork.SecurityGroup{ID: &id}
		}
		if in.PublicIP {
			id, err := cloud.IDOf(w.pips, "public IP address", in.Key)
			if err != nil {
				return err
			}
			ipc.PublicIPAddress = &armnetwork.PublicIPAddress{ID: &id}
		}
		ipName := "ipconfig1"
		if o, ok := w.nics[in.Key]; ok && o.ipConfig != "" {
			ipName = o.ipConfig
		}
		props.IPConfigurations = []*armnetwork.InterfaceIPConfiguration{{Name: &ipName, Properties: ipc}}
		out, err := begun(p.nics.BeginCreateOrUpdate(ctx, rg, nicName(in.Key), armnetwork.Interface{Location: &loc, Tags: p.tagsOf(in.Key), Properties: props}, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		w.nics[in.Key] = toNIC(in.Key, &out.Interface)
		return nil
	})
}

// createVM plans an instance's virtual machine on its NICs (nicsOf), the
// first primary.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/create-or-update
func (pl *planner) createVM(in cloud.Instance) {
	p, w := pl.p, pl.w
	rg, loc := pl.group(in.VPC), pl.location(in.VPC)
	image, size := p.images[in.Image], vmSize(in.Size)
	if !pl.free("Microsoft.Compute/virtualMachines", rg, azName(in.Key), in.Key) {
		return
	}
	detail := "resourceGroup=" + rg + " location=" + loc + " vmSize=" + size + " imageReference=" + image.String()
	for _, n := range nicsOf(in) {
		detail += " networkInterface=" + cloud.Ref(w.nics, pl.goneNIC, n.Key)
	}
	pl.add(phVM, nsCompute, "virtualMachines/write", in.Key, detail, "create virtual machine "+in.Key, func(ctx context.Context) error {
		var refs []*armcompute.NetworkInterfaceReference
		for i, n := range nicsOf(in) {
			id, err := cloud.IDOf(w.nics, "network interface", n.Key)
			if err != nil {
				return err
			}
			refs = append(refs, &armcompute.NetworkInterfaceReference{ID: &id, Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(i == 0)}})
		}
		vm := armcompute.VirtualMachine{Location: &loc, Tags: p.tagsOf(in.Key), Properties: &armcompute.VirtualMachineProperties{
			HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypes(size))},
			StorageProfile: &armcompute.StorageProfile{ImageReference: &armcompute.ImageReference{Publisher: &image.Publisher,
				Offer: &image.Offer, SKU: &image.SKU, Version: &image.Version}},
			OSProfile:      &armcompute.OSProfile{ComputerName: to.Ptr(azName(in.Key)), AdminUsername: to.Ptr("mcnlab"), AdminPassword: to.Ptr(password())},
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: refs},
		}}
		out, err := begun(p.vms.BeginCreateOrUpdate(ctx, rg, azName(in.Key), vm, nil)).wait(ctx, p.freq)
		if err != nil {
			return err
		}
		w.vms[in.Key] = toVM(in.Key, &out.VirtualMachine)
		// The primary NIC has its MAC address now that its VM has it:
		// read it again (a FireNet firewall returns flows by a transit
		// gateway's MAC address).
		// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/network-interfaces/get — macAddress: the MAC address of the network interface, which it has once attached to a VM
		n, err := p.nics.Get(ctx, rg, nicName(in.Key), nil)
		if err != nil {
			return err
		}
		w.nics[in.Key] = toNIC(in.Key, &n.Interface)
		return nil
	})
}

// password is a VM's administrator password, random and never kept: the
// lab reaches its VMs through their namespaces, not by logging in. It
// meets Azure's rule of three of lower case, upper case, digit and
// special character.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/linux/faq#what-are-the-password-requirements-when-creating-a-vm-
func password() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "Mc1!" + hex.EncodeToString(b[:])
}
