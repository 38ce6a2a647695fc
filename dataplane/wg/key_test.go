package wg

import (
	"encoding/hex"
	"testing"
)

func TestKeyRFC7748Vector(t *testing.T) {
	// RFC 7748 section 6.1, Alice.
	priv, _ := parseHexKey("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	want := "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
	if got := priv.PublicKey(); hex.EncodeToString(got[:]) != want {
		t.Fatalf("PublicKey = %x, want %s", got, want)
	}
}

func TestKeyRoundTripAndParseErrors(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if k.IsZero() || k[0]&7 != 0 || k[31]&0xc0 != 0x40 {
		t.Fatalf("GenerateKey = %x: zero or not clamped", k)
	}
	back, err := ParseKey(k.String())
	if err != nil || back != k {
		t.Fatalf("ParseKey(%s) = %x, %v", k, back, err)
	}
	for _, bad := range []string{"", "not base64!", "AAAA", k.String() + "AAAA"} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}
