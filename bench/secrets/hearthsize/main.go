// Command hearthsize is cmd/hearth with the secrets package linked in. The
// benchmark script builds it only to measure what the sops dependency adds
// to the hearth binary while the CLI does not import secrets yet.
package main

import (
	"context"
	"os"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/secrets"
)

func main() {
	// Reachable, so the linker keeps secrets and sops in the binary.
	if os.Getenv("HEARTHSIZE_INSTALL") == "1" {
		if _, err := secrets.Install(context.Background(), secrets.Options{}); err != nil {
			os.Exit(1)
		}
	}
	os.Exit(cli.Main(os.Args[1:]))
}
