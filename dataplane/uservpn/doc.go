// Package uservpn is a user VPN gateway's dataplane: a real OpenVPN
// server (Debian's openvpn) run in the gateway's namespace, driven over
// its management interface with client authorization
// (--management-client-auth), and the per-user profile rules put into the
// gateway's nftables (dataplane/policy) while the user is connected.
//
// OpenVPN checks the client certificate (the lab CA's signature, its
// validity period, the client key usage); the gateway then reads the user
// (the certificate's common name) and its profile (the organizational
// unit) from the environment OpenVPN reports, gives the user an address
// of the pool, installs the profile's rules for that address, and only
// then lets the client in. A disconnect (by the client, by the keepalive
// timing out, or by Disconnect) removes the user's rules. Server and
// client configurations are generated here (ServerConf, ClientConf) and
// refuse any value that could add a directive of its own.
//
// The package runs no controller logic: the profiles, certificates and
// tunnel mode come from its Config, set over the management socket
// (Listen, Client) by the controller.
package uservpn
