// Package topologies holds the mcnlab topology format: the Go types of a lab
// description, its strict YAML decoding with file:line:column errors, its
// validation, its JSON Schema, and the example topologies. It touches no
// kernel state and starts nothing.
//
// # Format v1
//
// A topology is one YAML document (FORMAT.md has the full table):
//
//	# yaml-language-server: $schema=./schema.json
//	name: three-tier        # required; ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$, at most 24 bytes
//	version: 1              # required; must be 1
//	defaults:
//	  mtu: 1500             # 68..65535; default 1500
//	nodes:                  # at least one node, or cloud intent with a vpc; file order is kept
//	  h1:                   # ^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$, at most 32 bytes
//	    kind: host          # required: host | router
//	    routes:
//	      - to: default     # "default" (0.0.0.0/0, or ::/0 when via is IPv6) or a canonical prefix
//	        via: 10.0.1.1   # the address of a neighbour on a link of this node
//	    exec:
//	      - echo hello      # non-empty shell commands run in the node once it is wired
//	  r1: {kind: router}
//	links:
//	  - endpoints:          # exactly 2: a mapping or the string "node:interface"
//	      - {node: h1, interface: eth0, address: 10.0.1.10/24}
//	      - {node: r1, interface: eth0, address: 10.0.1.1/24}
//	    mtu: 9000           # overrides defaults.mtu
//	    rate: 100mbit       # cap per direction, 8kbit..400gbit: integer bits/s or N[.N] kbit|mbit|gbit
//
// Interface names are 1..32 bytes (over 15, the kernel sees a derived short name) of [A-Za-z0-9_.-], not "lo", "." or "..",
// and each interface of a node belongs to one link. Both ends of a link carry
// addresses of one family in one network, or neither does; an IPv4 address
// is not the network or broadcast address of a prefix shorter than /31; no
// address appears twice in a lab; the networks of one node do not overlap; a
// link joins two different nodes; a link carrying IPv6 has an MTU of at least
// 1280. A node has one route per destination, and none to a network it is
// connected to.
//
// Parse and Load decode strictly: every unknown key (with a suggestion),
// wrong type, missing key and semantic problem is reported in one pass as an
// ErrorList whose items carry file, line, column and field path, such as
// links[2].endpoints[1].address. Validate runs the semantic checks alone on a
// Topology built in Go; Marshal writes one back as YAML that Parse accepts.
//
// Load reads only regular files of at most MaxFileSize (4 MiB), refusing a
// FIFO, device or directory without blocking. Messages quote at most
// MaxValueShown (80) bytes of a value, then give its length, and an
// ErrorList prints its first MaxErrorsShown (50) problems, then counts the
// rest.
//
// # Cloud intent
//
// A topology may also hold, or hold only, cloud intent (the Cloud type in
// cloud.go): accounts, vpcs with subnets and workloads, transits, spokes,
// transit-peerings, on-prem sites, segmentation domains and their
// connections, which the controller builds through the clouds' APIs.
// FORMAT.md documents every key and rule; aws-transit.yaml is an example.
//
// # Internet
//
// The internet block (the Internet type in internet.go) declares the
// emulated internet's DNS resolver and hosts: servers answering HTTP and
// HTTPS for their DNS names, and clients, all on 192.0.2.0/24 (the other
// documentation and benchmarking ranges are the lab's uplink, elastic IP
// and link pools). FORMAT.md documents its keys and rules;
// emulator/internet runs the servers.
//
// Adding a node kind is adding it to the kinds list, to schema.json's enum
// (a test keeps the two equal) and to the code that builds it.
package topologies
