// Package firenet is the transit gateway's side of FireNet: it steers the
// traffic of inspected domain pairs (and, optionally, internet egress) to
// firewall instances without source NAT, so that the firewalls see the real
// source addresses, balances flows across the healthy firewalls by a
// 5-tuple or 2-tuple hash, keeps both directions of each flow on the same
// firewall, health-checks the firewalls and moves flows off a dead one.
//
// Steering is a packet mark and policy routing: an nftables table (built
// with dataplane/policy) marks a packet with its firewall's mark, an `ip
// rule` sends that mark to the firewall's routing table, whose default
// route goes via the firewall on its link. Packets coming back from a
// firewall (on a firewall link) are not steered again and are routed on.
//
// Symmetry: a flow's first packet chooses a firewall by a seeded jhash of
// its fields in a canonical order (the address and port of a fixed side of
// the pair first, whichever way the packet goes), and the choice is kept in
// the connection's conntrack mark, which every later packet of either
// direction follows. The mark makes one gateway symmetric whatever the
// hash; the canonical order and fixed seed make two gateways of an HA pair,
// each seeing one direction, choose the same firewall while they agree on
// which firewalls are healthy (TestHAPairChoosesAlike; while their health
// views differ, for up to a probe interval or two, a new flow's directions
// may part). The order needs two sides: traffic within one domain (a pair
// A-A) is symmetric on one gateway only. Flows stay on their firewall
// when another one goes down or comes back; only a dead firewall's flows
// are hashed again over the healthy ones.
//
// A firewall is one-armed: it returns what it passes to the gateway on
// the link it came in on (or any firewall link), and the gateway routes it
// on; the gateway sets loose reverse-path filtering on firewall links.
//
// The package reaches the kernel only through policy.Conn, the Routes
// interface (FakeRoutes records it) and a Prober per firewall, so its
// decisions are table-tested without root. It never imports cloudmock,
// controller or lab.
package firenet
