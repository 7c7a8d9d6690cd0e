package secrets

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
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

// request asks for every key of the use's secrets, each once.
func (u fileUse) request(op string) sopsproto.File {
	f := sopsproto.File{Path: u.path, Format: u.format, Op: op, Keys: []string{}}
	seen := map[string]bool{}
	for _, s := range u.specs {
		if !seen[s.Key] {
			seen[s.Key] = true
			f.Keys = append(f.Keys, s.Key)
		}
	}
	return f
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

// decryptAll decrypts every sops file once, in one request to d, and
// returns each secret's value, keyed by secret name. The first failure in
// config order is returned, naming the secret and the file.
func decryptAll(ctx context.Context, d Decrypter, uses []*fileUse, ids *identities) (map[string][]byte, error) {
	req := &sopsproto.Request{Version: sopsproto.Version, Identities: ids.keys}
	for _, u := range uses {
		req.Files = append(req.Files, u.request(sopsproto.OpDecrypt))
	}
	resp, err := ask(ctx, d, req)
	if err != nil {
		return nil, err
	}
	values := map[string][]byte{}
	for i, u := range uses {
		res := resp.Files[i]
		if res.Err != nil {
			return nil, u.err(fromProto(res.Err))
		}
		for _, s := range u.specs {
			if e := res.KeyErrs[s.Key]; e != nil {
				return nil, specErr(s, "%w", fromProto(e))
			}
		}
		for _, s := range u.specs {
			v, ok := res.Values[s.Key]
			if !ok {
				return nil, specErr(s, "the sops helper returned no value for key %q", s.Key)
			}
			values[s.Name] = v
		}
	}
	return values, nil
}
