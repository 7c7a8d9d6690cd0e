package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// Check validates opts against the encrypted files without decrypting any
// value: names, formats and modes are sound, every sops file parses, every
// key path exists (sops keeps key names in clear), and, when a key file is
// configured, each file is encrypted to one of this host's age keys. It
// reports every problem found, not only the first. No private key is sent
// to the sops helper.
func Check(ctx context.Context, opts Options) error {
	o := opts.withDefaults()
	o.Secrets = slices.Clone(o.Secrets)
	if err := validate(&o); err != nil {
		return err
	}
	uses, err := groupByFile(o.Secrets)
	if err != nil {
		return err
	}
	var ids *identities
	if o.AgeKeyFile != "" || o.SSHHostKeyFile != "" {
		if ids, err = loadIdentities(o); err != nil {
			return err
		}
	}
	if len(uses) == 0 {
		return nil
	}
	req := &sopsproto.Request{Version: sopsproto.Version}
	for _, u := range uses {
		req.Files = append(req.Files, u.request(sopsproto.OpCheck))
	}
	resp, err := ask(ctx, o.Decrypter, req)
	if err != nil {
		return err
	}
	var errs []error
	for i, u := range uses {
		res := resp.Files[i]
		if res.Err != nil {
			errs = append(errs, u.err(fromProto(res.Err)))
			continue
		}
		for _, s := range u.specs {
			if e := res.KeyErrs[s.Key]; e != nil {
				errs = append(errs, specErr(s, "%w", fromProto(e)))
			}
		}
		if ids != nil && !slices.ContainsFunc(res.Recipients, func(r string) bool { return ids.recipients[normRecipient(r)] }) {
			errs = append(errs, u.err(fmt.Errorf("not encrypted to any configured age key (recipients: %s)", strings.Join(res.Recipients, ", "))))
		}
	}
	return errors.Join(errs...)
}

// normRecipient drops an SSH key's comment so recipients compare by key.
func normRecipient(r string) string {
	if f := strings.Fields(r); len(f) >= 2 && strings.HasPrefix(f[0], "ssh-") {
		return f[0] + " " + f[1]
	}
	return strings.TrimSpace(r)
}
