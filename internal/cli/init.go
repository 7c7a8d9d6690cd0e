package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hearth-fleet/hearth/internal/chezmoicfg"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
)

// initRequest is what hearth init was asked.
type initRequest struct {
	Repo    string
	Branch  string
	NoTTY   bool
	Prompts dotfiles.InitPrompts
}

// initResult is what hearth init did.
type initResult struct {
	Cloned     string `json:"cloned,omitempty"`
	SourceDir  string `json:"source_dir"`
	Template   string `json:"template,omitempty"`
	ConfigFile string `json:"config_file,omitempty"`
}

func newInitCmd(a *app) *cobra.Command {
	var req initRequest
	cmd := &cobra.Command{
		Use:   "init [REPO]",
		Short: "Clone a chezmoi repository into the source dir and make its config from its config template, like chezmoi init",
		Long: `init clones REPO (default dotfiles.remote) into dotfiles.source_dir unless a clone
is already there, then renders the repository's .chezmoi.<format>.tmpl as chezmoi init
does and writes the config it makes where hearth (and chezmoi) read it:
dotfiles.chezmoi_config, else chezmoi/chezmoi.<format> in the home owner's config dir.

A prompt is answered by --promptString/--promptBool/--promptInt/--promptChoice
'PROMPT=VALUE', else (with --promptDefaults) by its default, else on the terminal;
with no terminal an unanswered prompt is an error naming it. REPO may be a URL, a
path, or GitHub shorthand (user, user/repo) as chezmoi takes it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			if len(args) == 1 {
				req.Repo = args[0]
			}
			// init writes the source dir, as a sync round does: never both at once.
			if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
				return fmt.Errorf("state dir %s: %w", cfg.StateDir, err)
			}
			l, err := state.AcquireLock(cmd.Context(), cfg.StateDir, "sync", lockWait, a.commandLine())
			if err != nil {
				return err
			}
			defer l.Unlock()
			res, err := runInit(cmd.Context(), cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()}, a.inv, req)
			if err != nil {
				var exit *dotfiles.ExitError
				if errors.As(err, &exit) {
					if exit.Code == 0 {
						return nil
					}
					return &exitError{code: exit.Code, err: err}
				}
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			w := a.stdout()
			if res.Cloned != "" {
				fmt.Fprintf(w, "cloned %s into %s\n", safeLine(res.Cloned), safeName(res.SourceDir))
			}
			if res.Cloned != "" && cfg.Dotfiles.Remote == "" {
				fmt.Fprintf(w, "to sync, set dotfiles.remote = %q in %s\n", res.Cloned, safeName(cfg.File))
			}
			if res.ConfigFile != "" {
				fmt.Fprintf(w, "wrote %s from %s\n", safeName(res.ConfigFile), safeName(res.Template))
			} else {
				fmt.Fprintln(w, "no config template in the source; no chezmoi config written")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Branch, "branch", "", "branch to clone (default the remote's HEAD)")
	f.BoolVar(&req.NoTTY, "no-tty", false, "never prompt on the terminal")
	f.BoolVar(&req.Prompts.Defaults, "promptDefaults", false, "answer every prompt that has a default with it")
	f.BoolVar(&req.Prompts.Force, "prompt", false, "make the prompt...Once functions prompt even when the data has a value")
	f.StringToStringVar(&req.Prompts.Strings, "promptString", nil, "answers to promptString: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Bools, "promptBool", nil, "answers to promptBool: PROMPT=VALUE,...")
	f.StringToIntVar(&req.Prompts.Ints, "promptInt", nil, "answers to promptInt: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Choices, "promptChoice", nil, "answers to promptChoice: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Multichoices, "promptMultichoice", nil, "answers to promptMultichoice: PROMPT=A/B,...")
	return cmd
}

// runInit clones the repository if the source dir has no clone, renders
// its config template and writes the chezmoi config.
func runInit(ctx context.Context, cfg *config.Config, env dotsync.Env, inv Invocation, req initRequest) (*initResult, error) {
	res := &initResult{SourceDir: cfg.Dotfiles.SourceDir}
	repo := req.Repo
	if repo == "" {
		repo = cfg.Dotfiles.Remote
	}
	ents, err := os.ReadDir(cfg.Dotfiles.SourceDir)
	switch {
	case errors.Is(err, os.ErrNotExist) || err == nil && len(ents) == 0:
		if repo == "" {
			return nil, usageError("no repository to clone into the empty source dir %s: give REPO or set dotfiles.remote", cfg.Dotfiles.SourceDir)
		}
		url := repoURL(repo)
		if err := cloneSource(ctx, url, cfg.Dotfiles.SourceDir, req.Branch, gitrepo.Options{Logger: env.Logger}); err != nil {
			return nil, err
		}
		res.Cloned = url
	case err != nil:
		return nil, fmt.Errorf("source dir %s: %w", cfg.Dotfiles.SourceDir, err)
	case req.Repo != "":
		if _, err := os.Stat(filepath.Join(cfg.Dotfiles.SourceDir, ".git")); err != nil {
			return nil, fmt.Errorf("source dir %s exists, is not empty and is not a git clone; move it away to clone %s", cfg.Dotfiles.SourceDir, req.Repo)
		}
		// Already cloned: init renders the config again, as chezmoi init does.
	}

	opts := dotsync.DotfilesOptions(cfg, env)
	// The config being replaced may be the broken one; its data only
	// answers ...Once prompts.
	if opts.ConfigProblem != "" {
		env.Logger.Warn("init: the current chezmoi config is unusable; its data is not used", "problem", opts.ConfigProblem)
		opts.Data = deepCopy(cfg.Dotfiles.Data)
	}
	opts.RenderTimeout = initRenderTimeout // a person may be answering prompts
	p := req.Prompts
	p.Stdout = inv.Stdout
	p.IsTTY = stdinIsTerminal(inv.Stdin)
	if p.IsTTY && !req.NoTTY {
		r := bufio.NewReader(inv.Stdin)
		p.Ask = func(prompt string) (string, error) {
			fmt.Fprint(inv.Stderr, prompt)
			line, err := r.ReadString('\n')
			if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
				return "", err
			}
			return strings.TrimSpace(line), nil
		}
	}
	t, err := dotfiles.OpenTemplates(ctx, opts, false)
	if err != nil {
		return nil, err
	}
	ct, err := t.RenderConfigTemplate(&p)
	if err != nil || ct == nil {
		return res, err
	}
	dest, err := initConfigPath(cfg, env, ct.Name)
	if err != nil {
		return nil, err
	}
	if err := writeConfigFile(dest, ct.Content); err != nil {
		return nil, err
	}
	res.Template, res.ConfigFile = filepath.Join(cfg.Dotfiles.SourceDir, ct.Source), dest
	return res, nil
}

// initRenderTimeout bounds an init template's run, prompts included.
const initRenderTimeout = 24 * time.Hour

// initConfigPath is where the config goes: dotfiles.chezmoi_config, else
// chezmoi's default file in the owner's config dir. Another chezmoi.<ext>
// there would make two configs (chezmoi refuses to run): it is refused.
func initConfigPath(cfg *config.Config, env dotsync.Env, name string) (string, error) {
	if cfg.Dotfiles.ChezmoiConfig != "" {
		return cfg.Dotfiles.ChezmoiConfig, nil
	}
	dir := filepath.Join(dotsync.ChezmoiConfigDir(cfg, env), "chezmoi")
	dest := filepath.Join(dir, name)
	for _, ext := range chezmoicfg.Extensions {
		other := filepath.Join(dir, "chezmoi."+ext)
		if other == dest {
			continue
		}
		if _, err := os.Lstat(other); err == nil {
			return "", fmt.Errorf("%s exists; the config template makes %s and chezmoi refuses two config files: remove or rename %s first", other, dest, other)
		}
	}
	return dest, nil
}

// writeConfigFile replaces path with b, mode 0600 as chezmoi writes it
// (the config may hold answers meant to stay private).
func writeConfigFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// cloneSource clones url beside dir and renames it into place, so an
// interrupted clone never looks like a source dir.
func cloneSource(ctx context.Context, url, dir, branch string, gopts gitrepo.Options) error {
	tmp := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".hearth-clone")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove the unfinished clone %s: %w", tmp, err)
	}
	if _, err := gitrepo.Clone(ctx, url, tmp, gitrepo.CloneOptions{Branch: branch}, gopts); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("clone %s: %w", url, err)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("clone %s: %w", url, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("clone %s: move it to %s: %w", url, dir, err)
	}
	return nil
}

// repoURL expands chezmoi's GitHub shorthand: user means
// github.com/user/dotfiles, user/repo github.com/user/repo; URLs, scp-style
// addresses and paths are taken as they are.
func repoURL(repo string) string {
	if strings.Contains(repo, "://") || strings.Contains(repo, ":") || strings.HasPrefix(repo, "/") || strings.HasPrefix(repo, ".") || strings.HasPrefix(repo, "~") {
		return repo
	}
	parts := strings.Split(repo, "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return "https://github.com/" + parts[0] + "/dotfiles.git"
	case len(parts) == 2 && parts[0] != "" && parts[1] != "" && !strings.Contains(parts[0], "."):
		return "https://github.com/" + parts[0] + "/" + parts[1] + ".git"
	case len(parts) >= 2 && strings.Contains(parts[0], "."):
		return "https://" + repo + ".git" // host/user/repo
	}
	return repo
}

// stdinIsTerminal reports whether r is a terminal (not merely a character
// device such as /dev/null).
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if mm, ok := v.(map[string]any); ok {
			v = deepCopy(mm)
		}
		out[k] = v
	}
	return out
}
