// Package sopsfile reads sops files with the sops Go library: parse, decrypt
// with exactly the age identities given, verify the MAC, extract values by
// key path. It is the only package of hearth that links sops, and only the
// helper program hearth-sops (and tests) import it, so that the hearth
// binary does not pay for the cloud KMS SDKs sops brings along.
package sopsfile

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/sopsproto"
)

// macMismatch is the message of a MAC failure; hearth maps the kind back
// to its ErrMAC.
const macMismatch = "MAC mismatch: the file was modified after it was encrypted"

// maxSopsFile bounds what is read into memory from one sops file.
const maxSopsFile = 64 << 20

// sopsFile is one parsed sops file; its values stay encrypted until decrypt.
type sopsFile struct {
	store sops.Store
	tree  sops.Tree
}

// load parses an encrypted file without decrypting anything: keys are in
// clear in sops files, values are not. The helper runs as root: a file
// that someone else could replace (with a link to a root-only file, say)
// is not read at all, see safefile.ReadOwned.
func load(path, format string) (*sopsFile, *sopsproto.Error) {
	data, err := safefile.ReadOwned(path, maxSopsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, sopsproto.Errorf(sopsproto.KindNotExist, "%v", err)
	}
	if err != nil {
		return nil, sopsproto.Errorf(sopsproto.KindIO, "%v", err)
	}
	store := common.StoreForFormat(formats.FormatFromString(format), config.NewStoresConfig())
	tree, err := store.LoadEncryptedFile(data)
	if err != nil {
		// Never the parser's message: it quotes the offending input.
		return nil, sopsproto.Errorf(sopsproto.KindParse, "not a sops %s file%s (the parser's message is not shown: it can quote the file)",
			format, parsePosition(data, format, err))
	}
	if len(tree.Branches) == 0 {
		return nil, sopsproto.Errorf(sopsproto.KindParse, "no document in file")
	}
	return &sopsFile{store: store, tree: tree}, nil
}

// decrypt unwraps the data key with ids, decrypts every value in place and
// verifies the MAC. Errors never carry the MAC (a digest of the values).
func (f *sopsFile) decrypt(ids []age.Identity) *sopsproto.Error {
	svc := keyservice.NewCustomLocalClient(ageKeyService{ids: ids})
	key, err := f.tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{svc}, nil)
	if err != nil {
		return sopsproto.Errorf(sopsproto.KindNoKey, "no configured age key opens this file: %v", err)
	}
	defer clear(key)
	cipher := aes.NewCipher()
	mac, err := f.tree.Decrypt(key, cipher)
	if err != nil {
		// Not err: sops' cipher quotes the value it could not decrypt.
		return sopsproto.Errorf(sopsproto.KindDamaged, "decrypt values (file damaged or modified)")
	}
	stored, err := cipher.Decrypt(f.tree.Metadata.MessageAuthenticationCode, key,
		f.tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil {
		return sopsproto.Errorf(sopsproto.KindMAC, "%s (stored MAC unreadable)", macMismatch)
	}
	if s, ok := stored.(string); !ok || s != mac {
		return sopsproto.Errorf(sopsproto.KindMAC, "%s", macMismatch)
	}
	return nil
}

// keyPath splits "a/b/c" into its segments; "" is the whole file.
func keyPath(key string) ([]string, *sopsproto.Error) {
	if key == "" {
		return nil, nil
	}
	segs := strings.Split(key, "/")
	for _, s := range segs {
		if s == "" {
			return nil, sopsproto.Errorf(sopsproto.KindMissingKey, "key %q has an empty segment", key)
		}
	}
	return segs, nil
}

// lookup walks a key path through the first document. It works on
// encrypted and decrypted trees alike.
func (f *sopsFile) lookup(path []string) (any, *sopsproto.Error) {
	var cur any = f.tree.Branches[0]
	for i, seg := range path {
		br, ok := cur.(sops.TreeBranch)
		if !ok {
			return nil, sopsproto.Errorf(sopsproto.KindMissingKey, "key %q: %q is not a mapping", strings.Join(path, "/"), strings.Join(path[:i], "/"))
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
			return nil, sopsproto.Errorf(sopsproto.KindMissingKey, "key %q not found in file", strings.Join(path, "/"))
		}
	}
	return cur, nil
}

// value renders the decrypted value at path the way `sops -d --extract`
// does: strings raw, mappings as a document of the file's format, other
// scalars in the format's notation. An empty path is the whole file.
func (f *sopsFile) value(path []string) ([]byte, *sopsproto.Error) {
	var out []byte
	var err error
	if len(path) == 0 {
		out, err = f.store.EmitPlainFile(f.tree.Branches)
	} else {
		v, perr := f.lookup(path)
		if perr != nil {
			return nil, perr
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
		return nil, sopsproto.Errorf(sopsproto.KindValue, "key %q: value cannot be written in %s format", strings.Join(path, "/"), f.store.Name())
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
