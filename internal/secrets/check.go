package secrets

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Check validates opts against the encrypted files without decrypting any
// value: names, formats and modes are sound, every sops file parses, every
// key path exists (sops keeps key names in clear), and, when a key file is
// configured, each file is encrypted to one of this host's age keys. It
// reports every problem found, not only the first.
func Check(opts Options) error {
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
	var errs []error
	for _, u := range uses {
		f, err := loadSops(u.path, u.format)
		if err != nil {
			errs = append(errs, u.err(err))
			continue
		}
		for _, s := range u.specs {
			p, err := keyPath(s.Key)
			if err == nil {
				_, err = f.lookup(p)
			}
			if err != nil {
				errs = append(errs, specErr(s, "%w", err))
			}
		}
		if ids != nil && !slices.ContainsFunc(f.recipients(), func(r string) bool { return ids.recipients[normRecipient(r)] }) {
			errs = append(errs, u.err(fmt.Errorf("not encrypted to any configured age key (recipients: %s)", strings.Join(f.recipients(), ", "))))
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
