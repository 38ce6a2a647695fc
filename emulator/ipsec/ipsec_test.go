package ipsec

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/mcnlab/mcnlab/topologies"
)

const testPSK = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func mapped() *topologies.Site2Cloud {
	p := netip.MustParsePrefix
	return &topologies.Site2Cloud{Name: "branch1", Site: "br1", SiteAddress: netip.MustParseAddr("203.0.113.2"),
		Gateway: "gw1", GatewayAddress: netip.MustParseAddr("198.51.100.2"),
		HAGateway: "gw2", HAGatewayAddress: netip.MustParseAddr("198.51.100.6"),
		IKE: []string{topologies.DefaultIKEProposal}, ESP: []string{topologies.DefaultESPProposal},
		SiteSubnets: []netip.Prefix{p("10.0.0.0/16")}, CloudSubnets: []netip.Prefix{p("10.0.0.0/16")},
		Mappings: []topologies.S2CMapping{{Site: p("10.0.0.0/16"), SiteVirtual: p("100.65.0.0/16"), Cloud: p("10.0.0.0/16"), CloudVirtual: p("100.81.0.0/16")}}}
}

// TestSiteTemplate pins the strongSwan template of a mapped connection with
// an HA gateway: the site sees the VPC as the cloud's virtual prefix, both
// tunnels initiate, the primary has the lower policy priority and each
// its own reqid, and the gateway's side mirrors the primary.
func TestSiteTemplate(t *testing.T) {
	conns := SiteConns(mapped(), testPSK, 1)
	got, err := SwanctlConf(conns)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  branch1 {\n    version = 2\n    local_addrs = 203.0.113.2\n    remote_addrs = 198.51.100.2\n",
		"  branch1-ha {\n    version = 2\n    local_addrs = 203.0.113.2\n    remote_addrs = 198.51.100.6\n",
		"proposals = aes256-sha256-modp2048\n",
		"local_ts = 10.0.0.0/16\n        remote_ts = 100.81.0.0/16\n        esp_proposals = aes256gcm16\n        start_action = start\n        dpd_action = restart\n        close_action = start\n        priority = 100\n        reqid = 3\n",
		"priority = 200\n        reqid = 4\n",
		"  ike-branch1-ha {\n    id-1 = 203.0.113.2\n    id-2 = 198.51.100.6\n    secret = 0x" + testPSK + "\n  }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("template lacks %q:\n%s", want, got)
		}
	}
	gw := GatewayConn(mapped(), "gw2", testPSK)
	if gw.Name != "branch1-ha" || gw.Local.String() != "198.51.100.6" || gw.Remote.String() != "203.0.113.2" ||
		gw.LocalTS[0].String() != "100.81.0.0/16" || gw.RemoteTS[0].String() != "10.0.0.0/16" || gw.Initiate {
		t.Errorf("gw2's side: %+v", gw)
	}
}

// TestTemplateRefusesHostileInput: nothing that would write another
// section, key or line into a configuration file gets through Check.
func TestTemplateRefusesHostileInput(t *testing.T) {
	good := SiteConns(mapped(), testPSK, 0)[0]
	for name, mutate := range map[string]func(*Conn){
		"name with a brace":     func(c *Conn) { c.Name = "x }\nsecrets {" },
		"name with a space":     func(c *Conn) { c.Name = "a b" },
		"empty name":            func(c *Conn) { c.Name = "" },
		"psk with a quote":      func(c *Conn) { c.PSK = `"abc"` },
		"short psk":             func(c *Conn) { c.PSK = "00" },
		"psk with a newline":    func(c *Conn) { c.PSK = testPSK + "\n}" },
		"proposal injection":    func(c *Conn) { c.IKE = []string{"aes256-sha256-modp2048\n  }"} },
		"proposal list comma":   func(c *Conn) { c.ESP = []string{"aes256gcm16,aes128gcm16"} },
		"no proposals":          func(c *Conn) { c.ESP = nil },
		"IPv6 peer":             func(c *Conn) { c.Remote = netip.MustParseAddr("2001:db8::1") },
		"no peer":               func(c *Conn) { c.Remote = netip.Addr{} },
		"unmasked selector":     func(c *Conn) { c.LocalTS = []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")} },
		"zero selector":         func(c *Conn) { c.RemoteTS = []netip.Prefix{{}} },
		"no selectors":          func(c *Conn) { c.LocalTS = nil },
		"negative priority":     func(c *Conn) { c.Priority = -1 },
		"reqid out of range":    func(c *Conn) { c.Reqid = 70000 },
		"name over 32 bytes":    func(c *Conn) { c.Name = strings.Repeat("a", 33) },
		"upper-case name":       func(c *Conn) { c.Name = "Branch" },
		"name starting with -":  func(c *Conn) { c.Name = "-x" },
		"psk of 129 hex digits": func(c *Conn) { c.PSK = strings.Repeat("a", 129) },
		"cert path injection":   func(c *Conn) { c.Cert = &CertFiles{Name: "x", Cert: "/a.pem\n}", Key: "/k.pem", CA: "/ca.pem"} },
		"relative cert path":    func(c *Conn) { c.Cert = &CertFiles{Name: "x", Cert: "a.pem", Key: "/k.pem", CA: "/ca.pem"} },
		"unclean cert path":     func(c *Conn) { c.Cert = &CertFiles{Name: "x", Cert: "/a/../b.pem", Key: "/k.pem", CA: "/ca.pem"} },
		"cert name with a dot":  func(c *Conn) { c.Cert = &CertFiles{Name: "../x", Cert: "/a.pem", Key: "/k.pem", CA: "/ca.pem"} },
	} {
		c := good
		c.IKE, c.ESP = append([]string(nil), good.IKE...), append([]string(nil), good.ESP...)
		mutate(&c)
		for _, vendor := range Vendors {
			if out, err := Template(vendor, []Conn{c}); err == nil {
				t.Errorf("%s: %s rendered:\n%s", name, vendor, out)
			}
		}
	}
}

// TestCiscoTemplate pins the IOS names of the proposals' algorithms, the
// VTI and the routes of a connection with custom proposals and PFS.
func TestCiscoTemplate(t *testing.T) {
	s := mapped()
	s.IKE, s.ESP = []string{"aes128gcm16-prfsha256-ecp256"}, []string{"aes256-sha256-modp2048"}
	got, err := Template("cisco-ios", SiteConns(s, testPSK, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"crypto ikev2 proposal branch1\n encryption aes-gcm-128\n prf sha256\n group 19\n",
		"crypto ikev2 keyring branch1\n peer branch1\n  address 198.51.100.2\n  pre-shared-key " + testPSK + "\n",
		"crypto ipsec transform-set branch1 esp-aes 256 esp-sha256-hmac\n mode tunnel\n",
		" set pfs group14\n",
		"interface Tunnel100\n", "tunnel destination 198.51.100.6\n",
		"ip route 100.81.0.0 255.255.0.0 Tunnel100 1\n", "ip route 100.81.0.0 255.255.0.0 Tunnel101 10\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("cisco-ios template lacks %q:\n%s", want, got)
		}
	}
	frr, err := Template("frr", SiteConns(s, testPSK, 0))
	if err != nil || !strings.Contains(frr, "ip route 100.81.0.0/16 ipsec0 1\n") || !strings.Contains(frr, "ip route 100.81.0.0/16 ipsec0 10\n") {
		t.Errorf("frr template (%v):\n%s", err, frr)
	}
	if _, err := Template("juniper", nil); err == nil || !strings.Contains(err.Error(), "valid: strongswan, cisco-ios, frr") {
		t.Errorf("Template(juniper) = %v", err)
	}
}

// TestParseSAs reads swanctl's listing as charon 5.9 prints it, and
// refuses a child SA or peer before any IKE SA.
func TestParseSAs(t *testing.T) {
	out := `branch1: #2, ESTABLISHED, IKEv2, df402c6354d0173a_i 433c39134648d89e_r*
  local  '198.51.100.2' @ 198.51.100.2[4500]
  remote '203.0.113.2' @ 203.0.113.2[4500]
  AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
  established 22s ago, rekeying in 13738s
  branch1: #2, reqid 2, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256
    installed 22s ago, rekeying in 3325s, expires in 3938s
    in  50efbdb3,      0 bytes,     0 packets
    out c0d70d65,      0 bytes,     0 packets
    local  100.81.0.0/16
    remote 10.0.0.0/16
branch1-ha: #3, CONNECTING, IKEv2, 9043d3185c6b93e8_i* 0000000000000000_r
  local  '203.0.113.2' @ 203.0.113.2[500]
  remote '198.51.100.6' @ 198.51.100.6[500]
`
	sas, err := ParseSAs(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(sas) != 2 || sas[0].Remote != "203.0.113.2" || sas[0].Children["branch1"] != "INSTALLED" || sas[1].State != "CONNECTING" {
		t.Fatalf("ParseSAs = %+v", sas)
	}
	if !Up(sas, "branch1") || Up(sas, "branch1-ha") || Up(sas, "other") {
		t.Errorf("Up: branch1 %v, branch1-ha %v, other %v; want true, false, false", Up(sas, "branch1"), Up(sas, "branch1-ha"), Up(sas, "other"))
	}
	for _, bad := range []string{
		"  branch1: #2, reqid 2, INSTALLED, TUNNEL-in-UDP\n",
		"  remote '203.0.113.2' @ 203.0.113.2[4500]\nbranch1: #2, ESTABLISHED, IKEv2, x\n",
	} {
		if sas, err := ParseSAs(bad); err == nil {
			t.Errorf("ParseSAs(%q) = %+v, want an error", bad, sas)
		}
	}
}

var saNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// FuzzParseSAs: any output parses or fails without panicking, and every
// SA it returns has a name and state of the shapes swanctl prints.
func FuzzParseSAs(f *testing.F) {
	f.Add("a: #1, ESTABLISHED, IKEv2, x\n  a: #1, reqid 1, INSTALLED, TUNNEL\n")
	f.Add("\x00\n  remote '' @ 1.2.3.4[1]\n")
	f.Fuzz(func(t *testing.T, s string) {
		sas, err := ParseSAs(s)
		if err != nil {
			return
		}
		for _, sa := range sas {
			if !saNameRE.MatchString(sa.Name) || sa.State == "" {
				t.Errorf("SA %+v", sa)
			}
		}
	})
}

// TestCertTemplate: a connection with certificates authenticates both
// ends with pubkey, presents x509/NAME.pem, trusts only x509ca/NAME-ca.pem,
// sends its certificate unasked, has no pre-shared key in its secrets, and
// the comment at the top says which lab file goes where; Cisco IOS gets a
// trustpoint and ecdsa-sig instead of a keyring.
func TestCertTemplate(t *testing.T) {
	s := mapped()
	s.Auth = topologies.S2CAuthCert
	conns := WithCerts("lab1", s, EndSite, SiteConns(s, testPSK, 0))
	got, err := Template("strongswan", conns)
	if err != nil {
		t.Fatal(err)
	}
	d := CertDir("lab1", s.Name)
	for _, want := range []string{
		"#   " + d + "/site.pem -> x509/" + s.Name + ".pem\n",
		"#   " + d + "/site-key.pem -> private/" + s.Name + ".pem\n",
		"#   " + d + "/ca.pem -> x509ca/" + s.Name + "-ca.pem\n",
		"    send_cert = always\n    local {\n      auth = pubkey\n      id = 203.0.113.2\n      certs = " + s.Name + ".pem\n    }\n" +
			"    remote {\n      auth = pubkey\n      id = 198.51.100.2\n      cacerts = " + s.Name + "-ca.pem\n    }\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("strongswan template lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, testPSK) || strings.Contains(got, "auth = psk") {
		t.Errorf("a certificate connection's template holds the pre-shared key:\n%s", got)
	}
	ios, err := Template("cisco-ios", conns)
	if err != nil || !strings.Contains(ios, " authentication remote ecdsa-sig\n authentication local ecdsa-sig\n pki trustpoint "+s.Name+"\n") || strings.Contains(ios, testPSK) {
		t.Errorf("cisco-ios template (%v):\n%s", err, ios)
	}
}
