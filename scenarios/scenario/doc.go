// Package scenario reads, checks and runs scenario files: a topology, the
// steps that build and break its lab (deploy, kill or restart a gateway,
// approve a route, a cloud CLI call against the lab) and the assertions
// that must hold after them (reachability, TCP connects, routes, BGP
// sessions, FlightPath verdicts, the longest outage a fault causes). A run
// reports one result per assertion, which junit.go writes as JUnit XML for
// CI systems.
//
// It sits on top of the lab package: every scenario runs in a lab of its
// own with a unique name, destroyed afterwards unless kept.
package scenario
