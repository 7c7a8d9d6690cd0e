package dotfiles

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// SourceFile is where a target's source entry lives, for a person to edit.
type SourceFile struct {
	Target    string `json:"target"`
	Source    string `json:"source"` // slash path relative to Options.SourceDir
	Abs       string `json:"abs"`
	IsDir     bool   `json:"is_dir,omitempty"`
	Encrypted bool   `json:"encrypted,omitempty"`
}

// SourceFiles finds the source entries of targets (slash paths relative
// to TargetDir); a target the source does not manage is an error naming it.
func SourceFiles(ctx context.Context, opts Options, targets []string) ([]SourceFile, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	out := make([]SourceFile, 0, len(targets))
	for _, t := range targets {
		t = strings.Trim(path.Clean("/"+filepath.ToSlash(t)), "/")
		e := st.byTarget[t]
		if e == nil {
			return nil, fmt.Errorf("%s: not managed", t)
		}
		out = append(out, SourceFile{Target: t, Source: e.Source, IsDir: e.IsDir, Encrypted: !e.IsDir && e.File.Encrypted,
			Abs: filepath.Join(st.opts.SourceDir, filepath.FromSlash(e.Source))})
	}
	return out, nil
}

// DecryptSource returns the plaintext of an encrypted source file.
func DecryptSource(opts Options, f SourceFile) ([]byte, error) {
	work, err := openWork(opts)
	if err != nil {
		return nil, err
	}
	defer work.Close()
	b, err := work.ReadFile(f.Source, opts.maxFileSize())
	if err != nil {
		return nil, err
	}
	out, err := (&decrypter{files: opts.AgeIdentityFiles}).decrypt(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Source, err)
	}
	return out, nil
}

// EncryptSource replaces an encrypted source file with plaintext,
// encrypted to the recipients of the configured identities.
func EncryptSource(opts Options, f SourceFile, plaintext []byte) error {
	b, err := (&encrypter{files: opts.AgeIdentityFiles}).encrypt(plaintext)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Source, err)
	}
	work, err := openWork(opts)
	if err != nil {
		return err
	}
	defer work.Close()
	st, err := work.Stat(f.Source)
	if err != nil {
		return err
	}
	return work.WriteFile(f.Source, b, fs.FileMode(st.Mode&0o777), -1, -1)
}

// openWork opens the source work tree for reads and writes below it.
func openWork(opts Options) (*safefile.Dir, error) {
	d, err := safefile.OpenDir(opts.SourceDir)
	if err != nil {
		return nil, fmt.Errorf("source dir: %w", err)
	}
	return d, nil
}
