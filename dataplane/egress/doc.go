// Package egress is the FQDN egress filter of an egress gateway: it lets
// the clients of a VPC's private subnets out to the internet by the names
// they ask for, as Aviatrix's FQDN egress filter does in place of a NAT
// gateway. A Policy holds rules by name (exact or *.wildcard), protocol
// and port, grouped in tags applied to source prefixes, under a base
// policy (allow-list or deny-list); Policy.Decide is the decision, without
// side effects.
//
// A Filter enforces a Policy on real packets inside the gateway's network
// namespace. nftables (through dataplane/policy) queues the first packets
// of each new forwarded TCP connection to the inspected ports to an
// NFQUEUE; the filter reads the TLS SNI or HTTP Host from them (package
// sniff), decides, and hands the verdict back as a packet mark that the
// table turns into the connection's conntrack mark: the rest of an allowed
// connection never leaves the kernel, a denied one is reset. Two names
// served from one address are told apart this way. Other protocols and
// ports are matched in the kernel against sets of the addresses that the
// rules' names resolved to (Filter.Learn); their first packet visits the
// queue only to be logged. Every decision is logged with the rule that
// made it.
//
// The package touches the kernel only through policy.Conn and PacketQueue
// (package nfqueue's Queue), so its tests run on fakes without root. It
// never switches the calling thread's namespace and never imports the
// controller, the lab or the cloud mock.
package egress
