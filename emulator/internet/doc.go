// Package internet runs the services of a lab's emulated internet: a DNS
// server answering the lab's names authoritatively (Zone, DNSServer), and
// web hosts serving HTTP and HTTPS for each of their names with a
// certificate per name from the lab's CA, chosen by SNI (Web, WebServer).
// Every web response says which host and which name answered ("web1
// api.example.com /path"), so tests and users can tell servers apart.
//
// A Zone's Recursive view answers the same names as a VPC's resolver
// would (not authoritative, recursion available), for the cloud's
// realizer to serve inside each VPC without a route to the internet.
//
// Start runs all of them inside a named network namespace (the cloud's
// internet namespace, mcn-<lab>-inet): it opens every socket there, on a
// locked OS thread (emulator/netns.Do), then serves from ordinary
// goroutines; Close stops everything and waits for it. FromTopology turns
// a topology's internet block into a Config.
//
// The package never creates namespaces, interfaces or addresses: the
// caller puts the resolver's and the hosts' addresses on an interface of
// the namespace first. It takes the CA as crypto values (CA) and imports
// no lab code; it imports only topologies and emulator/netns.
package internet
