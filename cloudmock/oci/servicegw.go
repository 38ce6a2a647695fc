package oci

import (
	"crypto/sha256"
	"encoding/base32"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mcnlab/mcnlab/cloudmock/model"
)

// service is a Service of the Oracle Services Network on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Service/ — Service: id, name, description, cidrBlock (the service CIDR label)
type service struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	CidrBlock   string `json:"cidrBlock"`
}

// serviceGateway is a ServiceGateway on the wire: the model's gateway
// endpoint to the region's Oracle Services Network (model.OCIServices);
// the services enabled on it are an attribute.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ServiceGateway/ — ServiceGateway: vcnId, services (serviceId, serviceName), blockTraffic, routeTableId
type serviceGateway struct {
	shared
	VcnID        string          `json:"vcnId"`
	Services     []serviceIDName `json:"services"`
	BlockTraffic bool            `json:"blockTraffic"`
	RouteTableID string          `json:"routeTableId,omitempty"`
}

// serviceIDName is a ServiceIdResponseDetails (and, with the ID alone,
// a ServiceIdRequestDetails).
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/ServiceIdResponseDetails — serviceId, serviceName
type serviceIDName struct {
	ServiceID   string `json:"serviceId"`
	ServiceName string `json:"serviceName,omitempty"`
}

// sgwDetails is CreateServiceGatewayDetails and UpdateServiceGatewayDetails.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/CreateServiceGatewayDetails — compartmentId, vcnId, services (required, may be empty), displayName, routeTableId
type sgwDetails struct {
	updateDetails
	placement
	Services     *[]serviceIDName `json:"services"`
	BlockTraffic *bool            `json:"blockTraffic"`
	RouteTableID *string          `json:"routeTableId"`
}

// Attribute keys of a service gateway.
const (
	attrServices = "services"
	attrRT       = "routeTableId"
)

// serviceOCID is the OCID of an Oracle Services Network service: stable,
// from its CIDR label.
func serviceOCID(svc model.Service) string {
	h := sha256.Sum256([]byte(svc.Name))
	return "ocid1.service." + model.OCIRealm + "." + svc.Region + "." + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:]))
}

// serviceOut is a service on the wire.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — "All <region> Services In Oracle Services Network" with the CIDR label all-<region>-services-in-oracle-services-network
func serviceOut(svc model.Service) service {
	key := strings.ToUpper(strings.Split(svc.Name, "-")[1])
	return service{ID: serviceOCID(svc), Name: "All " + key + " Services In Oracle Services Network",
		Description: "All " + key + " Services In Oracle Services Network", CidrBlock: svc.Name}
}

// regionService is this region's service of an OCID or CIDR label.
func (s *Server) regionService(idOrLabel string) (model.Service, bool) {
	for _, svc := range model.OCIServices(s.cfg.Region) {
		if serviceOCID(svc) == idOrLabel || svc.Name == idOrLabel {
			return svc, true
		}
	}
	return model.Service{}, false
}

// serveServices answers ListServices and GetService: the region's
// services.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/Service/ListServices — GET /services, a bare array
func (s *Server) serveServices(q *request) *apiError {
	if q.Method != http.MethodGet || len(q.rest) > 1 {
		return fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "Method %s is not allowed on %s", q.Method, clip(q.URL.Path))
	}
	if len(q.rest) == 1 {
		svc, ok := s.regionService(q.rest[0])
		if !ok || !strings.HasPrefix(q.rest[0], "ocid1.service.") {
			return notFound("Service", q.rest[0])
		}
		writeJSON(q.w, http.StatusOK, serviceOut(svc))
		return nil
	}
	var out []service
	for _, svc := range model.OCIServices(s.cfg.Region) {
		out = append(out, serviceOut(svc))
	}
	return writePage(s, q, out)
}

func (s *Server) serviceGateways() *kind {
	return &kind{noun: "ServiceGateway", get: s.getSGW, create: s.createSGW, update: s.updateSGW, remove: s.deleteSGW,
		more: map[string]func(q *request, id string) *apiError{
			"POST actions/attachService": func(q *request, id string) *apiError { return s.serviceAction(q, id, true) },
			"POST actions/detachService": func(q *request, id string) *apiError { return s.serviceAction(q, id, false) },
		},
		list: func(tenancy string) []resource {
			var out []resource
			for _, e := range s.cloud.VPCEndpoints(tenancy) {
				if sgw := s.sgwOut(e); sgw != nil {
					out = append(out, sgw)
				}
			}
			return out
		},
		match: func(q *request, r resource) bool {
			return !q.URL.Query().Has("vcnId") || r.(*serviceGateway).VcnID == q.URL.Query().Get("vcnId")
		}}
}

func (s *Server) getSGW(tenancy, id string) (resource, bool) {
	e, err := s.cloud.VPCEndpoint(tenancy, id)
	if err != nil {
		return nil, false
	}
	if sgw := s.sgwOut(e); sgw != nil {
		return sgw, true
	}
	return nil, false
}

// sgwOut is a gateway endpoint to an OCI service on the wire; nil for
// another endpoint.
func (s *Server) sgwOut(e model.VPCEndpoint) *serviceGateway {
	if e.Type != model.EndpointGateway || !strings.HasPrefix(e.ID, "ocid1.") {
		return nil
	}
	block, _ := strconv.ParseBool(e.Attrs[attrBlock])
	out := &serviceGateway{shared: s.commonOf(e.ID, e.Meta, e.Tags), VcnID: e.NetworkID, Services: []serviceIDName{}, BlockTraffic: block,
		RouteTableID: e.Attrs[attrRT]}
	for _, id := range splitList(e.Attrs[attrServices]) {
		if svc, ok := model.ServiceByName(e.Region, e.ServiceName); ok && serviceOCID(svc) == id {
			out.Services = append(out.Services, serviceIDName{ServiceID: id, ServiceName: serviceOut(svc).Name})
		}
	}
	return out
}

// enabled checks the services a gateway is to have: services of its
// VCN's region, each once.
func (s *Server) enabled(region string, in []serviceIDName) ([]string, *apiError) {
	var out []string
	for _, x := range in {
		i := slices.IndexFunc(model.OCIServices(region), func(c model.Service) bool { return serviceOCID(c) == x.ServiceID })
		if i < 0 {
			return nil, notFound("Service", x.ServiceID)
		}
		if !slices.Contains(out, x.ServiceID) {
			out = append(out, x.ServiceID)
		}
	}
	return out, nil
}

// maxSGWsPerVcn is how many service gateways a VCN may have.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a VCN can have only one service gateway
const maxSGWsPerVcn = 1

// createSGW makes a VCN's service gateway with the services given.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — create the service gateway in the VCN and pick the services it gives access to
func (s *Server) createSGW(q *request) (string, *apiError) {
	var d sgwDetails
	if err := decode(q.body, &d); err != nil {
		return "", err
	}
	n, aerr := s.inVcn(q, d.placement)
	if aerr != nil {
		return "", aerr
	}
	if d.Services == nil {
		return "", fail(http.StatusBadRequest, codeMissingParameter, "services is required (it may be empty)")
	}
	ids, aerr := s.enabled(n.Region, *d.Services)
	if aerr != nil {
		return "", aerr
	}
	if d.RouteTableID != nil && *d.RouteTableID != "" {
		if err := s.checkTable(q.tenancy, n.ID, *d.RouteTableID); err != nil {
			return "", err
		}
	}
	for _, e := range s.cloud.VPCEndpoints(q.tenancy) {
		if e.NetworkID == n.ID && s.sgwOut(e) != nil {
			return "", fail(http.StatusBadRequest, codeLimitExceeded, "The VCN %s has %d service gateway, the most it can have", n.ID, maxSGWsPerVcn)
		}
	}
	e, err := s.cloud.CreateVPCEndpoint(q.tenancy, model.EndpointSpec{NetworkID: n.ID, Type: model.EndpointGateway,
		ServiceName: model.OCIServiceLabel(n.Region), Tags: d.FreeformTags, Scope: d.CompartmentID})
	if err != nil {
		return "", fromModel(err)
	}
	block := d.BlockTraffic != nil && *d.BlockTraffic
	attrs := map[string]string{attrName: s.nameOr(d.DisplayName, "servicegateway"), attrServices: joinList(ids), attrBlock: strconv.FormatBool(block)}
	if d.RouteTableID != nil {
		attrs[attrRT] = *d.RouteTableID
	}
	s.setAttrs(q, e.ID, attrs)
	return e.ID, nil
}

// updateSGW renames a gateway, blocks or unblocks it, or replaces its
// services.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/UpdateServiceGatewayDetails — displayName, blockTraffic, services (the full list), routeTableId
func (s *Server) updateSGW(q *request, id string) *apiError {
	var d sgwDetails
	if err := decode(q.body, &d); err != nil {
		return err
	}
	e, _ := s.cloud.VPCEndpoint(q.tenancy, id)
	attrs := map[string]string{}
	if d.Services != nil {
		ids, aerr := s.enabled(e.Region, *d.Services)
		if aerr != nil {
			return aerr
		}
		if err := s.servicesInUse(q.tenancy, e, ids); err != nil {
			return err
		}
		attrs[attrServices] = joinList(ids)
		if len(ids) == 0 {
			attrs[attrServices] = ""
		}
	}
	if d.BlockTraffic != nil {
		attrs[attrBlock] = strconv.FormatBool(*d.BlockTraffic)
	}
	if d.RouteTableID != nil {
		if *d.RouteTableID != "" {
			if err := s.checkTable(q.tenancy, e.NetworkID, *d.RouteTableID); err != nil {
				return err
			}
		}
		attrs[attrRT] = *d.RouteTableID
	}
	if err := s.cloud.SetAttrs(q.tenancy, id, attrs); err != nil {
		return fromModel(err)
	}
	return s.applyUpdate(q, id, d.updateDetails)
}

// servicesInUse refuses to take a service off a gateway while a route
// rule sends its CIDR label to the gateway.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — a route rule's service CIDR label must be a service enabled on the service gateway it targets
func (s *Server) servicesInUse(tenancy string, e model.VPCEndpoint, keep []string) *apiError {
	svc, _ := model.ServiceByName(e.Region, e.ServiceName)
	if slices.Contains(keep, serviceOCID(svc)) {
		return nil
	}
	if rt, _, used := s.routesTo(tenancy, e.NetworkID, e.ID); used {
		return fail(http.StatusConflict, codeConflict, "The service %s is the destination of a route rule to service gateway %s in route table %s", svc.Name, e.ID, rt)
	}
	return nil
}

// serviceAction enables (attach) or disables (detach) a service on a
// gateway and answers the gateway.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/ServiceGateway/AttachServiceId — POST actions/attachService {serviceId}; DetachServiceId: POST actions/detachService
func (s *Server) serviceAction(q *request, id string, attach bool) *apiError {
	var d serviceIDName
	if err := decode(q.body, &d); err != nil {
		return err
	}
	e, _ := s.cloud.VPCEndpoint(q.tenancy, id)
	ids, aerr := s.enabled(e.Region, []serviceIDName{d})
	if aerr != nil {
		return aerr
	}
	have := splitList(e.Attrs[attrServices])
	switch {
	case attach && slices.Contains(have, ids[0]):
		return invalid("The service %s is already enabled on service gateway %s", ids[0], id)
	case attach:
		have = append(have, ids[0])
	case !slices.Contains(have, ids[0]):
		return invalid("The service %s is not enabled on service gateway %s", ids[0], id)
	default:
		have = slices.DeleteFunc(have, func(x string) bool { return x == ids[0] })
		if err := s.servicesInUse(q.tenancy, e, have); err != nil {
			return err
		}
	}
	v := joinList(have)
	if err := s.cloud.SetAttrs(q.tenancy, id, map[string]string{attrServices: v}); err != nil {
		return fromModel(err)
	}
	r, _ := s.getSGW(q.tenancy, id)
	r.base().LifecycleState = s.state.lifecycle(id, false)
	s.serviceGateways().write(q.w, r)
	return nil
}

// deleteSGW deletes a gateway no route rule targets.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm — delete the route rules that target the service gateway before deleting it
func (s *Server) deleteSGW(q *request, id string) *apiError {
	e, _ := s.cloud.VPCEndpoint(q.tenancy, id)
	if rt, _, used := s.routesTo(q.tenancy, e.NetworkID, id); used {
		return fail(http.StatusConflict, codeConflict, "The service gateway %s is the target of a route rule in route table %s", id, rt)
	}
	return modelErr(s.cloud.DeleteVPCEndpoint(q.tenancy, id))
}

// sgwRoute is the model route of a route rule to a service gateway: the
// rule's destination must be the CIDR label of a service enabled on it.
// OCI: https://docs.oracle.com/en-us/iaas/api/#/en/iaas/20160918/datatypes/RouteRule — destinationType SERVICE_CIDR_BLOCK: destination is the cidrBlock of a Service, for a service gateway target
func (s *Server) sgwRoute(tenancy string, w routeRule) (model.Route, *apiError) {
	e, err := s.cloud.VPCEndpoint(tenancy, w.NetworkEntityID)
	if err != nil || s.sgwOut(e) == nil {
		return model.Route{}, invalid("networkEntityId '%s' is not a service gateway of the tenancy", clip(w.NetworkEntityID))
	}
	svc, ok := model.ServiceByName(e.Region, w.Destination)
	if w.DestinationType != serviceCidrBlock || !ok || svc.Name != e.ServiceName {
		return model.Route{}, invalid("A route rule to a service gateway needs destinationType SERVICE_CIDR_BLOCK and a service CIDR label of its region as destination, not %s '%s'",
			clip(w.DestinationType), clip(w.Destination))
	}
	if !slices.Contains(splitList(e.Attrs[attrServices]), serviceOCID(svc)) {
		return model.Route{}, invalid("The service %s is not enabled on service gateway %s", svc.Name, e.ID)
	}
	return model.Route{PrefixListID: svc.PrefixListID, Target: model.Target{Kind: model.TargetVPCEndpoint, ID: e.ID}}, nil
}

// serviceCidrBlock is the destination type of a service CIDR label.
const serviceCidrBlock = "SERVICE_CIDR_BLOCK"

// serviceLabel is the CIDR label of a model route's OCI service list.
func serviceLabel(listID string) string {
	for _, svc := range model.OCIServices("") {
		if svc.PrefixListID == listID {
			return svc.Name
		}
	}
	return listID
}
