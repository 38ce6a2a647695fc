package azure

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vmSizes are the VM sizes the lab knows, with the most network
// interfaces each takes.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/bsv1-series — B-series: Standard_B1s 2 NICs, B1ms 2, B2s 3, B2ms 3, B4ms 4
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv3-series — Standard_D2s_v3 2 NICs, D4s_v3 2, D8s_v3 4
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv5-series — Standard_D2s_v5 2 NICs, D4s_v5 2, D8s_v5 4
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/general-purpose/dsv2-series — Standard_DS1_v2 2 NICs, DS2_v2 2, DS3_v2 4
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/compute-optimized/fsv2-series — Standard_F2s_v2 2 NICs, F4s_v2 2
var vmSizes = map[string]int{
	"Standard_B1s": 2, "Standard_B1ms": 2, "Standard_B2s": 3, "Standard_B2ms": 3, "Standard_B4ms": 4,
	"Standard_D2s_v3": 2, "Standard_D4s_v3": 2, "Standard_D8s_v3": 4,
	"Standard_D2s_v5": 2, "Standard_D4s_v5": 2, "Standard_D8s_v5": 4,
	"Standard_DS1_v2": 2, "Standard_DS2_v2": 2, "Standard_DS3_v2": 4,
	"Standard_F2s_v2": 2, "Standard_F4s_v2": 2,
}

// vmSize returns a known size as Azure spells it (sizes are
// case-insensitive).
func vmSize(in string) (string, bool) {
	for k := range vmSizes {
		if strings.EqualFold(k, in) {
			return k, true
		}
	}
	return "", false
}

// labPublisher is the publisher of the lab's appliance images
// (mcnlab:gateway:lab, mcnlab:firewall:lab, mcnlab:egress-gateway:lab),
// whose VMs the realizer runs as appliances; no other offer of it exists.
const labPublisher = "mcnlab"

// labOffers are the offers of labPublisher.
var labOffers = []string{"gateway", "firewall", "egress-gateway"}

// vmName is the pattern of a Linux VM's name.
// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules#microsoftcompute — virtualMachines: 1-64 characters (Linux), no spaces or ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \ | ; : . ' " , < > / ?, not starting with an underscore or ending with a period or hyphen
var vmName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}[A-Za-z0-9]$|^[A-Za-z0-9]$`)

// vmPlan is a checked VM request.
type vmPlan struct {
	loc, size, image string
	nics             []model.InterfaceLaunch // by device index, the primary first
	zones            []string
	attrs            map[string]string
}

// invalidParam is Compute's 400 InvalidParameter naming the property.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/troubleshooting/error-messages — InvalidParameter: the value of a parameter is not valid (target names it)
func invalidParam(target, format string, args ...any) error {
	e := fail(http.StatusBadRequest, "InvalidParameter", format, args...)
	e.Target = target
	return e
}

// planVM checks a VM request as Azure does before anything changes.
func (s *Server) planVM(q *request, self string, in vmBody) (vmPlan, error) {
	var p vmPlan
	var err error
	if p.loc, err = location(in.Location, "LocationNotAvailableForResourceType"); err != nil {
		return p, err
	}
	pr := in.Properties
	if pr.HardwareProfile == nil || pr.HardwareProfile.VMSize == "" {
		return p, invalidParam("hardwareProfile.vmSize", "Required parameter 'hardwareProfile.vmSize' is missing (null).")
	}
	var ok bool
	if p.size, ok = vmSize(pr.HardwareProfile.VMSize); !ok {
		// Azure: https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-sku-not-available — SkuNotAvailable: the requested size is not available in the location
		return p, fail(http.StatusConflict, "SkuNotAvailable",
			"The requested size for resource '%s' is currently not available in location '%s' zones '%s' for subscription '%s'. Please try another size or deploy to a different location or zones. See https://aka.ms/azureskunotavailable for details.",
			clip(self), p.loc, strings.Join(in.Zones, ","), q.sub)
	}
	// Azure: https://learn.microsoft.com/en-us/azure/reliability/availability-zones-overview — a zonal VM names one zone, 1, 2 or 3
	if len(in.Zones) > 1 || (len(in.Zones) == 1 && !slices.Contains([]string{"1", "2", "3"}, in.Zones[0])) {
		return p, invalidParam("zones", "The value '%s' of parameter 'zones' is invalid: a virtual machine is placed in one zone, 1, 2 or 3.", clip(strings.Join(in.Zones, ",")))
	}
	p.zones = in.Zones
	if p.image, err = planImage(pr.StorageProfile, p.loc); err != nil {
		return p, err
	}
	if p.nics, err = s.planVMNICs(q, self, pr.NetworkProfile, p.loc, p.size); err != nil {
		return p, err
	}
	p.attrs, err = vmAttrs(in, self)
	return p, err
}

// planImage checks the image reference and returns the model's image ID:
// publisher:offer:sku in lower case. The lab has no image resources, so
// an image ID is not found; any marketplace image is taken (the VM is a
// plain host), except unknown offers of the lab's own publisher.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/linux/cli-ps-findimage — a marketplace image is publisher:offer:sku:version
func planImage(sp *vmStorage, loc string) (string, error) {
	if sp == nil || sp.ImageReference == nil {
		return "", invalidParam("storageProfile.imageReference", "Required parameter 'imageReference' is missing (null).")
	}
	r := sp.ImageReference
	if r.ID != "" {
		return "", fail(http.StatusNotFound, "NotFound", "The Image '%s' cannot be found in '%s' region.", clip(r.ID), loc)
	}
	for _, f := range []struct{ name, v string }{{"publisher", r.Publisher}, {"offer", r.Offer}, {"sku", r.SKU}} {
		if f.v == "" {
			return "", invalidParam("imageReference."+f.name, "Required parameter 'imageReference.%s' is missing (null).", f.name)
		}
	}
	if strings.EqualFold(r.Publisher, labPublisher) && (!slices.Contains(labOffers, lower(r.Offer)) || !strings.EqualFold(r.SKU, "lab")) {
		// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/linux/cli-ps-findimage — PlatformImageNotFound: the image is not in the marketplace
		return "", fail(http.StatusNotFound, "PlatformImageNotFound", "The platform image '%s:%s:%s:%s' is not available. Verify that all fields in the storage profile are correct.",
			clip(r.Publisher), clip(r.Offer), clip(r.SKU), clip(r.Version))
	}
	return lower(r.Publisher + ":" + r.Offer + ":" + r.SKU), nil
}

// planVMNICs checks the network interfaces: existing NICs of the VM's
// location, in one virtual network, none attached to another VM, no more
// than the size takes, exactly one primary when there are several.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-vm#constraints — one primary NIC; all NICs in one virtual network; the size caps their number; a NIC is attached to one VM
func (s *Server) planVMNICs(q *request, self string, np *vmNetwork, loc, size string) ([]model.InterfaceLaunch, error) {
	if np != nil && len(np.NetworkInterfaceConfigurations) > 0 {
		return nil, invalidParam("networkProfile.networkInterfaceConfigurations", "Virtual machine %s: the lab models networkInterfaces that reference existing network interfaces, not networkInterfaceConfigurations.", clip(self))
	}
	if np == nil || len(np.NetworkInterfaces) == 0 {
		return nil, invalidParam("networkProfile", "Virtual machine %s must have at least one network interface.", clip(self))
	}
	if n := len(np.NetworkInterfaces); n > vmSizes[size] {
		return nil, fail(http.StatusBadRequest, "NetworkInterfaceCountExceeded",
			"The number of network interfaces for virtual machine %s exceeds the maximum allowed for the virtual machine size %s. The number of network interfaces is %d and the maximum allowed is %d.",
			clip(self), size, n, vmSizes[size])
	}
	var out []model.InterfaceLaunch
	primary, network := -1, ""
	for n, r := range np.NetworkInterfaces {
		id, _, err := s.refTo(q.sub, r.ID, "networkinterfaces", model.KindNetworkInterface, false)
		if err != nil {
			return nil, err
		}
		e, err := s.cloud.NetworkInterface(q.sub, id)
		if err != nil {
			return nil, badRef(r.ID)
		}
		if e.Region != loc {
			return nil, badRef(r.ID)
		}
		if e.InstanceID != "" && !strings.EqualFold(e.InstanceID, self) {
			// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-vm — a network interface is attached to one VM at a time (NicInUse)
			return nil, fail(http.StatusBadRequest, "NicInUse", "Network Interface %s is used by existing resource %s. In order to use the network interface, it must be dissociated from the resource.", e.ID, e.InstanceID)
		}
		if network != "" && e.NetworkID != network {
			return nil, invalidParam("networkProfile.networkInterfaces", "Virtual machine %s: all its network interfaces must be in one virtual network; %s is not.", clip(self), e.ID)
		}
		network = e.NetworkID
		if r.Properties != nil && r.Properties.Primary != nil && *r.Properties.Primary {
			if primary >= 0 {
				return nil, vmPrimaryError(self)
			}
			primary = n
		}
		del := r.Properties != nil && strings.EqualFold(r.Properties.DeleteOption, "Delete")
		out = append(out, model.InterfaceLaunch{ID: id, DeleteOnTermination: &del})
	}
	if len(out) > 1 && primary < 0 {
		return nil, vmPrimaryError(self)
	}
	primary = max(primary, 0)
	out[0], out[primary] = out[primary], out[0]
	for n := range out {
		out[n].DeviceIndex = n
	}
	return out, nil
}

// vmPrimaryError is Azure's answer to several NICs without exactly one
// primary.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface-vm#constraints — with several network interfaces, one is primary
func vmPrimaryError(self string) error {
	return fail(http.StatusBadRequest, "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary",
		"Virtual machine %s must have one network interface set as the primary.", clip(self))
}

// vmAttrs are what the model keeps of a request for a VM's answers: its
// zones, image reference, OS profile without adminPassword and
// customData, and OS disk with Azure's defaults filled in.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/get — osDisk: osType, name, createOption FromImage, caching ReadWrite, managedDisk.storageAccountType, deleteOption
func vmAttrs(in vmBody, self string) (map[string]string, error) {
	pr := in.Properties
	img, _ := json.Marshal(pr.StorageProfile.ImageReference)
	osp := vmOSProfile{}
	if pr.OSProfile != nil {
		osp = *pr.OSProfile
	}
	name := self[strings.LastIndex(self, "/")+1:]
	if osp.ComputerName == "" {
		osp.ComputerName = name
	}
	osp.AdminPassword, osp.CustomData, osp.Secrets = "", "", nil
	op, _ := json.Marshal(osp)
	disk := map[string]any{}
	if pr.StorageProfile.OSDisk != nil {
		disk = pr.StorageProfile.OSDisk
	}
	osType := "Linux"
	if strings.HasPrefix(lower(pr.StorageProfile.ImageReference.Publisher), "microsoftwindows") {
		osType = "Windows"
	}
	for k, v := range map[string]any{"osType": osType, "name": name + "_OsDisk_1_" + strings.ReplaceAll(guidOf(self), "-", ""),
		"createOption": "FromImage", "caching": "ReadWrite", "deleteOption": "Detach", "diskSizeGB": 30,
		"managedDisk": map[string]any{"storageAccountType": "Premium_LRS"}} {
		if _, ok := disk[k]; !ok {
			disk[k] = v
		}
	}
	d, err := json.Marshal(disk)
	if err != nil {
		return nil, invalidParam("storageProfile.osDisk", "The value of parameter 'osDisk' is invalid.")
	}
	return map[string]string{attrZones: strings.Join(in.Zones, ","), attrImage: string(img), attrOSProfile: string(op), attrOSDisk: string(d)}, nil
}

// putVM creates or updates a virtual machine.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/create-or-update — 201 when created, 200 when updated
func (s *Server) putVM(q *request, group, name string) {
	var in vmBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	if !vmName.MatchString(name) {
		writeError(q.w, invalidParam("name", "The resource name '%s' is invalid: a Linux virtual machine name has 1 to 64 letters, digits and hyphens, and neither starts nor ends with a hyphen.", clip(name)))
		return
	}
	g, err := s.group(q.sub, group)
	if err != nil {
		writeError(q.w, err)
		return
	}
	self := "/subscriptions/" + q.sub + "/resourceGroups/" + g.Name + "/providers/" + vmType + "/" + name
	cur, err := s.vmByName(q.sub, group, name)
	created := err != nil
	if !created {
		self = cur.ID
	}
	p, err := s.planVM(q, self, in)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if created {
		cur, err = s.createVM(q.sub, g.Name, name, p, in)
	} else {
		cur, err = s.updateVM(cur, p, in)
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	putDone(q, created, p.loc, s.vmOut(cur, false))
}

// createVM launches the VM with its NICs.
func (s *Server) createVM(sub, group, name string, p vmPlan, in vmBody) (model.Instance, error) {
	user := ""
	if in.Properties.OSProfile != nil {
		user = in.Properties.OSProfile.CustomData
	}
	is, err := s.cloud.RunInstances(sub, model.LaunchSpec{Count: 1, ImageID: p.image, Type: p.size, Tags: in.Tags, UserData: user,
		Place: model.Place{Scope: group, Name: name}, Interfaces: p.nics})
	if err != nil {
		return model.Instance{}, err
	}
	if err := s.cloud.SetAttrs(sub, is[0].ID, p.attrs); err != nil {
		return model.Instance{}, err
	}
	return s.vmByName(sub, group, name)
}

// updateVM applies a request to an existing VM: tags and size change (a
// running VM restarts to change size); the location, zones, image,
// computer name, admin user and network interfaces are set at creation.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/resize-vm — resizing a running VM restarts it
func (s *Server) updateVM(i model.Instance, p vmPlan, in vmBody) (model.Instance, error) {
	if err := sameRegion(i.Name, i.Region, i.Scope, p.loc); err != nil {
		return i, err
	}
	var was vmOSProfile
	_ = json.Unmarshal([]byte(i.Attrs[attrOSProfile]), &was)
	var now vmOSProfile
	_ = json.Unmarshal([]byte(p.attrs[attrOSProfile]), &now)
	nics := s.vmNICs(i)
	same := len(nics) == len(p.nics)
	for n := range nics {
		same = same && nics[n].ID == p.nics[n].ID
	}
	for _, c := range []struct {
		prop    string
		changed bool
	}{{"zones", i.Attrs[attrZones] != p.attrs[attrZones]}, {"imageReference", i.ImageID != p.image},
		{"osProfile.computerName", was.ComputerName != now.ComputerName}, {"osProfile.adminUsername", was.AdminUsername != now.AdminUsername},
		{"networkProfile.networkInterfaces", !same}} {
		if c.changed {
			// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/troubleshooting/error-messages — PropertyChangeNotAllowed: changing a property set at creation is not allowed
			e := fail(http.StatusConflict, "PropertyChangeNotAllowed", "Changing property '%s' is not allowed.", c.prop)
			e.Target = c.prop
			return i, e
		}
	}
	if p.size != i.Type {
		if err := s.resizeVM(i, p.size); err != nil {
			return i, err
		}
	}
	if err := s.cloud.ReplaceTags(i.Account, i.ID, in.Tags); err != nil {
		return i, err
	}
	return s.vmByName(i.Account, i.Scope, i.Name)
}

// resizeVM changes a VM's size, restarting it when it runs.
func (s *Server) resizeVM(i model.Instance, size string) error {
	running := i.State == model.InstanceRunning
	if running {
		if _, err := s.cloud.StopInstances(i.Account, []string{i.ID}, true); err != nil {
			return err
		}
	}
	if err := s.cloud.ModifyInstance(i.Account, i.ID, model.InstanceChange{Type: &size}); err != nil {
		return err
	}
	if running {
		_, err := s.cloud.StartInstances(i.Account, []string{i.ID})
		return err
	}
	return nil
}
