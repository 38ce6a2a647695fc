// Package fib programs best paths into the kernel routing table of the
// network namespace that its netlink handle points at.
//
// Every route it installs carries Protocol (186) in the kernel's route
// protocol field, so it recognises its own routes and must never change or
// remove a route that carries any other protocol number. It does not choose
// routes (that is dataplane/bgp's job) and does not switch namespaces: the
// caller passes a *netlink.Handle for the right one.
package fib
