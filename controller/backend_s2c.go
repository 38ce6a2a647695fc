package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcnlab/mcnlab/controller/api"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
)

var _ api.S2CBackend = (*Backend)(nil)

// S2CConfig is the on-prem device's configuration of a site2cloud
// connection of the controller's topology, with the lab's key: the text
// `mcnlab s2c config` prints (ipsec.LabTemplate).
func (b *Backend) S2CConfig(_ context.Context, name, vendor string) (api.S2CConfig, error) {
	if !slices.Contains(ipsec.Vendors, vendor) {
		return api.S2CConfig{}, fmt.Errorf("%w: unknown vendor %q; valid: %s", api.ErrInvalid, vendor, strings.Join(ipsec.Vendors, ", "))
	}
	text, err := ipsec.LabTemplate(b.lab, b.c.plan.Topology, name, vendor)
	if errors.Is(err, ipsec.ErrNoConnection) {
		return api.S2CConfig{}, fmt.Errorf("%w: %w", api.ErrNotFound, err)
	}
	if err != nil {
		return api.S2CConfig{}, err
	}
	return api.S2CConfig{Connection: name, Vendor: vendor, Config: text}, nil
}
