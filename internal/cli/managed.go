package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

// entryTypes are the names chezmoi's --include and --exclude take. Those
// hearth's engine never lists (scripts, externals, ...) are accepted and
// match nothing, so a chezmoi user's habits do not fail.
var entryTypes = []string{"all", "none", "dirs", "files", "symlinks", "templates", "encrypted", "always", "externals", "remove", "scripts"}

func newManagedCmd(a *app) *cobra.Command {
	var include, exclude []string
	var style string
	cmd := &cobra.Command{
		Use:   "managed [TARGET...]",
		Short: "List the targets the dotfiles source manages",
		Long: `List the targets the dotfiles source manages on this host, after
.chezmoiignore, one per line (like chezmoi managed). With TARGETs, only those
and what lies below them.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			inc, err := parseTypes("--include", include)
			if err != nil {
				return err
			}
			exc, err := parseTypes("--exclude", exclude)
			if err != nil {
				return err
			}
			if _, err := targetPath(cfg, style, "", ""); err != nil {
				return err
			}
			opts := a.dotfilesOptions(cfg)
			if opts.Only, err = a.targetArgs(cfg, args); err != nil {
				return err
			}
			list, err := dotfiles.Managed(cmd.Context(), opts)
			if err != nil {
				return err
			}
			list = slices.DeleteFunc(list, func(m dotfiles.ManagedEntry) bool { return !typeMatch(inc, m) || (len(exc) > 0 && typeMatch(exc, m)) })
			if a.json {
				return a.printJSON(list)
			}
			for _, m := range list {
				p, _ := targetPath(cfg, style, m.Target, m.Source)
				fmt.Fprintln(a.stdout(), safeName(p))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVarP(&include, "include", "i", []string{"all"}, "entry types to list: "+strings.Join(entryTypes, ","))
	f.StringSliceVarP(&exclude, "exclude", "x", nil, "entry types to leave out")
	f.StringVarP(&style, "path-style", "p", "relative", "absolute, relative, source-absolute or source-relative")
	return cmd
}

func parseTypes(flag string, list []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, t := range list {
		for _, t := range strings.Split(t, ",") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			name, neg := t, false
			if t != "none" {
				name, neg = strings.CutPrefix(t, "no")
			}
			if !slices.Contains(entryTypes, name) {
				return nil, usageError("%s: unknown entry type %q; want %s", flag, t, strings.Join(entryTypes, ","))
			}
			if name == "all" {
				for _, n := range entryTypes[2:] {
					out[n] = !neg
				}
				continue
			}
			out[name] = !neg
		}
	}
	return out, nil
}

// typeMatch reports whether the set of types names the entry.
func typeMatch(set map[string]bool, m dotfiles.ManagedEntry) bool {
	switch {
	case m.Template && set["templates"], m.Encrypted && set["encrypted"]:
		return true
	}
	return set[m.Type+"s"]
}
