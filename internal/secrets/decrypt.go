package secrets

import (
	"context"
	"fmt"
	"path/filepath"
)

// fileUse groups the secrets read from one sops file, in config order.
type fileUse struct {
	path, format string
	specs        []Spec
}

func (u fileUse) names() []string {
	out := make([]string, len(u.specs))
	for i, s := range u.specs {
		out[i] = s.Name
	}
	return out
}

func (u fileUse) err(err error) error {
	return &Error{Secrets: u.names(), File: u.path, Err: err}
}

// groupByFile lists each sops file once, refusing one file read in two
// formats.
func groupByFile(specs []Spec) ([]*fileUse, error) {
	var uses []*fileUse
	byPath := map[string]*fileUse{}
	for _, s := range specs {
		p := filepath.Clean(s.SopsFile)
		u := byPath[p]
		if u == nil {
			u = &fileUse{path: p, format: s.Format}
			byPath[p] = u
			uses = append(uses, u)
		} else if u.format != s.Format {
			return nil, &Error{Secrets: []string{u.specs[0].Name, s.Name}, File: p,
				Err: fmt.Errorf("file read as both %s and %s", u.format, s.Format)}
		}
		u.specs = append(u.specs, s)
	}
	return uses, nil
}

// decryptAll decrypts every sops file once and returns each secret's value,
// keyed by secret name.
func decryptAll(ctx context.Context, uses []*fileUse, ids *identities) (map[string][]byte, error) {
	values := map[string][]byte{}
	for _, u := range uses {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := loadSops(u.path, u.format)
		if err != nil {
			return nil, u.err(err)
		}
		// Look the keys up before decrypting so a missing key is reported
		// as such even when the file cannot be opened.
		paths := make([][]string, len(u.specs))
		for i, s := range u.specs {
			if paths[i], err = keyPath(s.Key); err != nil {
				return nil, specErr(s, "%w", err)
			}
			if _, err := f.lookup(paths[i]); err != nil {
				return nil, specErr(s, "%w", err)
			}
		}
		if err := f.decrypt(ids); err != nil {
			return nil, u.err(err)
		}
		for i, s := range u.specs {
			v, err := f.value(paths[i])
			if err != nil {
				return nil, specErr(s, "%w", err)
			}
			values[s.Name] = v
		}
	}
	return values, nil
}
