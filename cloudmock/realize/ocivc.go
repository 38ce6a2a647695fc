package realize

import (
	"fmt"

	cmgcp "github.com/mcnlab/mcnlab/cloudmock/gcp"
	"github.com/mcnlab/mcnlab/cloudmock/model"
	cmoci "github.com/mcnlab/mcnlab/cloudmock/oci"
	"github.com/mcnlab/mcnlab/emulator"
)

// OCI FastConnect private virtual circuits made real over the lab's
// private lines, as GCP's VLAN attachments are (gcpic.go): a circuit
// attached to an available DRG, on a line of its tenancy (the line named
// by its cross-connect mapping's crossConnectOrCrossConnectGroupId, or
// the tenancy's only line), is a namespace mcn-<lab>-ica-<handle> linked
// to the DRG's namespace, as the circuit's VIRTUAL_CIRCUIT attachment
// there, and over the line to the customer's router: the namespace holds
// oracleBgpPeeringIp, the line's end customerBgpPeeringIp, and bgpd speaks
// for Oracle (AS 31898) to the customer's ASN, announcing what the
// attachment's DRG route table holds. What it learns is recorded on the
// model's circuit attachment (model.Cloud.SetCircuitSession), whence it
// enters the DRG tables that import VIRTUAL_CIRCUIT, and bgpSessionState
// follows the session. A line carries one circuit (the lowest attachment).
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect.htm — private peering extends the on-premises network to the DRG; BGP between the customer's edge router and Oracle's, Oracle's ASN being 31898
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnect_requirements.htm — private peering: BGP peering addresses for Oracle and the customer in a /30 or /31, and the customer's ASN
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm — the DRG advertises what the VIRTUAL_CIRCUIT attachment's DRG route table holds; what the circuit learns enters the tables that import it

// planOCICircuits plans the virtual circuits the lab realizes.
func (r *Realizer) planOCICircuits(p *plan, s *snapshot, keep map[string]bool) {
	up := map[string]bool{}
	for _, g := range s.tgws {
		up[g.ID] = g.State == model.StateAvailable
	}
	taken := map[string]bool{}
	for _, c := range s.ociCircuits {
		line, ok := r.ociLine(c)
		if !ok || !up[c.DRG] || taken[line.Name] {
			continue
		}
		taken[line.Name] = true
		h := s.handle(c.Attachment)
		x := &icPlan{id: c.Attachment, project: c.Tenancy, drg: c.DRG, node: "ica-" + h, ns: emulator.NamespaceName(r.opts.Lab, "ica-"+h),
			ifRouter: "ic-" + h, router: r.keptLink(keep, "ica/"+c.Attachment), circuit: line, cloud: c.Oracle, customer: c.Customer,
			cidrs: exported(s, c.Attachment)}
		x.bgp = &cmgcp.BGPSession{ASN: c.ASN, PeerASN: c.CustomerASN, Addr: c.Oracle.Addr(), PeerAddr: c.Customer.Addr(), Advertised: x.cidrs}
		k := *x
		k.bgp = nil
		x.key = fmt.Sprintf("%+v|%+v", k, *x.bgp)
		p.ics[x.id] = x
	}
}

// ociLine is the lab line a circuit is on: its tenancy's line of the
// mapping's name, or its only one where the mapping names none.
func (r *Realizer) ociLine(c cmoci.Circuit) (Circuit, bool) {
	var mine []Circuit
	for _, l := range r.circuits {
		if l.Account == c.Tenancy && !l.Partner {
			mine = append(mine, l)
		}
	}
	for _, l := range mine {
		if l.Name == c.Line {
			return l, true
		}
	}
	if c.Line == "" && len(mine) == 1 {
		return mine[0], true
	}
	return Circuit{}, false
}

// circuitAttPlans are a DRG's ends of its realized circuits' links:
// attachments whose far address is the circuit namespace's end (their
// links are made by ensureIC).
func circuitAttPlans(p *plan, drgID string) []attPlan {
	var out []attPlan
	for _, id := range sortedKeys(p.ics) {
		if x := p.ics[id]; x.drg == drgID {
			out = append(out, attPlan{id: x.id, peer: "ic:" + x.id, ifTGW: x.ifRouter, addrTGW: x.router.a, addrVPC: x.router.b})
		}
	}
	return out
}

// ensureOnTransit makes what ends in a transit gateway's namespace once
// the gateway is: its VPN connections' gateways and its circuits.
func (r *Realizer) ensureOnTransit(p *plan) error {
	for _, id := range sortedKeys(p.vpns) {
		if p.vpns[id].tgw == "" {
			continue
		}
		if err := r.ensureVPN(p.vpns[id]); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(p.ics) {
		if p.ics[id].drg == "" {
			continue
		}
		if err := r.ensureIC(p.ics[id]); err != nil {
			return err
		}
	}
	return nil
}
