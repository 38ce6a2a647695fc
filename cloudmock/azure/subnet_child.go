package azure

import (
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// serveSubnet answers .../virtualNetworks/V/subnets[/NAME].
func (s *Server) serveSubnet(q *request, group, vnet, _, name string) {
	n, err := s.networkByName(q.sub, group, vnet)
	if err != nil {
		writeError(q.w, err)
		return
	}
	if name == "" {
		if q.Method != http.MethodGet {
			writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
			return
		}
		var items []any
		for _, sb := range s.vnetOut(n).Properties.Subnets {
			items = append(items, sb)
		}
		s.page(q, items)
		return
	}
	var old model.Subnet
	id, err := s.cloud.ByName(q.sub, n.Scope+"/"+n.Name, model.KindSubnet, name)
	exists := err == nil
	if exists {
		old, _ = s.cloud.Subnet(q.sub, id)
	}
	switch q.Method {
	case http.MethodGet:
		if !exists {
			writeError(q.w, childNotFound(n.ID+"/subnets/"+name))
			return
		}
		writeJSON(q.w, http.StatusOK, s.subnetByID(q.sub, id))
	case http.MethodPut:
		s.putSubnet(q, n, name, old, exists)
	case http.MethodDelete:
		if !exists {
			deleteDone(q, "", false)
			return
		}
		if err := s.deleteSubnet(q.sub, old); err != nil {
			writeError(q.w, err)
			return
		}
		deleteDone(q, n.Region, true)
	default:
		writeError(q.w, fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed here.", q.Method))
	}
}

// subnetByID renders one subnet.
func (s *Server) subnetByID(sub, id string) subnetBody {
	sn, _ := s.cloud.Subnet(sub, id)
	return subnetOut(sn, s.linksOf(sub))
}

// putSubnet creates or updates one subnet of a network.
// Azure: https://learn.microsoft.com/en-us/rest/api/virtualnetwork/subnets/create-or-update — 201 when created, 200 when updated
func (s *Server) putSubnet(q *request, n model.Network, name string, old model.Subnet, exists bool) {
	var in subnetBody
	if err := decodeBody(q.Request, &in); err != nil {
		writeError(q.w, err)
		return
	}
	in.Name = name
	var space []netip.Prefix
	for _, c := range n.CIDRs {
		space = append(space, c.Prefix)
	}
	p, err := s.planSubnet(q.sub, n.Name, space, in)
	if err == nil {
		err = s.applySubnet(n, p, old, exists)
	}
	if err != nil {
		writeError(q.w, err)
		return
	}
	id, _ := s.cloud.ByName(q.sub, n.Scope+"/"+n.Name, model.KindSubnet, name)
	putDone(q, !exists, n.Region, s.subnetByID(q.sub, id))
}

// serveVNetChild routes .../virtualNetworks/V/CHILDTYPE[/NAME].
func (s *Server) serveVNetChild(q *request, group, vnet, childType, name string) {
	if childType == "subnets" {
		s.serveSubnet(q, group, vnet, childType, name)
		return
	}
	n, err := s.networkByName(q.sub, group, vnet)
	if err != nil {
		writeError(q.w, err)
		return
	}
	s.servePeering(q, n, name)
}
