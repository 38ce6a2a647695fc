package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/mcnlab/mcnlab/controller/cloud"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/store"
)

// FlightPathBackend is the part of a Backend that answers FlightPath.
type FlightPathBackend interface {
	// FlightPath answers POST /v1/flightpath (the request validated): an
	// unknown endpoint wraps ErrNotFound.
	FlightPath(ctx context.Context, req FlightPathRequest) (FlightPath, error)
}

// FlightPathRequest is the body of POST /v1/flightpath: the flow to
// trace, ICMP echo by default.
type FlightPathRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Protocol is "icmp" (the default), "tcp" or "udp"; Port is the
	// destination port of tcp and udp (1-65535).
	Protocol string `json:"protocol,omitempty"`
	Port     int32  `json:"port,omitempty"`
}

// Flow checks the request's protocol and port and returns its flow.
func (r FlightPathRequest) Flow() (intent.Flow, error) {
	switch r.Protocol {
	case "", "icmp":
		if r.Port != 0 {
			return intent.Flow{}, fmt.Errorf("flightpath: icmp takes no port (got %d)", r.Port)
		}
		return intent.Echo, nil
	case "tcp", "udp":
		if r.Port < 1 || r.Port > 65535 {
			return intent.Flow{}, fmt.Errorf("flightpath: %s needs a port in 1-65535 (got %d)", r.Protocol, r.Port)
		}
		f := intent.Flow{Protocol: cloud.ProtocolTCP, Port: r.Port}
		if r.Protocol == "udp" {
			f.Protocol = cloud.ProtocolUDP
		}
		return f, nil
	}
	return intent.Flow{}, fmt.Errorf("flightpath: protocol %q: want icmp, tcp or udp", r.Protocol)
}

// FlightPath is FlightPath's answer: the path (verdict, first block,
// hops with their steps) and, side by side, what the cloud says of each
// end.
type FlightPath struct {
	intent.Path
	// Ends are the source's and the destination's, in that order.
	Ends []FlightPathEnd `json:"ends"`
}

// FlightPathEnd is what the cloud says of one end: a workload's security
// groups, its subnet's route table (the route matching the other end
// marked) and network ACL; a site host only its site and address.
type FlightPathEnd struct {
	Endpoint string     `json:"endpoint"`
	Address  netip.Addr `json:"address,omitzero"`
	Site     string     `json:"site,omitempty"`
	// Node is a host node of a flow across a mapped site2cloud
	// connection; Virtual the destination's address as the source sends
	// to it (Address is its real one).
	Node    string     `json:"node,omitempty"`
	Virtual netip.Addr `json:"virtual,omitzero"`
	// Internet is the internet host of a flow to the internet, Name the
	// DNS name the client asks for.
	Internet       string            `json:"internet,omitempty"`
	Name           string            `json:"name,omitempty"`
	Instance       string            `json:"instance,omitempty"`
	Subnet         string            `json:"subnet,omitempty"`
	SubnetCIDR     netip.Prefix      `json:"subnet_cidr,omitzero"`
	SecurityGroups []FlightPathGroup `json:"security_groups,omitempty"`
	// NetworkSecurityGroups are the NSGs that filter the interface (on
	// Azure its subnet's, then its own), in place of security groups.
	NetworkSecurityGroups []FlightPathNSG  `json:"network_security_groups,omitempty"`
	RouteTable            *FlightPathTable `json:"route_table,omitempty"`
	NetworkACL            *FlightPathACL   `json:"network_acl,omitempty"`
}

// FlightPathNSG is a network security group: where it is associated
// ("subnet" or "network interface") and its rules of each direction in
// priority order, the default rules last; Matched marks the rule that
// decides the flow at this end (outbound at the source, inbound at the
// destination).
type FlightPathNSG struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Association string              `json:"association"`
	Inbound     []FlightPathNSGRule `json:"inbound"`
	Outbound    []FlightPathNSGRule `json:"outbound"`
}

// FlightPathNSGRule is one rule of an NSG, as "NAME (PRIORITY): allow tcp
// 5432 from 10.2.1.10/32 to any".
type FlightPathNSGRule struct {
	Rule    string `json:"rule"`
	Name    string `json:"name"`
	Default bool   `json:"default,omitempty"`
	Matched bool   `json:"matched,omitempty"`
}

// FlightPathGroup is a security group with its rules, each as
// "ID: all from 10.1.0.0/16".
type FlightPathGroup struct {
	ID      string   `json:"id"`
	Name    string   `json:"name,omitempty"`
	Ingress []string `json:"ingress"`
	Egress  []string `json:"egress"`
}

// FlightPathTable is a route table; Matched marks the route the other
// end's address takes (longest prefix).
type FlightPathTable struct {
	ID     string            `json:"id"`
	Routes []FlightPathRoute `json:"routes"`
}

// FlightPathRoute is one route of a route table.
type FlightPathRoute struct {
	Destination netip.Prefix `json:"destination"`
	Kind        string       `json:"kind"`
	Target      string       `json:"target"`
	// Source is who made it where the cloud says (Azure: Default for a
	// system route, User for a user-defined one); Inactive marks one the
	// cloud does not use (a system route a user-defined one overrides).
	Source   string `json:"source,omitempty"`
	Inactive bool   `json:"inactive,omitempty"`
	Matched  bool   `json:"matched,omitempty"`
}

// FlightPathACL is a network ACL, each entry as "100 allow all from
// 0.0.0.0/0", in rule number order.
type FlightPathACL struct {
	ID       string   `json:"id"`
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

// flightPathRoutes are FlightPath's endpoints: a read (it changes
// nothing), so read-only tokens may ask.
func (h *handler) flightPathRoutes() []route {
	return []route{{"POST", "/v1/flightpath", store.RoleReadOnly, h.flightPath}}
}

func (h *handler) flightPath(w http.ResponseWriter, r *http.Request, _ caller) {
	var req FlightPathRequest
	if !decode(w, r, &req) {
		return
	}
	if req.From == "" || req.To == "" {
		writeError(w, http.StatusBadRequest, "flightpath: from and to must both be set")
		return
	}
	if _, err := req.Flow(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fb, ok := h.b.(FlightPathBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this controller does not trace paths")
		return
	}
	res, err := fb.FlightPath(r.Context(), req)
	answer(w, res, err)
}

// FlightPath calls POST /v1/flightpath.
func (c *Client) FlightPath(ctx context.Context, req FlightPathRequest) (FlightPath, error) {
	var v FlightPath
	return v, c.do(ctx, "POST", "/v1/flightpath", req, &v)
}
