// Package azure is cloudmock's Azure front-end: an http.Handler that
// serves Azure Resource Manager (ARM) over HTTPS for the official Azure SDK
// for Go and the az CLI, over the provider-neutral model. It holds, on
// one listener, an identity endpoint shaped like Microsoft Entra ID and
// ADFS (OpenID configuration and a client-credentials token endpoint,
// enough for azidentity's ClientSecretCredential with instance discovery
// disabled and for az login --service-principal), subscriptions (model
// accounts with the azure profile), resource groups (model scopes),
// provider metadata, and Microsoft.Network virtual networks with subnets
// and peerings, network security groups with security rules, route
// tables with routes, network interfaces (with their effective routes and
// security rules), public IP addresses, NAT gateways, virtual network
// gateways (Vpn and ExpressRoute), local network gateways, connections
// (IPsec and ExpressRoute, across subscriptions with an authorization
// key), ExpressRoute circuits with their private peering and
// authorizations (the lab's private lines, circuit claiming the line of its
// name), and Microsoft.Compute virtual machines on existing NICs (model
// instances; the marketplace image mcnlab:gateway:lab runs mcnlab
// gateway), marketplace image versions, and template deployments
// (Microsoft.Resources/deployments: az vm create's path), whose
// resources are evaluated (template_expr.go) and written in dependency
// order through the same PUT handlers (template.go).
//
// Each service principal maps to one subscription; its tokens are signed
// by the server and checked on every ARM call. Every api-version Azure
// published for a resource type is accepted and answered with one shape;
// others are refused as ARM refuses them. Writes finish at once: a PUT or
// DELETE answers with an Azure-AsyncOperation URL whose operation has
// already succeeded, and Retry-After: 0.
//
// All wire shapes (JSON member names, api-versions, error codes) live here
// and must not leak into the model. This package keeps no cloud state of
// its own: every object is the model's, found by name through
// model.Cloud.ByName.
package azure
