// Command hearth keeps a fleet of personal hosts in sync through git.
package main

import (
	"os"

	"github.com/hearth-fleet/hearth/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
