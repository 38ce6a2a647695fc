// Package realize makes a cloudmock model true in a dataplane of Linux
// network namespaces, so that routing, security groups and network ACLs are
// enforced on real packets rather than only answered by the API:
//
//   - each network (VPC) gets a router namespace mcn-<lab>-vpc-<id>, each
//     subnet a bridge on it holding the VPC router's address (base+1);
//   - each instance interface gets a namespace mcn-<lab>-i-<id> plugged into
//     its subnet's bridge, with its private address and a default route via
//     base+1; each NAT gateway likewise gets mcn-<lab>-nat-<id>;
//   - each route table is a kernel table on the router, selected by an ip
//     rule per subnet bridge; the local route is a throw route that falls
//     through to the VPC's local table, so the kernel's longest-prefix match
//     is AWS's; routes whose target is gone are blackholes;
//   - security groups and the source/destination check are stateful
//     nftables rules in the instance's namespace, on its interface eth0
//     only (traffic inside a tunnel the instance terminates was checked as
//     tunnel packets); network ACLs are stateless
//     nftables chains on the router, one per subnet and direction;
//   - an internet gateway is a link from the router to the lab's emulated
//     internet (mcn-<lab>-inet, holding the server 192.0.2.10) with
//     one-to-one NAT of elastic IPs; a peering is a link between two
//     routers; a transit gateway is a router namespace mcn-<lab>-tgw-<id>
//     with a kernel table per route table and a link to each attached VPC.
//     Traffic arriving from a gateway or peering is routed only by the VPC's
//     local table, which makes peering non-transitive;
//   - an instance launched with GatewayImage runs the real `mcnlab gateway`
//     daemon (Options.GatewayCommand) inside its namespace, answering on
//     GatewaySocket(lab, instance ID) under GatewayName(instance ID), from
//     when its launch is in force until it terminates.
//
// A Realizer follows the model through its change events and reconciles
// the whole dataplane against a fresh read of the model, one pass at a time
// on one goroutine, changing only what differs. Sync (or the InForce
// wrapper for an API front-end) returns once every change made before it is
// in force.
//
// Not realized yet: VPN gateways and VPN attachments (their routes drop),
// IPv6 (instances drop it), public IPs given at launch.
//
// The package touches only namespaces it creates, all named mcn-<lab>-...,
// and the links inside them; it never adds a link, route or rule to the
// root namespace and never runs ip or nft: netlink and nftables are driven
// through their Go libraries.
package realize
