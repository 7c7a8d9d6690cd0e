package dotfiles

import (
	"bytes"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// encrypter encrypts to the recipients of the configured identities, so
// that this host (and any other holding one of them) can decrypt what it
// adds.
type encrypter struct {
	files []string
	rs    []age.Recipient
}

func (e *encrypter) recipients() ([]age.Recipient, error) {
	if e.rs != nil {
		return e.rs, nil
	}
	ids, err := (&decrypter{files: e.files}).identities()
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w (dotfiles.age_identities)", err)
	}
	for _, id := range ids {
		switch v := id.(type) {
		case *age.X25519Identity:
			e.rs = append(e.rs, v.Recipient())
		case *age.HybridIdentity:
			e.rs = append(e.rs, v.Recipient())
		}
	}
	if len(e.rs) == 0 {
		return nil, fmt.Errorf("encrypt: no X25519 or hybrid identity in dotfiles.age_identities to encrypt to")
	}
	return e.rs, nil
}

// encrypt returns b encrypted, ASCII-armored as chezmoi writes it.
func (e *encrypter) encrypt(b []byte) ([]byte, error) {
	rs, err := e.recipients()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, rs...)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := io.Copy(w, bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return out.Bytes(), nil
}
