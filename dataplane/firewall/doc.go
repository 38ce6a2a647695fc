// Package firewall is FireNet's generic stateful firewall engine: it runs
// in a firewall instance's network namespace and enforces forward policy
// rules there (5-tuple allow or deny, first match wins, a default action;
// packets of established connections pass), with a counter per rule, and
// reads the namespace's conntrack table to show which flows crossed it.
//
// The rules compile to one nftables table through dataplane/policy; the
// engine reaches the kernel only through policy.Conn and a conntrack
// reader, so its decisions are table-tested with policy.Fake and a fake
// table. It never switches the calling thread's namespace (StartIn sets
// the namespace's sysctls on a locked thread of its own).
package firewall
