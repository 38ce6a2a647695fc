package ipsec

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/topologies"
)

// resolvedConn is what the lab learned of a connection to a spoke's
// gateways (topologies.Site2Cloud.InCloud) once the cloud was up: the
// instances and their public addresses, and the site's uplink address.
type resolvedConn struct {
	Site             netip.Addr `json:"site"`
	Gateway          string     `json:"gateway"`
	GatewayAddress   netip.Addr `json:"gateway_address"`
	HAGateway        string     `json:"ha_gateway,omitempty"`
	HAGatewayAddress netip.Addr `json:"ha_gateway_address,omitzero"`
}

// resolvedFile is where SaveResolved keeps a connection's resolution.
func resolvedFile(lab, conn string) string {
	return filepath.Join(state.Dir(lab), "s2c", conn+".resolved.json")
}

// SaveResolved records r, a connection to a spoke's gateways with its
// gateways resolved, for Resolved (the templates read it).
func SaveResolved(lab string, r *topologies.Site2Cloud) error {
	b, err := json.Marshal(resolvedConn{r.SiteAddress, r.Gateway, r.GatewayAddress, r.HAGateway, r.HAGatewayAddress})
	if err != nil {
		return err
	}
	f := resolvedFile(lab, r.Name)
	if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(f, b, 0o600); err != nil {
		return fmt.Errorf("site2cloud %s: %w", r.Name, err)
	}
	return nil
}

// Resolved returns s with its gateways resolved as SaveResolved recorded
// them, when s goes to a spoke's gateways; s itself otherwise.
func Resolved(lab string, s *topologies.Site2Cloud) (*topologies.Site2Cloud, error) {
	if !s.InCloud() {
		return s, nil
	}
	b, err := os.ReadFile(resolvedFile(lab, s.Name))
	if err != nil {
		return nil, fmt.Errorf("site2cloud %s: the addresses of spoke %s's gateways are not known yet (the lab records them once the cloud is up): %w", s.Name, s.CloudGateway, err)
	}
	var r resolvedConn
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("site2cloud %s: %s: %w", s.Name, resolvedFile(lab, s.Name), err)
	}
	return s.Resolve(r.Site, r.Gateway, r.GatewayAddress, r.HAGateway, r.HAGatewayAddress), nil
}
