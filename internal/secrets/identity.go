package secrets

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
	"golang.org/x/crypto/ssh"
)

// identities are the private keys this host decrypts with, in the form the
// sops helper takes them, plus the recipient strings they answer to (for
// Check, which never decrypts).
type identities struct {
	keys       []sopsproto.Identity
	recipients map[string]bool
}

// errKeyParse hides the parser's own message: age's and ssh's parse errors
// can quote fragments of the key text.
var errKeyParse = errors.New("cannot parse the private key (not printed)")

// loadIdentities reads the configured key files. No identity configured is
// an error: the default sops search (environment, ~/.ssh) is never used.
func loadIdentities(o Options) (*identities, error) {
	out := &identities{recipients: map[string]bool{}}
	for _, f := range []string{o.AgeKeyFile, o.SSHHostKeyFile} {
		if fi, err := os.Stat(f); f != "" && err == nil && fi.Mode().Perm()&0o077 != 0 {
			o.Logger.Warn("private key file is accessible to group or others", "file", f, "mode", fmt.Sprintf("%#o", uint32(fi.Mode().Perm())))
		}
	}
	if o.AgeKeyFile != "" {
		data, err := readKeyFile(o.AgeKeyFile)
		if err != nil {
			return nil, fmt.Errorf("age key file: %w", err)
		}
		ids, err := age.ParseIdentities(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("age key file %s: %w", o.AgeKeyFile, errKeyParse)
		}
		for _, id := range ids {
			if err := out.add(id); err != nil {
				return nil, fmt.Errorf("age key file %s: %w", o.AgeKeyFile, err)
			}
		}
	}
	if o.SSHHostKeyFile != "" {
		if err := out.addSSH(o.SSHHostKeyFile); err != nil {
			return nil, err
		}
	}
	if len(out.keys) == 0 {
		return nil, fmt.Errorf("no age identity configured (set the age key file or the SSH host key file)")
	}
	return out, nil
}

// maxKeyFile bounds a key file: a few keys, not a log.
const maxKeyFile = 1 << 20

// readKeyFile reads a private key file only when nobody but root and this
// user could have replaced it (or a directory on its way): the key decides
// which values get installed, and a swapped-in link must not make root read
// another file.
func readKeyFile(path string) ([]byte, error) {
	return safefile.ReadOwned(path, maxKeyFile)
}

// add keeps an identity from an age key file. age.ParseIdentities returns
// only the two native types, whose text form the helper parses back.
func (s *identities) add(id age.Identity) error {
	switch v := id.(type) {
	case *age.X25519Identity:
		s.keys = append(s.keys, sopsproto.Identity{Type: sopsproto.IdentityAge, Key: v.String()})
		s.recipients[v.Recipient().String()] = true
	case *age.HybridIdentity:
		s.keys = append(s.keys, sopsproto.Identity{Type: sopsproto.IdentityAge, Key: v.String()})
		s.recipients[v.Recipient().String()] = true
	default:
		return fmt.Errorf("age identity of type %T is not supported", id)
	}
	return nil
}

// addSSH loads an OpenSSH private key as an age SSH identity and, for
// ed25519, also as the X25519 identity ssh-to-age derives from it, so files
// encrypted to either recipient form decrypt. The key is parsed here so a
// bad one is reported before the helper runs; the helper gets its PEM.
func (s *identities) addSSH(file string) error {
	pemBytes, err := readKeyFile(file)
	if err != nil {
		return fmt.Errorf("ssh host key: %w", err)
	}
	if _, err := agessh.ParseIdentity(pemBytes); err != nil {
		return fmt.Errorf("ssh host key %s: %w", file, errKeyParse)
	}
	s.keys = append(s.keys, sopsproto.Identity{Type: sopsproto.IdentitySSH, Key: string(pemBytes)})
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		return fmt.Errorf("ssh host key %s: %w", file, errKeyParse)
	}
	if signer, err := ssh.NewSignerFromKey(raw); err == nil {
		pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
		s.recipients[pub] = true
	}
	var priv ed25519.PrivateKey
	switch k := raw.(type) {
	case ed25519.PrivateKey:
		priv = k
	case *ed25519.PrivateKey:
		priv = *k
	default:
		return nil // RSA keys work only through the SSH recipient form.
	}
	x, err := x25519FromEd25519(priv)
	if err != nil {
		return fmt.Errorf("ssh host key %s: convert to age: %w", file, err)
	}
	return s.add(x)
}

// x25519FromEd25519 derives the X25519 identity whose scalar is the clamped
// SHA-512 of the ed25519 seed: the same key an ed25519 signer uses, in
// Montgomery form.
func x25519FromEd25519(priv ed25519.PrivateKey) (*age.X25519Identity, error) {
	h := sha512.Sum512(priv.Seed())
	defer clear(h[:])
	enc, err := bech32Encode("age-secret-key-", h[:32])
	if err != nil {
		return nil, err
	}
	id, err := age.ParseX25519Identity(strings.ToUpper(enc))
	if err != nil {
		return nil, errKeyParse
	}
	return id, nil
}
