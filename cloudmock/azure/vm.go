package azure

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// Virtual machines are model instances with a name in a resource group.
// Their network interfaces are existing NICs (networkInterfaces of the
// network profile, the primary one the instance's primary interface), the
// size is the instance's type and the image reference its image ID
// (publisher:offer:sku, lower case, for a marketplace image). What the
// model does not interpret (zones, the OS profile without its secrets, the
// OS disk, the image reference as given, deallocation) is kept in the
// instance's provider attributes (model.Meta.Attrs).
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/create-or-update — location, zones, hardwareProfile, storageProfile, osProfile, networkProfile

// vmBody is a virtual machine on the wire.
type vmBody struct {
	resourceHead
	Zones      []string `json:"zones,omitempty"`
	Properties vmProps  `json:"properties"`
}

type vmProps struct {
	HardwareProfile   *vmHardware     `json:"hardwareProfile,omitempty"`
	StorageProfile    *vmStorage      `json:"storageProfile,omitempty"`
	OSProfile         *vmOSProfile    `json:"osProfile,omitempty"`
	NetworkProfile    *vmNetwork      `json:"networkProfile,omitempty"`
	VMID              string          `json:"vmId,omitempty"`
	TimeCreated       string          `json:"timeCreated,omitempty"`
	ProvisioningState string          `json:"provisioningState,omitempty"`
	InstanceView      *vmInstanceView `json:"instanceView,omitempty"`
}

type vmHardware struct {
	VMSize string `json:"vmSize,omitempty"`
}

type vmStorage struct {
	ImageReference *imageRef      `json:"imageReference,omitempty"`
	OSDisk         map[string]any `json:"osDisk,omitempty"`
	DataDisks      []any          `json:"dataDisks"`
}

// imageRef is a marketplace image (publisher, offer, sku, version) or an
// image resource (id).
type imageRef struct {
	Publisher    string `json:"publisher,omitempty"`
	Offer        string `json:"offer,omitempty"`
	SKU          string `json:"sku,omitempty"`
	Version      string `json:"version,omitempty"`
	ExactVersion string `json:"exactVersion,omitempty"`
	ID           string `json:"id,omitempty"`
}

// vmOSProfile is the OS profile; adminPassword and customData are read
// and never written back, as Azure returns neither.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/get — osProfile has no adminPassword or customData in a response
type vmOSProfile struct {
	ComputerName             string         `json:"computerName,omitempty"`
	AdminUsername            string         `json:"adminUsername,omitempty"`
	AdminPassword            string         `json:"adminPassword,omitempty"`
	CustomData               string         `json:"customData,omitempty"`
	LinuxConfiguration       map[string]any `json:"linuxConfiguration,omitempty"`
	WindowsConfiguration     map[string]any `json:"windowsConfiguration,omitempty"`
	Secrets                  []any          `json:"secrets"`
	AllowExtensionOperations *bool          `json:"allowExtensionOperations,omitempty"`
}

type vmNetwork struct {
	NetworkInterfaces []vmNICRef `json:"networkInterfaces"`
	// NetworkInterfaceConfigurations (NICs the VM makes itself) are
	// refused: the lab models references to existing NICs.
	NetworkInterfaceConfigurations []any `json:"networkInterfaceConfigurations,omitempty"`
}

type vmNICRef struct {
	ID         string `json:"id"`
	Properties *struct {
		Primary      *bool  `json:"primary,omitempty"`
		DeleteOption string `json:"deleteOption,omitempty"`
	} `json:"properties,omitempty"`
}

// vmInstanceView is a VM's instance view: its provisioning and power
// states as statuses.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/instance-view — statuses ProvisioningState/succeeded and PowerState/running, stopped or deallocated
type vmInstanceView struct {
	ComputerName string     `json:"computerName,omitempty"`
	OSName       string     `json:"osName,omitempty"`
	Statuses     []vmStatus `json:"statuses"`
}

type vmStatus struct {
	Code          string `json:"code"`
	Level         string `json:"level"`
	DisplayStatus string `json:"displayStatus"`
	Time          string `json:"time,omitempty"`
}

const vmType = "Microsoft.Compute/virtualMachines"

// The provider attributes a VM keeps in the model.
const (
	attrZones       = "azure.zones"       // comma-separated
	attrImage       = "azure.image"       // the imageReference as given, JSON
	attrOSProfile   = "azure.osProfile"   // without its secrets, JSON
	attrOSDisk      = "azure.osDisk"      // JSON
	attrDeallocated = "azure.deallocated" // "true" while deallocated
)

// vms returns the subscription's virtual machines: its named instances
// that are not deleted.
func (s *Server) vms(sub string) []model.Instance {
	var out []model.Instance
	for _, i := range s.cloud.Instances(sub) {
		if i.Name != "" && i.State != model.InstanceTerminated {
			out = append(out, i)
		}
	}
	return out
}

// vmByName returns the group's virtual machine with the name.
func (s *Server) vmByName(sub, group, name string) (model.Instance, error) {
	if i, ok := named(s, sub, group, model.KindInstance, name, s.vms(sub), func(i model.Instance) string { return i.ID }); ok {
		return i, nil
	}
	return model.Instance{}, fail(http.StatusNotFound, "ResourceNotFound",
		"The Resource 'Microsoft.Compute/virtualMachines/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
		clip(name), clip(group))
}

// vmNICs are a VM's interfaces by device index: the primary one first.
func (s *Server) vmNICs(i model.Instance) []model.NetworkInterface {
	var out []model.NetworkInterface
	for _, e := range s.cloud.NetworkInterfaces(i.Account) {
		if e.InstanceID == i.ID {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b model.NetworkInterface) int { return a.Attachment.DeviceIndex - b.Attachment.DeviceIndex })
	return out
}

// vmOut renders a VM; view adds its instance view.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/get — vmId, provisioningState, timeCreated, and instanceView with $expand=instanceView
func (s *Server) vmOut(i model.Instance, view bool) vmBody {
	b := vmBody{resourceHead: resourceHead{ID: i.ID, Name: i.Name, Type: vmType, Location: i.Region, Tags: i.Tags}}
	if z := i.Attrs[attrZones]; z != "" {
		b.Zones = strings.Split(z, ",")
	}
	p := &b.Properties
	p.HardwareProfile = &vmHardware{VMSize: i.Type}
	p.StorageProfile = &vmStorage{DataDisks: []any{}}
	var img imageRef
	if json.Unmarshal([]byte(i.Attrs[attrImage]), &img) == nil {
		if img.ID == "" && img.ExactVersion == "" {
			// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/get — exactVersion: the version of the platform image used to create the VM (version 'latest' resolved)
			img.ExactVersion = map[bool]string{true: labImageVersion, false: img.Version}[strings.EqualFold(img.Version, "latest") || img.Version == ""]
		}
		p.StorageProfile.ImageReference = &img
	}
	_ = json.Unmarshal([]byte(i.Attrs[attrOSDisk]), &p.StorageProfile.OSDisk)
	var osp vmOSProfile
	if json.Unmarshal([]byte(i.Attrs[attrOSProfile]), &osp) == nil {
		osp.Secrets = []any{}
		p.OSProfile = &osp
	}
	p.NetworkProfile = &vmNetwork{NetworkInterfaces: []vmNICRef{}}
	for _, e := range s.vmNICs(i) {
		r := vmNICRef{ID: e.ID}
		r.Properties = &struct {
			Primary      *bool  `json:"primary,omitempty"`
			DeleteOption string `json:"deleteOption,omitempty"`
		}{Primary: new(e.ID == i.NetworkInterfaceID), DeleteOption: map[bool]string{true: "Delete", false: "Detach"}[e.Attachment.DeleteOnTermination]}
		p.NetworkProfile.NetworkInterfaces = append(p.NetworkProfile.NetworkInterfaces, r)
	}
	p.VMID, p.TimeCreated, p.ProvisioningState = guidOf(i.ID+i.Handle), i.LaunchTime.UTC().Format(time.RFC3339Nano), "Succeeded"
	if view {
		p.InstanceView = s.instanceView(i, osp.ComputerName)
	}
	return b
}

// labImageVersion is the version that "latest" of a marketplace image
// resolves to in the lab.
const labImageVersion = "1.0.0"

// instanceView is a VM's instance view.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/states-billing — power states: starting, running, stopping, stopped (powered off, still allocated), deallocating, deallocated
func (s *Server) instanceView(i model.Instance, computer string) *vmInstanceView {
	power, display := "running", "VM running"
	dealloc := i.Attrs[attrDeallocated] == "true"
	switch {
	case i.State == model.InstanceStopped && dealloc:
		power, display = "deallocated", "VM deallocated"
	case i.State == model.InstanceStopped:
		power, display = "stopped", "VM stopped"
	case i.State == model.InstanceStopping && dealloc:
		power, display = "deallocating", "VM deallocating"
	case i.State == model.InstanceStopping:
		power, display = "stopping", "VM stopping"
	case i.State == model.InstancePending:
		power, display = "starting", "VM starting"
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return &vmInstanceView{ComputerName: computer, Statuses: []vmStatus{
		{Code: "ProvisioningState/succeeded", Level: "Info", DisplayStatus: "Provisioning succeeded", Time: now},
		{Code: "PowerState/" + power, Level: "Info", DisplayStatus: display},
	}}
}

// serveVM answers one VM's methods; GET takes $expand=instanceView.
func (s *Server) serveVM(q *request, group, name string) {
	serveResource(q, group, name, resource[model.Instance]{
		find: s.vmByName,
		out: func(i model.Instance) any {
			return s.vmOut(i, lower(q.URL.Query().Get("$expand")) == "instanceview")
		},
		put: s.putVM, del: s.deleteVM, region: func(i model.Instance) string { return i.Region }})
}

// getInstanceView answers GET .../virtualMachines/NAME/instanceView.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/instance-view — GET .../instanceView
func (s *Server) getInstanceView(q *request, group, name string) {
	if i, ok := s.vmFor(q, http.MethodGet, group, name); ok {
		writeJSON(q.w, http.StatusOK, s.vmOut(i, true).Properties.InstanceView)
	}
}

// vmFor returns the VM a request to one of its sub-paths names, having
// answered the request itself (ok false) when its method is not method or
// the VM does not exist.
func (s *Server) vmFor(q *request, method, group, name string) (model.Instance, bool) {
	if q.Method != method {
		methodNotAllowed(q)
		return model.Instance{}, false
	}
	i, err := s.vmByName(q.sub, group, name)
	if err != nil {
		writeError(q.w, err)
		return model.Instance{}, false
	}
	return i, true
}

// deleteVM deletes a VM: NICs attached with deleteOption Delete go with
// it, the others are detached and stay.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/delete — deleteOption of a network interface: Delete or Detach (the default)
func (s *Server) deleteVM(sub string, i model.Instance) error {
	_, err := s.cloud.TerminateInstances(sub, []string{i.ID})
	return err
}
