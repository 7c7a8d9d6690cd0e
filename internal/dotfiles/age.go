package dotfiles

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// decrypter opens age files with the identities from Options, parsed once.
type decrypter struct {
	files []string
	ids   []age.Identity
	err   error
	done  bool
}

func (d *decrypter) identities() ([]age.Identity, error) {
	if d.done {
		return d.ids, d.err
	}
	d.done = true
	if len(d.files) == 0 {
		d.err = fmt.Errorf("no age identity files configured")
		return nil, d.err
	}
	for _, f := range d.files {
		b, err := os.ReadFile(f)
		if err != nil {
			d.err = fmt.Errorf("age identity %s: %w", f, err)
			return nil, d.err
		}
		ids, err := age.ParseIdentities(bytes.NewReader(b))
		if err != nil {
			// The error text never includes key material.
			d.err = fmt.Errorf("age identity %s: %w", f, err)
			return nil, d.err
		}
		d.ids = append(d.ids, ids...)
	}
	return d.ids, nil
}

// decrypt returns the plaintext of an age file, armored or binary.
func (d *decrypter) decrypt(b []byte) ([]byte, error) {
	ids, err := d.identities()
	if err != nil {
		return nil, err
	}
	var src io.Reader = bytes.NewReader(b)
	if strings.HasPrefix(strings.TrimLeft(string(b[:min(len(b), 64)]), " \t\r\n"), armor.Header) {
		src = armor.NewReader(bufio.NewReader(bytes.NewReader(b)))
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		return nil, fmt.Errorf("age decrypt: %w", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("age decrypt: %w", err)
	}
	return out, nil
}
