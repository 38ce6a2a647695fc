// Package vpnauth is the user VPN's sign-in: a SAML 2.0 identity
// provider that the lab runs (crewjam/saml's samlidp, its users, groups
// and passwords from the topology), the controller's service provider
// (crewjam/saml's ServiceProvider) that receives the assertion, and the
// short-lived client credential it issues in return: a client certificate
// of the lab CA whose common name is the user and whose organizational
// unit is the user's profile, with a NotAfter minutes away, inside a
// complete OpenVPN client configuration (dataplane/uservpn.ClientConf).
// Login plays the browser's part headlessly: it follows the redirect to
// the IdP, fills its login form and posts the IdP's answer to the
// service provider.
//
// The package holds no network listener of its own: callers mount the
// handlers (IdP.Handler, SP.LoginHandler, SP.ACSHandler).
package vpnauth
