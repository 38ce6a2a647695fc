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

// daemonVerb is the subcommand instance id's appliance daemon runs:
// "firewall" for an instance launched with FirewallImage, else "gateway".
func (r *Realizer) daemonVerb(id string) string {
	if fw, ok := r.firewalls.Load(id); ok && fw.(bool) {
		return "firewall"
	}
	return "gateway"
}
