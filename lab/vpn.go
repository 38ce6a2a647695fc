package lab

import (
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/crewjam/saml"

	"github.com/mcnlab/mcnlab/controller"
	"github.com/mcnlab/mcnlab/controller/intent"
	"github.com/mcnlab/mcnlab/controller/vpnauth"
)

// The user VPN's sign-in is served beside the controller's API, on its
// listener, without tokens (the assertion is the credential): the SP at
// VPNSAMLPath (login, acs) and the lab's IdP at VPNIdPPath (sso, login,
// metadata).
const (
	VPNSAMLPath = "/v1/vpn/saml"
	VPNIdPPath  = "/v1/vpn/idp"
)

// vpnCA is the lab's CA as the user VPN issues with it; nil when the lab
// has no user VPN.
func vpnCA(lab string, cp *intent.Plan) (*vpnauth.CA, error) {
	if cp.Topology.UserVPN == nil {
		return nil, nil
	}
	ca, err := LoadCA(lab)
	if err != nil {
		return nil, fmt.Errorf("user VPN: %w", err)
	}
	return &vpnauth.CA{Cert: ca.Cert, Signer: ca.Signer()}, nil
}

// withVPN returns api with the user VPN's SP and IdP mounted, served at
// base (the API's URL); api itself when the lab has no user VPN.
func withVPN(api http.Handler, base string, cp *intent.Plan, ctl *controller.Controller, ca *vpnauth.CA) (http.Handler, error) {
	u := cp.Topology.UserVPN
	if u == nil || ca == nil {
		return api, nil
	}
	spBase, err := url.Parse(base + VPNSAMLPath)
	if err != nil {
		return nil, fmt.Errorf("user VPN: %w", err)
	}
	sp, err := vpnauth.NewSP(vpnauth.SPOptions{Base: *spBase, CA: *ca, Profile: ctl.VPNProfile, Gateway: ctl.VPNEndpoint,
		MaxLifetime: cp.VPNLifetime(), Issued: ctl.VPNIssued})
	if err != nil {
		return nil, err
	}
	var users []vpnauth.User
	for _, us := range u.Users {
		users = append(users, vpnauth.User{Name: us.Name, Password: us.Password, Groups: us.Groups})
	}
	idpBase, err := url.Parse(base + VPNIdPPath)
	if err != nil {
		return nil, fmt.Errorf("user VPN: %w", err)
	}
	idp, err := vpnauth.NewIdP(*idpBase, users, []*saml.EntityDescriptor{sp.Metadata()}, log.New(os.Stderr, "idp: ", log.LstdFlags))
	if err != nil {
		return nil, err
	}
	sp.SetIdP(idp.Metadata())
	mux := http.NewServeMux()
	mux.Handle("GET "+VPNSAMLPath+"/login", sp.LoginHandler())
	mux.Handle("POST "+VPNSAMLPath+"/acs", sp.ACSHandler())
	mux.Handle(VPNIdPPath+"/", http.StripPrefix(VPNIdPPath, idp.Handler()))
	mux.Handle("/", api)
	return mux, nil
}
