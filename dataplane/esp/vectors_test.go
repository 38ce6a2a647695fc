package esp

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// draftVector is one packet of draft-mcgrew-gcm-test-01, "Test Cases for the
// use of GCM in IPsec ESP" (https://tools.ietf.org/html/draft-mcgrew-gcm-test-01).
// The bytes were transcribed from the draft's vectors as published in the
// Snabb project's selftest (src/lib/ipsec/aes_gcm.lua), which checks them
// against Intel's AES-GCM assembly. plain is the ESP plaintext including
// padding, pad length and next header; ctag is ciphertext||ICV. The draft
// uses 64-bit (extended) sequence numbers, so the AAD is SPI||seq-hi||seq-lo.
type draftVector struct {
	key, salt string
	spi       uint32
	seq       uint64
	iv        string
	plain     string
	ctag      string
}

var draftVectors = []draftVector{
	{"4c80cdefbb5d10da906ac73c3613a634", "2e443b68", 0x00004321, 0x8765432100000000, "4956ed7e3b244cfe",
		"45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000" +
			"00000000045f736970045f756470037369700963796265726369747902646b00" +
			"0021000101020201",
		"fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34" +
			"cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce" +
			"61bc17d768fd9732459018148f6cbe722fd04796562dfdb4"},
	{"3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010, "4e280000a2fca1a3",
		"4500003c99c300008001cb7c40679318010101010800085c0200430061626364" +
			"65666768696a6b6c6d6e6f70717273747576776162636465666768690102020 1",
		"fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917" +
			"65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a" +
			"e0d731cc978ecafaeae88f00e80d6e48"},
	{"3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010, "4e280000a2fca1a3",
		"4500001c42a200008001441f406793b6e00000020a00f5ff01020201",
		"fba2ca845e5df9f0f22c3e6e86dd831e1fc65792cd1af9130e1379ed369f071f" +
			"35e034be95f112e4e7d05d35"},
	{"abbccddef00112233445566778899aab", "decaf888", 0x00000100, 0x0000000000000001, "cafedebaceface74",
		"4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d5" +
			"00004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec95" +
			"9b6266c04722b14923010101",
		"18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f" +
			"9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c22" +
			"6f2127b27db35724e7845d68651f57e65f354f75ff17015769623436"},
	{"3de09874b388e6491988d0c3607eae1f", "57690e43", 0x42f67e3f, 0x1010101010101010, "4e280000a2fca1a3",
		"45000049333e00007f119182c3fb1d10c2b1d326c02831ce0035cb458003025b" +
			"000001e0001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b32" +
			"5ae270c03899493915010101",
		"fba2cad12fc1f9f00d3cebf305410db83d7784b607323d220f24b0a97d541828" +
			"00cadb0f68d99ef0e0c0c89ae9bea8884e52d65bc1afd0740f742444747b5b39" +
			"ab533163aad4550ee5160975cdb608c5769189609763b8e18caa81e2"},
	{"abbccddef00112233445566778899aab", "decaf888", 0x00000100, 0x0000000000000001, "cafedebaceface74",
		"746f016265016f72016e6f7401746f0162650001",
		"29c9fc69a197d038ccdd14e2ddfcaa054333216441250352430 3ed3c6c5f2838" +
			"43af8c3e"},
	{"3de09874b388e6491988d0c3607eae1f", "57690e43", 0x3f7ef642, 0x1010101010101010, "4e280000a2fca1a3",
		"45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364" +
			"65666768696a6b6c6d6e6f707172737401020201",
		"fba2caa8c6c5f9f0f22ca54a061210ad3f6e5791cf1aca210d117cec9c357917" +
			"65acbd8701ad79845bf9fe3fba487bc96321930684eecadb56912546e7a95c97" +
			"40d7cb05"},
	{"4c80cdefbb5d10da906ac73c3613a634", "22433c64", 0x00004321, 0x8765432100000007, "4855ec7d3a234bfd",
		"0800c6cd020007006162636465666768696a6b6c6d6e6f707172737401020201",
		"74752e8aeb5d873cd7c0f4acc36c4bff84b7d7b98f0ca8b6acda6894bc619069" +
			"ef9cbc28fe1b56a7c4e0d58c86cd2bc0"},
	{"abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74", 0x17405e67, 0x156f3126dd0db99b, "616e640169766563",
		"45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602" +
			"50101f646d540001",
		"f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f" +
			"f4d3a31ce673119e451626c2415771e3b7eebca614c89b35"},
	{"abbccddef00112233445566778899aababbccddef00112233445566778899aab", "73616c74", 0x17405e67, 0x156f3126dd0db99b, "616e640169766563",
		"636973636f0172756c65730174686501 6e6574776501646566696e6501746865" +
			"746563686e6f6c6f676965730174686174 77696c6c01646566696e65746f6d6f" +
			"72726f7701020201",
		"d4b7ed86a1777f2ea13d6973d324c69e7b43f826fb56831226508bebd2dceb18" +
			"d0a6df10e5487df074113e14c641024e3e6773d91a62ee429b043a10e3efe6b0" +
			"12a49363412364f8c0cac587f249e56b11e24f30e44ccc76"},
	{"6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", "7475726e", 0x796b6963, 0xffffffffffffffff, "333021696765746d",
		"45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364" +
			"65666768696a6b6c6d6e6f707172737401020201",
		"f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86" +
			"4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9d0937ba2945f669368661a32" +
			"9fb4c053"},
}

func (v draftVector) sa(t *testing.T) SA {
	sa := SA{SPI: v.spi, Key: unhex(t, v.key), ESN: true}
	copy(sa.Salt[:], unhex(t, v.salt))
	return sa
}

// TestDraftVectorsSeal checks that our packet builder produces the draft's
// ciphertext and ICV byte for byte, given the draft's IV.
func TestDraftVectorsSeal(t *testing.T) {
	for i, v := range draftVectors {
		plain := unhex(t, v.plain)
		n := len(plain)
		pad, nh := int(plain[n-2]), plain[n-1]
		payload := plain[:n-2-pad]
		if padLen(len(payload)) != pad {
			t.Fatalf("vector %d: draft pads %d bytes, minimal padding is %d", i, pad, padLen(len(payload)))
		}
		out, err := NewOutbound(v.sa(t))
		if err != nil {
			t.Fatal(err)
		}
		var iv [ivLen]byte
		copy(iv[:], unhex(t, v.iv))
		got := out.sealIV(nil, payload, nh, v.seq, iv)
		want := wirePacket(t, v)
		if !bytes.Equal(got, want) {
			t.Errorf("vector %d (SPI %#08x):\n got %x\nwant %x", i, v.spi, got, want)
		}
	}
}

// wirePacket is the ESP packet of a vector: SPI, low sequence, IV, ctag.
func wirePacket(t *testing.T, v draftVector) []byte {
	pkt := []byte{byte(v.spi >> 24), byte(v.spi >> 16), byte(v.spi >> 8), byte(v.spi),
		byte(v.seq >> 24), byte(v.seq >> 16), byte(v.seq >> 8), byte(v.seq)}
	pkt = append(pkt, unhex(t, v.iv)...)
	return append(pkt, unhex(t, v.ctag)...)
}

// TestDraftVectorsOpen feeds the draft's packets to a receiver whose window
// sits just below each packet's sequence number, so that the high 32 bits
// are inferred (RFC 4303 Appendix A) rather than given.
func TestDraftVectorsOpen(t *testing.T) {
	for i, v := range draftVectors {
		in, err := NewInbound(v.sa(t))
		if err != nil {
			t.Fatal(err)
		}
		in.replay.top = v.seq - 1
		plain := unhex(t, v.plain)
		n := len(plain)
		want := plain[:n-2-int(plain[n-2])]
		got, nh, err := in.Open(wirePacket(t, v))
		if err != nil {
			t.Fatalf("vector %d: open: %v", i, err)
		}
		if !bytes.Equal(got, want) || nh != plain[n-1] {
			t.Errorf("vector %d: got payload %x nh %d, want %x nh %d", i, got, nh, want, plain[n-1])
		}
	}
}

// TestGCMSpecVectorThroughESPNonce runs Test Case 4 of McGrew & Viega, "The
// Galois/Counter Mode of Operation (GCM)" (the 60-byte plaintext with
// 20-byte AAD case; also in Go's crypto/cipher/gcm_test.go), splitting its
// 12-byte IV into an RFC 4106 salt (cafebabe) and explicit IV
// (facedbaddecaf888), to check our salt||IV nonce construction.
func TestGCMSpecVectorThroughESPNonce(t *testing.T) {
	sa := SA{SPI: 1, Key: unhex(t, "feffe9928665731c6d6a8f9467308308"), Salt: [4]byte{0xca, 0xfe, 0xba, 0xbe}}
	g, err := newGCMSA(&sa)
	if err != nil {
		t.Fatal(err)
	}
	var s scratch
	g.prepare(&s, unhex(t, "facedbaddecaf888"), 0)
	if want := unhex(t, "cafebabefacedbaddecaf888"); !bytes.Equal(s.nonce[:], want) {
		t.Fatalf("nonce %x, want %x", s.nonce, want)
	}
	plain := unhex(t, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"+
		"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
	aad := unhex(t, "feedfacedeadbeeffeedfacedeadbeefabaddad2")
	want := unhex(t, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"+
		"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"+
		"5bc94fbc3221a5db94fae95ae7121a47")
	if got := g.aead.Seal(nil, s.nonce[:], plain, aad); !bytes.Equal(got, want) {
		t.Errorf("got  %x\nwant %x", got, want)
	}
}
