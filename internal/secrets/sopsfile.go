package secrets

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
)

// ErrMAC means the file's values do not match its MAC: it was modified
// after sops wrote it.
var ErrMAC = errors.New("MAC mismatch: the file was modified after it was encrypted")

// maxSopsFile bounds what is read into memory from one sops file.
const maxSopsFile = 64 << 20

// sopsFile is one parsed sops file; its values stay encrypted until decrypt.
type sopsFile struct {
	store sops.Store
	tree  sops.Tree
}

// loadSops parses an encrypted file without decrypting anything: keys are in
// clear in sops files, values are not.
func loadSops(path, format string) (*sopsFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if fi.Size() > maxSopsFile {
		return nil, fmt.Errorf("file is larger than %d bytes", maxSopsFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	store := common.StoreForFormat(formats.FormatFromString(format), config.NewStoresConfig())
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		return nil, fmt.Errorf("parse as sops %s: %w", format, err)
	}
	if len(tree.Branches) == 0 {
		return nil, fmt.Errorf("no document in file")
	}
	return &sopsFile{store: store, tree: tree}, nil
}

// decrypt unwraps the data key with ids, decrypts every value in place and
// verifies the MAC. Errors never carry the MAC (a digest of the values).
func (f *sopsFile) decrypt(ids *identities) error {
	svc := keyservice.NewCustomLocalClient(ageKeyService{ids: ids.ids})
	key, err := f.tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{svc}, nil)
	if err != nil {
		return fmt.Errorf("no configured age key opens this file: %w", err)
	}
	defer clear(key)
	cipher := aes.NewCipher()
	mac, err := f.tree.Decrypt(key, cipher)
	if err != nil {
		return fmt.Errorf("decrypt values (file damaged or modified): %w", err)
	}
	stored, err := cipher.Decrypt(f.tree.Metadata.MessageAuthenticationCode, key,
		f.tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("%w (stored MAC unreadable)", ErrMAC)
	}
	if s, ok := stored.(string); !ok || s != mac {
		return ErrMAC
	}
	return nil
}

// lookup walks a key path through the first document. It works on
// encrypted and decrypted trees alike.
func (f *sopsFile) lookup(path []string) (any, error) {
	var cur any = f.tree.Branches[0]
	for i, seg := range path {
		br, ok := cur.(sops.TreeBranch)
		if !ok {
			return nil, fmt.Errorf("key %q: %q is not a mapping", strings.Join(path, "/"), strings.Join(path[:i], "/"))
		}
		found := false
		for _, item := range br {
			if _, isComment := item.Key.(sops.Comment); isComment {
				continue
			}
			if fmt.Sprint(item.Key) == seg {
				cur, found = item.Value, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("key %q not found in file", strings.Join(path, "/"))
		}
	}
	return cur, nil
}

// value renders the decrypted value at path the way `sops -d --extract`
// does: strings raw, mappings as a document of the file's format, other
// scalars in the format's notation. An empty path is the whole file.
func (f *sopsFile) value(path []string) ([]byte, error) {
	var out []byte
	var err error
	if len(path) == 0 {
		out, err = f.store.EmitPlainFile(f.tree.Branches)
	} else {
		var v any
		if v, err = f.lookup(path); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case string:
			return []byte(v), nil
		case sops.TreeBranch:
			out, err = f.store.EmitPlainFile(sops.TreeBranches{v})
		default:
			out, err = f.store.EmitValue(v)
		}
	}
	if err != nil {
		// The store's message may quote the value; say only what failed.
		return nil, fmt.Errorf("key %q: value cannot be written in %s format", strings.Join(path, "/"), f.store.Name())
	}
	return out, nil
}

// recipients lists the age recipients the file's data key is wrapped for.
func (f *sopsFile) recipients() []string {
	var out []string
	for _, g := range f.tree.Metadata.KeyGroups {
		for _, k := range g {
			if k.TypeToIdentifier() == "age" {
				out = append(out, k.ToString())
			}
		}
	}
	return out
}
