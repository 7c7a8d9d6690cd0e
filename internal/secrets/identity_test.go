package secrets

import (
	"crypto/ed25519"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/edwards25519"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"golang.org/x/crypto/ssh"
)

func TestBech32Encode(t *testing.T) {
	// BIP-173 valid strings, re-encoded from their decoded parts.
	tests := []struct {
		hrp  string
		data []byte
		want string
	}{
		{"a", nil, "a12uel5l"},
		{"abcdef", []byte{0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf, 0x84, 0x65, 0x3a, 0x56, 0xd7, 0xc6, 0x75, 0xbe, 0x77, 0xdf},
			"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"},
	}
	for _, tt := range tests {
		got, err := bech32Encode(tt.hrp, tt.data)
		if err != nil || got != tt.want {
			t.Errorf("bech32Encode(%q) = %q, %v; want %q", tt.hrp, got, err, tt.want)
		}
	}
	// age recipients are bech32 too: re-encoding a generated one's
	// public key must give the same string.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	rcp := id.Recipient()
	pub := montgomeryOfRecipient(t, rcp.String())
	if got, err := bech32Encode("age", pub); err != nil || got != rcp.String() {
		t.Errorf("re-encoded recipient %q, %v; want %q", got, err, rcp)
	}
}

// montgomeryOfRecipient returns the public key bytes of an age1 recipient,
// decoding bech32 by hand, independently of the encoder under test.
func montgomeryOfRecipient(t *testing.T, s string) []byte {
	t.Helper()
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	i := strings.LastIndexByte(s, '1')
	body := s[i+1 : len(s)-6]
	var out []byte
	acc, bits := 0, 0
	for _, c := range body {
		v := strings.IndexRune(charset, c)
		if v < 0 {
			t.Fatalf("bad bech32 char %q", c)
		}
		acc = acc<<5 | v
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out
}

// TestSSHHostKey makes an ed25519 host key with ssh-keygen and checks that
// files encrypted to its ssh-ed25519 recipient and to its ssh-to-age X25519
// recipient both install with only SSHHostKeyFile configured.
func TestSSHHostKey(t *testing.T) {
	keygen := testutil.RequireProgram(t, "ssh-keygen")
	f := newFixture(t)
	keyPath := filepath.Join(f.dir, "ssh_host_ed25519_key")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", keyPath).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pubText, err := os.ReadFile(keyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, _, _, _, err := ssh.ParseAuthorizedKey(pubText)
	if err != nil {
		t.Fatal(err)
	}
	// The X25519 recipient derived from the public key alone (Edwards to
	// Montgomery), independent of the private-key conversion under test.
	edPub := ed25519.PublicKey(sshPub.(ssh.CryptoPublicKey).CryptoPublicKey().(ed25519.PublicKey))
	p, err := new(edwards25519.Point).SetBytes(edPub)
	if err != nil {
		t.Fatal(err)
	}
	ageRecipient, err := bech32Encode("age", p.BytesMontgomery())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := age.ParseX25519Recipient(ageRecipient); err != nil {
		t.Fatalf("derived recipient %q does not parse: %v", ageRecipient, err)
	}
	sshRecipient := strings.TrimSpace(string(pubText))

	viaAge := f.sops("age.yaml", "yaml", "k: via-converted-age\n", ageRecipient)
	viaSSH := f.sops("ssh.yaml", "yaml", "k: via-ssh-recipient\n", sshRecipient)
	o := f.opts(
		Spec{Name: "age", SopsFile: viaAge, Key: "k"},
		Spec{Name: "ssh", SopsFile: viaSSH, Key: "k"},
	)
	o.AgeKeyFile = ""
	o.SSHHostKeyFile = keyPath
	if err := Check(t.Context(), o); err != nil {
		t.Errorf("Check with the host key: %v", err)
	}
	f.install(o)
	for name, want := range map[string]string{"age": "via-converted-age", "ssh": "via-ssh-recipient"} {
		got, err := os.ReadFile(filepath.Join(o.Root, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestIdentityErrorsDoNotQuoteKeys(t *testing.T) {
	f := newFixture(t)
	const fragment = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
	bad := filepath.Join(f.dir, "bad.txt")
	if err := os.WriteFile(bad, []byte(fragment+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
	}{
		{"age key file", Options{AgeKeyFile: bad}},
		{"ssh key file", Options{SSHHostKeyFile: bad}},
		{"none", Options{}},
	}
	for _, tt := range tests {
		_, err := loadIdentities(tt.o.withDefaults())
		if err == nil {
			t.Errorf("%s: loaded identities from a bad key", tt.name)
			continue
		}
		if strings.Contains(err.Error(), "QQQQ") {
			t.Errorf("%s: error quotes the key: %v", tt.name, err)
		}
	}
}

func TestLooseKeyFileWarns(t *testing.T) {
	tests := []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}}
	for _, tt := range tests {
		f := newFixture(t)
		if err := os.Chmod(f.keyFile, tt.mode); err != nil {
			t.Fatal(err)
		}
		var logs strings.Builder
		o := f.opts()
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		if _, err := loadIdentities(o.withDefaults()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "accessible to group or others"); got != tt.warn {
			t.Errorf("mode %v: warned=%v, want %v (log %q)", tt.mode, got, tt.warn, logs.String())
		}
	}
}
