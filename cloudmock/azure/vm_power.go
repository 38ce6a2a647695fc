package azure

import (
	"net/http"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// vmActions are the POST actions of a virtual machine, by their lower-case
// names: each changes the model at once and answers as Azure's
// asynchronous actions do (202 with the operation headers).
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/power-off — POST .../powerOff (202)
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/start — POST .../start (202)
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/deallocate — POST .../deallocate (202)
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/restart — POST .../restart (202)
var vmActions = map[string]func(s *Server, i model.Instance) error{
	"poweroff":   (*Server).powerOffVM,
	"start":      (*Server).startVM,
	"deallocate": (*Server).deallocateVM,
	"restart":    (*Server).restartVM,
}

// vmAction answers POST .../virtualMachines/NAME/ACTION.
func (s *Server) vmAction(q *request, group, name, action string) {
	i, ok := s.vmFor(q, http.MethodPost, group, name)
	if !ok {
		return
	}
	if err := vmActions[action](s, i); err != nil {
		writeError(q.w, err)
		return
	}
	asyncHeaders(q, i.Region, true)
	q.w.WriteHeader(http.StatusAccepted)
}

// powerOffVM stops a VM and keeps it allocated (PowerState/stopped): what
// ran on it is lost, its NICs and addresses stay.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/states-billing — Stopped: the VM is powered off, its hardware still allocated
func (s *Server) powerOffVM(i model.Instance) error {
	_, err := s.cloud.StopInstances(i.Account, []string{i.ID}, true)
	return err
}

// deallocateVM stops a VM and releases its hardware (PowerState/deallocated).
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/states-billing — Deallocated: the VM is stopped and its hardware released
func (s *Server) deallocateVM(i model.Instance) error {
	if err := s.powerOffVM(i); err != nil {
		return err
	}
	return s.cloud.SetAttrs(i.Account, i.ID, map[string]string{attrDeallocated: "true"})
}

// startVM starts a stopped or deallocated VM; one that runs stays as it is.
func (s *Server) startVM(i model.Instance) error {
	if _, err := s.cloud.StartInstances(i.Account, []string{i.ID}); err != nil {
		return err
	}
	return s.cloud.SetAttrs(i.Account, i.ID, map[string]string{attrDeallocated: ""})
}

// restartVM reboots a running VM; one that does not run cannot restart.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-machines/troubleshooting/error-messages — OperationNotAllowed: the operation is not allowed in the VM's state
func (s *Server) restartVM(i model.Instance) error {
	if i.State != model.InstanceRunning {
		state := "stopped"
		if i.Attrs[attrDeallocated] == "true" {
			state = "deallocated"
		}
		return fail(http.StatusConflict, "OperationNotAllowed", "Operation 'restart' is not allowed on VM '%s' since the VM is %s.", i.Name, state)
	}
	return s.cloud.RebootInstances(i.Account, []string{i.ID})
}
