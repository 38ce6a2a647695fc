// Package realize makes a cloudmock model true in a dataplane of Linux
// network namespaces: each network (VPC) gets a router namespace, each
// subnet a bridge on it, each instance and NAT gateway a namespace of its
// own wired to its subnet; route tables become policy-routing tables on the
// router, security groups and source/destination checks become stateful
// nftables rules in the instance, network ACLs stateless nftables rules on
// the router, internet gateways a link to the lab's emulated internet with
// one-to-one NAT, and peerings links between routers.
//
// A Realizer follows the model through its change events and reconciles
// the whole dataplane against a fresh read of the model on one goroutine;
// Sync lets an API front-end return only once a change is in force.
//
// The package touches only namespaces it creates, all named
// mcn-<lab>-...; it never adds a link, route or rule to the root namespace
// and never runs ip or nft: netlink and nftables are driven through their
// Go libraries.
package realize
