package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newUnmanagedCmd(a *app) *cobra.Command {
	var style string
	cmd := &cobra.Command{
		Use:   "unmanaged [PATH...]",
		Short: "List what is in home that the dotfiles source does not manage",
		Long: `List the entries of home (or of the PATHs) that the dotfiles source does
not manage, like chezmoi unmanaged: an unmanaged directory is listed once,
not descended into; entries .chezmoiignore names are left out.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			if style != "relative" && style != "absolute" {
				return usageError("--path-style %q: want absolute or relative", style)
			}
			roots := []string{"."}
			if len(args) > 0 {
				if roots, err = a.targetArgs(cfg, args); err != nil {
					return err
				}
			}
			list, err := unmanaged(a, cfg.Dotfiles.TargetDir, roots, cmd)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(list)
			}
			for _, t := range list {
				p, _ := targetPath(cfg, style, t, "")
				fmt.Fprintln(a.stdout(), safeName(p))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&style, "path-style", "p", "relative", "absolute or relative")
	return cmd
}

// unmanaged walks home below roots without following links, listing each
// entry that is neither managed nor ignored, and descending only into
// managed directories.
func unmanaged(a *app, home string, roots []string, cmd *cobra.Command) ([]string, error) {
	cfg, _ := a.config()
	opts := a.dotfilesOptions(cfg)
	st, err := dotfiles.Load(cmd.Context(), opts)
	if err != nil {
		return nil, err
	}
	managed := map[string]bool{}
	for _, e := range st.Entries() {
		managed[e.Target] = true
	}
	out := []string{}
	var visit func(rel string) error
	visit = func(rel string) error {
		ents, err := os.ReadDir(filepath.Join(home, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		for _, e := range ents {
			t := path.Join(rel, e.Name())
			switch {
			case st.Ignored(t):
			case !managed[t]:
				out = append(out, t)
			case e.IsDir():
				if err := visit(t); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		r = strings.Trim(path.Clean(r), "/")
		fi, err := os.Lstat(filepath.Join(home, filepath.FromSlash(r)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: not in home", r)
		case err != nil:
			return nil, err
		case r == "." || (fi.IsDir() && managed[r]):
			if r == "." {
				r = ""
			}
			if err := visit(r); err != nil {
				return nil, err
			}
		case !managed[r] && !st.Ignored(r):
			out = append(out, r)
		}
	}
	return out, nil
}
