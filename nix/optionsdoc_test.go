package nix_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// moduleReferencePath is the generated reference of the modules' options.
const moduleReferencePath = "../docs/nixos-module.md"

type optionDoc struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Type        string  `json:"type"`
	Default     *string `json:"default"`
	Example     *string `json:"example"`
	ReadOnly    bool    `json:"readOnly"`
}

// TestModuleReferenceUpToDate fails when docs/nixos-module.md differs from
// what the modules' options generate now (run with -update to rewrite it).
func TestModuleReferenceUpToDate(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	var opts struct {
		NixOS       []optionDoc `json:"nixos"`
		HomeManager []optionDoc `json:"homeManager"`
	}
	evalJSON(t, env, "import ./tests/eval/options-doc.nix { kit = "+kit+"; }", &opts)
	if len(opts.NixOS) < 40 || len(opts.HomeManager) < 5 {
		t.Fatalf("only %d NixOS and %d home-manager options found; the extraction is broken", len(opts.NixOS), len(opts.HomeManager))
	}
	got := renderModuleReference(opts.NixOS, opts.HomeManager)
	if *update {
		if err := os.WriteFile(moduleReferencePath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(moduleReferencePath)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./nix -run TestModuleReferenceUpToDate -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date with the modules' options; regenerate it:\n  go test ./nix -run TestModuleReferenceUpToDate -update", moduleReferencePath)
	}
}

func renderModuleReference(nixos, hm []optionDoc) string {
	var b strings.Builder
	b.WriteString(`# NixOS and home-manager module reference

<!-- Generated from nix/module.nix and nix/home-manager.nix by nix/optionsdoc_test.go; do not edit.
     Regenerate: go test ./nix -run TestModuleReferenceUpToDate -update -->

The flake's ` + "`nixosModules.default`" + ` declares ` + "`services.hearth`" + ` below; how to use it,
the units it makes and the migration from sops-nix are in [nixos.md](nixos.md).
` + "`settings`" + ` takes every key of [config-reference.md](config-reference.md); only the
keys the module reads or types are listed here.

## NixOS: ` + "`services.hearth`" + `

`)
	writeOptions(&b, nixos)
	b.WriteString("\n## home-manager: `services.hearth`\n\n" +
		"The flake's `homeManagerModules.default`: dotfile sync of one home as a systemd user unit.\n\n")
	writeOptions(&b, hm)
	return b.String()
}

func writeOptions(b *strings.Builder, opts []optionDoc) {
	b.WriteString("| option | type | default | description |\n|---|---|---|---|\n")
	for _, o := range opts {
		def := "required"
		if o.Default != nil {
			def = "`" + cell(*o.Default) + "`"
		}
		desc := cell(o.Description)
		if o.ReadOnly {
			desc = "Read-only. " + desc
		}
		if o.Example != nil {
			desc += fmt.Sprintf(" Example: `%s`", cell(*o.Example))
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", strings.TrimPrefix(o.Name, "services.hearth."), cell(o.Type), def, desc)
	}
}

// cell makes text fit one markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
