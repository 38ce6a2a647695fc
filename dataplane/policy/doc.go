// Package policy is the one nftables builder of the dataplane: a Table is a
// description in plain Go values (chains with their hook, type, priority and
// policy; rules made of matches on IPv4 and IPv6 prefixes, named prefix
// sets, L4 protocol and ports, interfaces, conntrack state and mark,
// packet mark, and a flow hash (jhash) for balancing; counters; packet and
// conntrack mark sets; verdicts, a TCP reset and a hand-off to a userspace
// NFQUEUE among them; masquerade, SNAT and DNAT; flow sets, which count
// the packets a rule sees by IPv4 flow for ReadFlows, track.go), and Apply
// compiles tables to nftables expressions and replaces
// them in the kernel in one transaction, so no packet ever sees half a
// policy.
//
// Apply and the readers talk to the kernel only through Conn, the few
// nftables calls used, which *nftables.Conn implements (for another
// namespace, nftables.New(nftables.WithNetNSFd(fd))). Fake is a recording
// Conn that keeps the state the kernel would have and renders it as stable
// text (String), so that callers table-test their policies without root;
// Dump renders a real connection's tables the same way, so a root test
// proves the kernel holds what the fake says.
//
// The gateway's segmentation and security features build on it (the FQDN
// egress filter, dataplane/egress, queues and marks connections; FireNet's
// steering, dataplane/firenet, balances flows over firewalls by hash and
// conntrack mark; the firewall engine, dataplane/firewall); so can the
// emulated cloud's realizer. The package never runs `nft` and never switches
// network namespaces.
package policy
