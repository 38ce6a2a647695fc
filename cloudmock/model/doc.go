// Package model holds cloudmock's provider-neutral cloud network model:
// accounts and their limits, networks (VPCs), subnets, route tables and
// routes (with priorities; a table applies to subnets or to tagged
// instances), rule sets (security groups, network ACLs, NSGs, firewall
// rules and security lists are flavours of one kind), instances and their network
// interfaces, internet and NAT gateways, elastic IPs, peering connections,
// transit gateways, VPN objects, and private lines (Direct Connect
// connections) with their virtual interfaces, and GuardDuty's detectors,
// threat lists and findings. It validates every change against the
// rules the real clouds enforce (sizes, overlaps, limits, dependencies) and
// tells subscribers about each committed change so that a realizer can make
// the model true in the emulated dataplane.
//
// What differs between providers is an account's profile (Profile, one per
// provider; AWS's in profile_aws.go and the default, Azure's in
// profile_azure.go): how IDs are minted, whether names are unique (and
// case-insensitive), which default objects a network comes with, the
// default limits, the addresses a subnet reserves and the regions.
// Every object has a region, a scope and a name (names.go), and a short
// handle from which the realizer names its kernel objects; the model
// refuses two objects with one handle. Each kind's objects live in one
// generic table (table.go) that does the per-kind bookkeeping.
//
// The model must not know any provider's wire format: no XML or JSON shapes,
// no provider parameter names and no provider error codes. Front-ends (aws,
// azure, gcp, oci) translate to and from it; errors carry a neutral Code and
// Kind that each front-end maps to its own codes. The model also must not
// touch the kernel: realizing it is the realizer's job.
//
// All methods of Cloud are safe for concurrent use. Getters return copies, so
// callers may keep and modify what they get.
package model
