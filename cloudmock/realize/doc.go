// Package realize makes a cloudmock model true in a dataplane of Linux
// network namespaces, so that routing and rule sets (security groups,
// network ACLs, NSGs, firewall rules, security lists) are enforced on real
// packets rather than only answered by the API:
//
//   - each network (VPC) gets a router namespace mcn-<lab>-vpc-<id>, each
//     subnet a bridge on it holding the VPC router's address (base+1);
//   - each instance interface gets a namespace mcn-<lab>-i-<id> plugged into
//     its subnet's bridge, with its private address, a MAC fixed by its ID
//     and a default route via base+1; each NAT gateway likewise gets
//     mcn-<lab>-nat-<id>. A stopped instance has no namespace (what ran in
//     it ends); a start or a reboot makes it anew with the same address;
//   - each route table is a kernel table on the router, selected by an ip
//     rule per subnet bridge; the local route is a throw route that falls
//     through to the VPC's local table, so the kernel's longest-prefix match
//     is AWS's; routes whose target is gone are blackholes; of routes to one
//     destination the lowest priority is kept; an instance that a
//     tag-associated table applies to gets a kernel table of its own,
//     selected by an ip rule from its address;
//   - every rule set compiles by one path (rules.go, through
//     dataplane/policy): the sets of an interface (attached to it, or to its
//     network with a tag its instance carries) become nftables chains in the
//     instance's namespace, on its interface eth0 only (traffic inside a
//     tunnel the instance terminates was checked as tunnel packets), with
//     the source/destination check; the sets attached to a subnet become
//     chains on the router, per subnet and direction. Each flavour is one
//     layer in priority order (first match decides, deny drops); a stateful
//     allow marks its connection so its return passes, a stateless one
//     does not;
//   - an internet gateway is a link from the router to the lab's emulated
//     internet (mcn-<lab>-inet, holding the server 192.0.2.10) with
//     one-to-one NAT of elastic IPs; a peering is a link between two
//     routers; a transit gateway is a router namespace mcn-<lab>-tgw-<id>
//     with a kernel table per route table, a link to each attached VPC
//     (IPv6 too where the attachment has IPv6 support) and one to each
//     accepted peer gateway, in any region or account (transit.go).
//     Traffic arriving from a gateway or peering is routed only by the VPC's
//     local table, which makes peering non-transitive;
//   - a private line (Options.Circuits) is a namespace the lab made (the
//     site router's) and an interface name there; New records each as a
//     Direct Connect connection. While a private virtual interface on it is
//     available (its VPN gateway attached to VPC V), a veth joins V's router
//     (dx-<vif>, the cloud's address) and the site's namespace (the
//     circuit's interface, the customer's address), and the site gets a
//     route to each of V's prefixes via the cloud's address, standing in
//     for what AWS advertises over the interface's BGP session. Routes to
//     the VPN gateway go over the line; what comes in from it is routed by
//     V's local table only, so it reaches V and nothing beyond;
//   - an uplink (Options.Uplinks) is an on-prem site's link to the
//     internet: a veth between the internet namespace (u-<name>, the first
//     usable address of the uplink's prefix) and the site's namespace (the
//     uplink's interface, the site's public address), with the site's
//     default route via the internet's end. The internet namespace exists
//     while there are uplinks or internet gateways, and routes between
//     the uplinks' prefixes and the elastic IPs, so a site reaches an
//     instance's elastic IP (and the instance the site, as its elastic
//     IP) but no private address. Uplink prefixes stay clear of what the
//     internet uses (UplinkSpace, 198.51.100.0/24 in /30s, is the
//     recommended space, but for its upper half, model.ServiceSpace,
//     where the AWS services of gateway endpoints live: endpoints.go);
//   - the internet's services (Options.Internet, a topology's internet
//     block): the internet namespace then always exists; its resolver and
//     web hosts run in the cloud process on /32s on its lo (internet.go),
//     started whenever the namespace is made or adopted and closed before
//     it goes. Each VPC router serves a resolver answering the same names
//     (AmazonProvidedDNS: the primary CIDR's base+2 and 169.254.169.253,
//     while DNS support is on), and each instance gets
//     /etc/netns/<namespace>/resolv.conf naming it (resolver.go);
//   - an instance launched with GatewayImage runs the real `mcnlab gateway`
//     daemon (Options.GatewayCommand) inside its namespace, answering on
//     GatewaySocket(lab, instance ID) under GatewayName(instance ID), from
//     when its launch is in force until it stops or terminates, and again
//     from each start and reboot; one launched with FirewallImage runs
//     `mcnlab firewall` (a FireNet firewall's engine) the same way, on the
//     same socket;
//   - a network whose provider has system routes (model.Profile.SystemRoutes,
//     Azure's VNets; systemroutes.go) routes each subnet by its effective
//     routes (model.Cloud.EffectiveRoutes): the VNet (a throw to the local
//     table), peered VNets over their links, 0.0.0.0/0 to the internet
//     (its router always has an internet link, no gateway object needed),
//     None as blackholes, and user-defined routes over them; a route to an
//     appliance in a peered network crosses the peering and the peer's
//     router hands what comes in from that subnet to the appliance. A
//     route to the virtual network gateway goes over the VNet's private
//     line (ExpressRoute private peering on a circuit), or, where the VNet
//     uses the remote gateway of a peer allowing gateway transit, over the
//     peering to the peer's line, which also carries the VNet's prefixes
//     to the site. A peering side that takes no forwarded traffic drops
//     what comes in from the peer with a source outside the peer's address
//     space (gateway transit aside). Public
//     IPs of such providers can be closed (model.Profile.PublicIPClosed):
//     no new connection comes in from the internet while no rule set
//     filters the interface. A NAT gateway of no subnet (subnetnat.go)
//     translates its subnets' new connections to the internet to its
//     public IP, ahead of their own;
//   - NSGs attached to a subnet (the nsg flavour) are enforced at each
//     interface of the subnet, as a layer before the interface's own sets
//     inbound and after them outbound, so they filter within the subnet
//     too; a set's implicit rules (model.RuleSet.Implicit: Azure's default
//     rules) follow its own; service tags are resolved where the set is
//     enforced (the VirtualNetwork tag of the subnet; Internet is what is
//     outside it); an interface that no rule set applies to passes all;
//   - a network with IPv6 prefixes is dual-stack (ipv6.go): subnet /64s
//     on the bridges (the router at base+1), hosts with their IPv6
//     addresses, IPv6 routes in the same kernel tables, rule sets compiled
//     per family, IPv6 over internet gateway and peering links without
//     translation, and an egress-only internet gateway as a link of its
//     own that passes only the replies to connections made from inside.
//     The internet's IPv6 server is InternetServer6 (2001:db8:f000::10);
//     every IPv6 address the lab uses is on 2001:db8::/32;
//   - the flows the kernel tracks (flows.go) feed GuardDuty's findings
//     (guardduty.go) and VPC flow logs, whose ACCEPT records go to their
//     CloudWatch Logs log groups and to Options.FlowLogDir (flowlogs.go);
//     what the rule sets drop is counted by flow in each table's flow set
//     rejectedSet (rules.go), read by the same source for REJECT records.
//
// A Realizer follows the model through its change events and reconciles
// the whole dataplane against a fresh read of the model, one pass at a time
// on one goroutine, changing only what differs. Sync (or the InForce
// wrapper for an API front-end) returns once every change made before it is
// in force.
//
//   - a VPN connection of a gateway that holds a public address (Azure's
//     virtual network gateway) to a customer gateway at one of the
//     uplinks' addresses (vpn.go) is a namespace mcn-<lab>-vng-<gateway>
//     linked to the internet (its public address) and to its network's
//     router, running charon (IKEv2 with the connection's shared key, ESP
//     over ipsec0, any-to-any selectors) and, with BGP, FRR's bgpd peering
//     with the customer's BGP address over the tunnel, announcing the
//     network's prefixes; the routes it learns are recorded on the
//     connection (the network's effective routes to the gateway), which
//     the router sends to the gateway, as it does user-defined routes to
//     it. Without BGP the connection's routes go into the tunnel.
//   - GCP's HA VPN tunnels to peer gateway interfaces on the lab's uplinks
//     (gcpvpn.go) are such gateways, one namespace per tunnel holding its
//     HA VPN interface's external address, bgpd speaking for the Cloud
//     Router (its ASN, the BGP peer's link-local addresses, what the
//     router advertises); the routes a tunnel learns are the network's
//     dynamic routes, for the subnets of the router's region or, with
//     GLOBAL dynamic routing, of every region. The tunnels' status
//     (ESTABLISHED) and the peers' (UP) follow the SAs and sessions.
//   - GCP's active DEDICATED VLAN attachments on the lab's private lines
//     (gcpic.go): a namespace mcn-<lab>-ica-<attachment> linked to the
//     network's router and, by the line's interface, to the circuit's
//     namespace (cloudRouterIpAddress and customerRouterIpAddress), with
//     bgpd for the Cloud Router; what it learns are dynamic routes as a
//     tunnel's are.
//
// Not realized yet: AWS's VPN tunnels and VPN attachments (routes to a VPN
// gateway without a virtual interface or a realized connection drop),
// more than one virtual
// interface per line, IPv6 through VPN and Direct
// Connect (their IPv6 routes drop), IPv6-only subnets, public IPs given at
// launch. Instances of IPv4-only networks drop IPv6.
//
// The package touches only namespaces it creates, all named mcn-<lab>-...,
// and the links inside them, and in a circuit's or uplink's namespace
// (mcn-..., the lab's) only the circuit's or uplink's interface and its
// routes, which it creates and deletes but never the namespace; it never
// adds a link, route or rule to the root namespace and never runs ip or
// nft: netlink and nftables are driven through their Go libraries.
package realize
