package realize

// FirewallImage is the image ID that makes an instance a FireNet
// firewall: it runs `<Options.GatewayCommand> firewall --socket
// GatewaySocket(lab, id) --name GatewayName(id)` in its namespace, started,
// supervised and stopped exactly as a gateway daemon is (gateways.go): the
// stateful firewall engine (dataplane/firewall), whose policy the
// controller sets over that socket (dataplane/fwmgmt). A firewall forwards
// what the gateways steer to it, so its source/destination check must be
// off, as for any appliance.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — an appliance that forwards needs the source/destination check off
const FirewallImage = "ami-mcnlab-firewall"

// EgressImage is the image ID that makes an instance an FQDN egress
// gateway: it runs `<Options.GatewayCommand> egress-gateway --socket
// GatewaySocket(lab, id) --name GatewayName(id)` the same way, the FQDN
// filter (dataplane/egress) with its source NAT, whose policy the
// controller sets over that socket (dataplane/egressmgmt). Like a NAT
// instance it forwards its private subnets' traffic, so its
// source/destination check must be off.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html — a NAT instance in a public subnet, the private subnets' route tables pointing 0.0.0.0/0 at it, its source/destination check off
const EgressImage = "ami-mcnlab-egress"

// VPNImage is the image ID that makes an instance a user VPN gateway: it
// runs `<Options.GatewayCommand> vpn-gateway --socket GatewaySocket(lab,
// id) --name GatewayName(id)` the same way, an OpenVPN server with the
// profiles' rules (dataplane/uservpn), configured by the controller over
// that socket. It translates its clients' addresses to its own, as a NAT
// instance does, so its source/destination check must be off.
// AWS: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html#EIP_Disable_SrcDestCheck — an instance that forwards needs the source/destination check off
const VPNImage = "ami-mcnlab-vpn"

// The image IDs of Azure VMs made from the lab's appliance images: the
// Azure front-end's publisher:offer:sku (lower case) of the marketplace
// references mcnlab:gateway:lab, mcnlab:firewall:lab and
// mcnlab:egress-gateway:lab. Their VMs run the same daemons as
// GatewayImage, FirewallImage and EgressImage; forwarding appliances need
// IP forwarding on their NICs (enableIPForwarding), as Azure requires.
// Azure: https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-network-interface#enable-or-disable-ip-forwarding — a network virtual appliance's NIC needs IP forwarding enabled
const (
	AzureGatewayImage  = "mcnlab:gateway:lab"
	AzureFirewallImage = "mcnlab:firewall:lab"
	AzureEgressImage   = "mcnlab:egress-gateway:lab"
)

// The image IDs of GCP instances made from the lab's appliance images:
// the Compute front-end's resource paths of the boot disk's source image
// (an image of the project mcnlab, named or by its family of the same
// name). Their instances run the same daemons as GatewayImage,
// FirewallImage and EgressImage; forwarding appliances need canIpForward,
// as GCP requires.
// GCP: https://cloud.google.com/vpc/docs/using-routes#canipforward — an instance that forwards packets needs IP forwarding enabled
const (
	GCPGatewayImage  = "projects/mcnlab/global/images/gateway"
	GCPFirewallImage = "projects/mcnlab/global/images/firewall"
	GCPEgressImage   = "projects/mcnlab/global/images/egress-gateway"
)

// The image OCIDs of OCI instances made from the lab's appliance images
// (the OCI front-end's sourceDetails.imageId). Their instances run the
// same daemons as GatewayImage, FirewallImage and EgressImage; forwarding
// appliances' VNICs need skipSourceDestCheck, as OCI requires.
// OCI: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingIPaddresses.htm#privateip — a VNIC that forwards skips the source/destination check
const (
	OCIGatewayImage  = "ocid1.image.oc1..mcnlabgateway"
	OCIFirewallImage = "ocid1.image.oc1..mcnlabfirewall"
	OCIEgressImage   = "ocid1.image.oc1..mcnlabegressgateway"
)

// daemonImages maps the images whose instances run an appliance daemon to
// the subcommand it runs.
var daemonImages = map[string]string{GatewayImage: "gateway", FirewallImage: "firewall", EgressImage: "egress-gateway", VPNImage: "vpn-gateway",
	AzureGatewayImage: "gateway", AzureFirewallImage: "firewall", AzureEgressImage: "egress-gateway",
	GCPGatewayImage: "gateway", GCPFirewallImage: "firewall", GCPEgressImage: "egress-gateway",
	OCIGatewayImage: "gateway", OCIFirewallImage: "firewall", OCIEgressImage: "egress-gateway"}

// daemonVerb is the subcommand instance id's appliance daemon runs, by
// the image it was launched with (daemonImages); "gateway" when unknown.
func (r *Realizer) daemonVerb(id string) string {
	if v, ok := r.firewalls.Load(id); ok {
		return v.(string)
	}
	return "gateway"
}
