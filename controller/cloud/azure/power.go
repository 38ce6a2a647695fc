package azure

import (
	"context"
	"fmt"

	"github.com/mcnlab/mcnlab/controller/cloud"
)

var _ cloud.Powerer = (*Provider)(nil)

// SetPower powers virtual machine key off or starts it, and waits until
// the operation is done.
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/power-off — the VM stops, its NICs and addresses kept
// Azure: https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/start
func (p *Provider) SetPower(ctx context.Context, key string, on bool) error {
	w := &world{}
	if err := p.listVMs(ctx, w); err != nil {
		return err
	}
	vm, ok := w.vms[key]
	if !ok || vm.Key != key {
		return fmt.Errorf("virtual machine %s of owner %s: %w", key, p.owner, errNoInstance)
	}
	if on {
		if _, err := begun(p.vms.BeginStart(ctx, vm.group, nameOf(vm.ID), nil)).wait(ctx, p.freq); err != nil {
			return fmt.Errorf("start virtual machine %s: %w", key, err)
		}
		return nil
	}
	if _, err := begun(p.vms.BeginPowerOff(ctx, vm.group, nameOf(vm.ID), nil)).wait(ctx, p.freq); err != nil {
		return fmt.Errorf("power off virtual machine %s: %w", key, err)
	}
	return nil
}
