// Package l7proxy is FireNet's L7 firewall engine: Debian's squid in
// transparent (TPROXY) mode in a firewall instance's namespace, with
// access rules on HTTP requests (Host and path) and on TLS connections
// (the SNI, peeked at without decrypting). It renders squid.conf from a
// Policy, runs squid as a child process it supervises (readiness is the
// ports listening in the namespace; Close kills it by PID), and reads
// squid's access log back as decisions, each naming the rule that made
// it.
//
// squid opens its own connection to the server from the client's address
// (tproxy), so the far end sees the original source; dataplane/firewall
// diverts tcp/80 and tcp/443 to its ports (nftables tproxy and a policy
// route). The package touches no nftables or routes itself.
//
// Debian's package "squid" is built with GnuTLS and cannot peek at TLS;
// "squid-openssl" (Debian's same squid, built --with-openssl) can, and is
// the one this package needs for TLS rules.
package l7proxy
