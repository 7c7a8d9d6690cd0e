package sopsfile

import (
	"bytes"
	"context"
	"fmt"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// Local answers requests in-process. Tests and benchmarks use it as hearth's
// decrypter; the hearth binary runs hearth-sops instead.
type Local struct{}

// Decrypt answers req.
func (Local) Decrypt(ctx context.Context, req *sopsproto.Request) (*sopsproto.Response, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return Serve(ctx, req)
}

// Serve answers a validated request: each file is parsed once and, for
// OpDecrypt, decrypted once. Per-file failures go into the response; the
// error is for a request that cannot be answered at all (an identity that
// does not parse, a cancelled context).
func Serve(ctx context.Context, req *sopsproto.Request) (*sopsproto.Response, error) {
	ids, err := parseIdentities(req.Identities)
	if err != nil {
		return nil, err
	}
	resp := &sopsproto.Response{Version: sopsproto.Version, Files: make([]sopsproto.FileResult, len(req.Files))}
	for i, f := range req.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		resp.Files[i] = serveFile(f, ids)
	}
	return resp, nil
}

func serveFile(req sopsproto.File, ids []age.Identity) sopsproto.FileResult {
	res := sopsproto.FileResult{Path: req.Path}
	f, perr := load(req.Path, req.Format)
	if perr != nil {
		res.Err = perr
		return res
	}
	// Look every key up before decrypting, so a missing key is reported
	// as such even when the file cannot be opened.
	paths := make([][]string, len(req.Keys))
	for i, k := range req.Keys {
		p, perr := keyPath(k)
		if perr == nil {
			_, perr = f.lookup(p)
		}
		if perr != nil {
			if res.KeyErrs == nil {
				res.KeyErrs = map[string]*sopsproto.Error{}
			}
			res.KeyErrs[k] = perr
		}
		paths[i] = p
	}
	if req.Op == sopsproto.OpCheck {
		res.Recipients = f.recipients()
		return res
	}
	if res.KeyErrs != nil {
		return res
	}
	if perr := f.decrypt(ids); perr != nil {
		res.Err = perr
		return res
	}
	res.Values = make(map[string][]byte, len(req.Keys))
	for i, k := range req.Keys {
		v, perr := f.value(paths[i])
		if perr != nil {
			if res.KeyErrs == nil {
				res.KeyErrs = map[string]*sopsproto.Error{}
			}
			res.KeyErrs[k] = perr
			continue
		}
		res.Values[k] = v
	}
	return res
}

// parseIdentities turns the request's keys into age identities. Errors
// name the identity by position only: parsers' messages can quote key text.
func parseIdentities(in []sopsproto.Identity) ([]age.Identity, error) {
	var out []age.Identity
	for i, id := range in {
		switch id.Type {
		case sopsproto.IdentityAge:
			ids, err := age.ParseIdentities(bytes.NewReader([]byte(id.Key)))
			if err != nil || len(ids) != 1 {
				return nil, fmt.Errorf("identity %d (age) does not parse (not printed)", i)
			}
			out = append(out, ids[0])
		case sopsproto.IdentitySSH:
			sid, err := agessh.ParseIdentity([]byte(id.Key))
			if err != nil {
				return nil, fmt.Errorf("identity %d (ssh) does not parse (not printed)", i)
			}
			out = append(out, sid)
		default:
			return nil, fmt.Errorf("identity %d: unknown type %q", i, id.Type)
		}
	}
	return out, nil
}
