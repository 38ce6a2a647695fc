package realize

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/mcnlab/mcnlab/emulator"
	"github.com/mcnlab/mcnlab/emulator/ipsec"
	"github.com/mcnlab/mcnlab/emulator/netns"
	"github.com/mcnlab/mcnlab/emulator/state"
	"github.com/mcnlab/mcnlab/internal/roottest"
	"github.com/mcnlab/mcnlab/topologies"
)

// haSpec is the cloud's side of an HA site's tunnels as its devices see
// it: the cloud's AS, its BGP address per tunnel and the site's, the
// tunnels' secret, and each device's IKE identity and, for a device
// behind a NAT, the address its IKE binds to.
type haSpec struct {
	cloudASN          int64
	cloudBGP, siteBGP []netip.Addr
	secret            string
	ids, binds        []netip.Addr
}

// haSite is the on-premises side, started.
type haSite struct {
	router  *roottest.NS
	frr     string          // the router's FRR folder
	charons []state.Process // cpe0's and cpe1's
}

// startHASite starts the devices' charons (initiating, as the gateways
// do, as a site's side does in the lab; any-to-any selectors, device i to
// gateway interface pubs[i]) and the router's FRR
// (AS 65010, a session to each Cloud Router peer address, announcing
// 172.16.1.0/24). A device sends what comes from the router into its
// tunnel and what comes out of it to the router.
// GCP: https://cloud.google.com/network-connectivity/docs/vpn/how-to/configuring-peer-gateway — the peer's BGP sessions over the tunnels, to the Cloud Router's link-local addresses
func startHASite(t *testing.T, lab string, spec haSpec, router *roottest.NS, cpes []*roottest.NS, pubs []netip.Addr) haSite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	site := haSite{router: router, frr: emulator.NodeDir(lab, "onprem")}
	lo := must[netlink.Link](t)(router.NL.LinkByName("lo"))
	must[struct{}](t)(struct{}{}, router.NL.LinkSetUp(lo))
	var conf strings.Builder
	fmt.Fprintf(&conf, "hostname onprem\nlog file %s/bgpd.log\n!\nrouter bgp %d\n bgp router-id %s\n no bgp ebgp-requires-policy\n no bgp network import-check\n", site.frr, haSiteASN, haSiteHost)
	roottest.AddAddr(t, router.NL, lo, netip.PrefixFrom(haSiteHost, 32).String())
	for i, cpe := range cpes {
		roottest.AddAddr(t, router.NL, lo, netip.PrefixFrom(spec.siteBGP[i], 32).String())
		fmt.Fprintf(&conf, " neighbor %s remote-as %d\n neighbor %[1]s ebgp-multihop 4\n neighbor %[1]s update-source %[3]s\n neighbor %[1]s timers 1 3\n neighbor %[1]s timers connect 1\n",
			spec.cloudBGP[i], spec.cloudASN, spec.siteBGP[i])
		site.charons = append(site.charons, startHACPE(ctx, t, lab, spec, i, router, cpe, pubs[i]))
	}
	fmt.Fprintf(&conf, " address-family ipv4 unicast\n  network %s\n exit-address-family\n!\n", haSiteLAN)
	d := emulator.FRRDaemon(site.frr, "onprem", conf.String())
	must[struct{}](t)(struct{}{}, d.Write())
	must[struct{}](t)(struct{}{}, d.Run(ctx, router.Handle, 10*time.Second))
	return site
}

// startHACPE links device i to the router (172.16.1.4i+4/30: the router
// .4i+5, the device .4i+6), starts its charon and routes: the router
// reaches the Cloud Router's address i through it, the device sends what
// the router sends into ipsec0 (table 100) and the site's LAN and BGP
// address i back to the router. It returns its charon.
func startHACPE(ctx context.Context, t *testing.T, lab string, spec haSpec, i int, router, cpe *roottest.NS, pub netip.Addr) state.Process {
	t.Helper()
	must[struct{}](t)(struct{}{}, netns.DoHandle(cpe.Handle, func() error { return writeSysctls(cpe.Name) }))
	rIf, cIf := fmt.Sprintf("cpe%d", i), "lan0"
	must[struct{}](t)(struct{}{}, router.NL.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: rIf}, PeerName: cIf, PeerNamespace: netlink.NsFd(int(cpe.Handle))}))
	rAddr := netip.AddrFrom4([4]byte{172, 16, 1, byte(4*i + 5)})
	cAddr := rAddr.Next()
	rl, cl := must[netlink.Link](t)(router.NL.LinkByName(rIf)), must[netlink.Link](t)(cpe.NL.LinkByName(cIf))
	roottest.AddAddr(t, router.NL, rl, netip.PrefixFrom(rAddr, 30).String())
	roottest.AddAddr(t, cpe.NL, cl, netip.PrefixFrom(cAddr, 30).String())
	must[struct{}](t)(struct{}{}, router.NL.LinkSetUp(rl))
	must[struct{}](t)(struct{}{}, cpe.NL.LinkSetUp(cl))
	must[struct{}](t)(struct{}{}, router.NL.RouteReplace(&netlink.Route{Dst: ipNet(netip.PrefixFrom(spec.cloudBGP[i], 32)), Gw: rAddr.Next().AsSlice(), LinkIndex: rl.Attrs().Index}))
	for _, p := range []netip.Prefix{haSiteLAN, netip.PrefixFrom(spec.siteBGP[i], 32)} {
		must[struct{}](t)(struct{}{}, cpe.NL.RouteReplace(&netlink.Route{Dst: ipNet(p), Gw: rAddr.AsSlice(), LinkIndex: cl.Attrs().Index}))
	}

	cdir := filepath.Join(emulator.NodeDir(lab, fmt.Sprintf("cpe%d", i)), "charon")
	must[struct{}](t)(struct{}{}, os.MkdirAll(filepath.Dir(cdir), 0o755)) // FRR's user reaches the lab's nodes folder
	must[struct{}](t)(struct{}{}, os.Mkdir(cdir, 0o700))
	any4 := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	c := ipsec.Conn{Name: "s2s", Local: spec.ids[i], Remote: pub, PSK: hex.EncodeToString([]byte(spec.secret)),
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal}, LocalTS: any4, RemoteTS: any4, Initiate: true}
	if i < len(spec.binds) {
		c.Bind = spec.binds[i]
	}
	swan := must[string](t)(ipsec.SwanctlConf([]ipsec.Conn{c}))
	for name, text := range map[string]string{"swanctl.conf": swan, "strongswan.conf": ipsec.CharonConf(cdir, vpnRouting)} {
		must[struct{}](t)(struct{}{}, os.WriteFile(filepath.Join(cdir, name), []byte(text), 0o600))
	}
	proc := must[state.Process](t)(emulator.RunCharon(ctx, cpe.Name, cdir))
	var tun netlink.Link
	waitFor(ctx, t, cpe.Name+"'s ipsec0", func() bool {
		k, err := cpe.NL.LinkByName(ipsec.TUN)
		tun = k
		return err == nil
	})
	must[struct{}](t)(struct{}{}, cpe.NL.RouteReplace(&netlink.Route{Dst: ipNet(netip.PrefixFrom(spec.cloudBGP[i], 32)), LinkIndex: tun.Attrs().Index}))
	must[struct{}](t)(struct{}{}, cpe.NL.RouteReplace(&netlink.Route{Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), LinkIndex: tun.Attrs().Index, Table: 100}))
	rule := netlink.NewRule()
	rule.IifName, rule.Table, rule.Priority = cIf, 100, 100
	must[struct{}](t)(struct{}{}, cpe.NL.RuleAdd(rule))
	return proc
}
