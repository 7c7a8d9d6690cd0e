// Package sopstest makes SOPS fixtures in-process for tests and benchmarks:
// age identities and sops-encrypted files, with no sops binary.
package sopstest

import (
	"fmt"
	"strings"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keys"
	"github.com/getsops/sops/v3/version"
)

// NewIdentity returns a fresh age X25519 identity and the text of a key file
// holding it (the format age-keygen writes and sops reads).
func NewIdentity() (*age.X25519Identity, []byte, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, nil, fmt.Errorf("generate age identity: %w", err)
	}
	keyFile := fmt.Sprintf("# public key: %s\n%s\n", id.Recipient(), id)
	return id, []byte(keyFile), nil
}

// Encrypt encrypts plain (a document in format "yaml", "json", "dotenv" or
// "binary") to the given age recipients ("age1…" or "ssh-ed25519 …"), the
// way `sops -e` does, and returns the encrypted file.
func Encrypt(plain []byte, format string, recipients ...string) ([]byte, error) {
	f, ok := map[string]formats.Format{
		"yaml": formats.Yaml, "json": formats.Json,
		"dotenv": formats.Dotenv, "binary": formats.Binary,
	}[format]
	if !ok {
		return nil, fmt.Errorf("sopstest: unknown format %q", format)
	}
	if len(recipients) == 0 {
		return nil, fmt.Errorf("sopstest: no recipients")
	}
	store := common.StoreForFormat(f, config.NewStoresConfig())
	branches, err := store.LoadPlainFile(plain)
	if err != nil {
		return nil, fmt.Errorf("sopstest: parse %s: %w", format, err)
	}
	var group sops.KeyGroup
	for _, r := range recipients {
		mk, err := sopsage.MasterKeyFromRecipient(r)
		if err != nil {
			return nil, fmt.Errorf("sopstest: recipient %q: %w", r, err)
		}
		group = append(group, keys.MasterKey(mk))
	}
	tree := sops.Tree{
		Branches: branches,
		Metadata: sops.Metadata{
			KeyGroups:         []sops.KeyGroup{group},
			UnencryptedSuffix: "_unencrypted",
			Version:           version.Version,
		},
	}
	dataKey, errs := tree.GenerateDataKey()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("sopstest: data key: %s", strings.Join(msgs, "; "))
	}
	if err := common.EncryptTree(common.EncryptTreeOpts{
		Tree: &tree, Cipher: aes.NewCipher(), DataKey: dataKey,
	}); err != nil {
		return nil, fmt.Errorf("sopstest: encrypt: %w", err)
	}
	out, err := store.EmitEncryptedFile(tree)
	if err != nil {
		return nil, fmt.Errorf("sopstest: emit: %w", err)
	}
	return out, nil
}
