// Command gen writes the secrets benchmark fixture: an age key file, sops
// files encrypted in-process, and a manifest of the secrets to install.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
)

// Manifest lists the fixture's secrets for the install driver and the
// shell loop.
type Manifest struct {
	KeyFile string   `json:"key_file"`
	Secrets []Secret `json:"secrets"`
}

// Secret is one value: Key for hearth, Extract for `sops -d --extract`.
type Secret struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Key     string `json:"key"`
	Extract string `json:"extract"`
}

func main() {
	out := flag.String("out", "", "directory to write the fixture into")
	files := flag.Int("files", 5, "number of sops files")
	perFile := flag.Int("per-file", 40, "secrets per file")
	flag.Parse()
	if err := run(*out, *files, *perFile); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, files, perFile int) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	id, keyText, err := sopstest.NewIdentity()
	if err != nil {
		return err
	}
	m := Manifest{KeyFile: filepath.Join(out, "key.txt")}
	if err := os.WriteFile(m.KeyFile, keyText, 0o600); err != nil {
		return err
	}
	for f := 0; f < files; f++ {
		path := filepath.Join(out, fmt.Sprintf("secrets-%d.yaml", f))
		var doc strings.Builder
		// Two levels of nesting, "svcG/keyK", ten keys per service.
		for k := 0; k < perFile; k++ {
			g := k / 10
			if k%10 == 0 {
				fmt.Fprintf(&doc, "svc%d:\n", g)
			}
			buf := make([]byte, 24)
			if _, err := rand.Read(buf); err != nil {
				return err
			}
			fmt.Fprintf(&doc, "  key%d: %s\n", k, hex.EncodeToString(buf))
			m.Secrets = append(m.Secrets, Secret{
				Name:    fmt.Sprintf("f%d_svc%d_key%d", f, g, k),
				File:    path,
				Key:     fmt.Sprintf("svc%d/key%d", g, k),
				Extract: fmt.Sprintf(`["svc%d"]["key%d"]`, g, k),
			})
		}
		enc, err := sopstest.Encrypt([]byte(doc.String()), "yaml", id.Recipient().String())
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, enc, 0o644); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "manifest.json"), data, 0o644)
}
