// Command install installs the secrets listed in a gen manifest with
// secrets.Install and the sops library linked in (sopsfile.Local), the way
// hearth worked before the hearth-sops helper: the benchmark compares it
// with the real `hearth secrets install` to show what the helper costs.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hearth-fleet/hearth/internal/secrets"
	"github.com/hearth-fleet/hearth/internal/sopsfile"
)

type manifest struct {
	KeyFile string `json:"key_file"`
	Secrets []struct {
		Name, File, Key string
	} `json:"secrets"`
}

func main() {
	man := flag.String("manifest", "", "manifest.json written by gen")
	root := flag.String("root", "", "secrets root symlink to install")
	flag.Parse()
	if err := run(*man, *root); err != nil {
		fmt.Fprintln(os.Stderr, "install:", err)
		os.Exit(1)
	}
}

func run(man, root string) error {
	data, err := os.ReadFile(man)
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s: %w", man, err)
	}
	o := secrets.Options{Root: root, AgeKeyFile: m.KeyFile, Decrypter: sopsfile.Local{}}
	for _, s := range m.Secrets {
		o.Secrets = append(o.Secrets, secrets.Spec{Name: s.Name, SopsFile: s.File, Key: s.Key, Mode: 0o400})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := secrets.Install(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("generation %s: %d added, %d changed, %d unchanged\n", rep.Generation, len(rep.Added), len(rep.Changed), len(rep.Unchanged))
	return nil
}
