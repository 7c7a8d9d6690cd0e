// Package demo runs hearth's main job end to end on a local fleet in a temp
// dir: one git remote, three hosts, concurrent edits (the same line on two
// hosts, one host offline for a round), sync rounds, and the final state.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/syncer"
)

// Options configure a demo run.
type Options struct {
	Dir    string // where the fleet lives; "" makes (and removes) a temp dir
	Out    io.Writer
	Logger *slog.Logger
}

// Summary is what the demo ends with, for tests and --json.
type Summary struct {
	Dir        string            `json:"dir"`
	Converged  bool              `json:"converged"`
	RemoteHead string            `json:"remote_head"`
	Conflicts  []syncer.Conflict `json:"conflicts"`
	Bashrc     string            `json:"bashrc"`
	Duration   string            `json:"duration"`
}

type host struct {
	name   string
	cfg    *config.Config
	remote string // this host's path to the remote (a symlink, so it can go offline alone)
}

var seed = map[string]string{
	"dot_bashrc":               "export EDITOR=vi\nalias ll='ls -l'\nalias gs='git status'\n",
	"dot_gitconfig.tmpl":       "[user]\n\tname = Demo User\n[core]\n\tpager = less\n# rendered on {{ .hearth.host }}\n",
	"private_dot_ssh/config":   "Host *\n\tServerAliveInterval 30\n",
	"dot_config/nvim/init.lua": "vim.opt.number = true\n",
}

// Run plays the demo and writes its story to o.Out.
func Run(ctx context.Context, o Options) (*Summary, error) {
	start := time.Now()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "hearth-demo-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		o.Dir = d
		if err := checkRootDir(o.Dir, false); err != nil {
			return nil, err
		}
	} else if err := checkRootDir(o.Dir, true); err != nil {
		return nil, err
	}
	w := o.Out
	step := func(format string, a ...any) { fmt.Fprintf(w, "\n== "+format+"\n", a...) }

	remoteDir := filepath.Join(o.Dir, "remote.git")
	if _, err := gitrepo.Init(ctx, remoteDir, true, "main", gitrepo.Options{}); err != nil {
		return nil, err
	}
	step("a bare git remote at %s, seeded with a chezmoi source tree", remoteDir)
	if err := seedRemote(ctx, o, remoteDir); err != nil {
		return nil, err
	}

	var hosts []*host
	for _, name := range []string{"laptop", "desktop", "server"} {
		h, err := newHost(o.Dir, name, remoteDir)
		if err != nil {
			return nil, err
		}
		hosts = append(hosts, h)
	}
	step("three hosts clone it and apply it to their homes")
	if err := roundAll(ctx, o, hosts); err != nil {
		return nil, err
	}

	step("concurrent edits: laptop and desktop change the same line of ~/.bashrc; server goes offline")
	edit(hosts[0], ".bashrc", "alias ll='ls -l'", "alias ll='ls -lah'")
	edit(hosts[0], ".config/nvim/init.lua", "vim.opt.number = true", "vim.opt.number = true\nvim.opt.relativenumber = true")
	edit(hosts[1], ".bashrc", "alias ll='ls -l'", "alias ll='exa -l'")
	edit(hosts[1], ".bashrc", "alias gs='git status'", "alias gs='git status -sb'")
	appendTo(hosts[2], ".ssh/config", "Host nas\n\tHostName 192.0.2.10\n")
	offline := hosts[2]
	if err := os.Remove(offline.remote); err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "   laptop : alias ll='ls -lah', and relativenumber in nvim")
	fmt.Fprintln(w, "   desktop: alias ll='exa -l' (same line!), alias gs='git status -sb'")
	fmt.Fprintln(w, "   server : a new Host entry in ~/.ssh/config, while its network is down")

	step("round 1: all three sync at the same moment")
	if err := roundAll(ctx, o, hosts); err != nil {
		return nil, err
	}
	step("server's network is back; round 2 and 3 for everyone")
	if err := os.Symlink(remoteDir, offline.remote); err != nil {
		return nil, err
	}
	for range 2 {
		if err := roundAll(ctx, o, hosts); err != nil {
			return nil, err
		}
	}

	sum, err := summarize(ctx, o, hosts, remoteDir)
	if err != nil {
		return nil, err
	}
	sum.Duration = time.Since(start).Round(time.Millisecond).String()
	step("final state")
	fmt.Fprintf(w, "~/.bashrc on every host:\n%s", indent(sum.Bashrc))
	for _, c := range sum.Conflicts {
		fmt.Fprintf(w, "conflict %s on %s: %s's version is live (policy %s), %s's is kept in %s\n",
			c.ID, c.Path, c.WinnerHost, c.Policy, c.LoserHost, c.Sidecar)
		fmt.Fprintf(w, "   settle it with: hearth conflicts resolve %s --keep live|sidecar\n", c.ID)
	}
	if sum.Converged {
		fmt.Fprintf(w, "converged: every host's source and home equal the remote at %s (%s)\n", sum.RemoteHead[:12], sum.Duration)
	} else {
		fmt.Fprintf(w, "NOT converged (this is a bug): see %s\n", o.Dir)
	}
	return sum, nil
}

func seedRemote(ctx context.Context, o Options, remoteDir string) error {
	dir := filepath.Join(o.Dir, "seed")
	so := syncer.Options{Dir: dir, Remote: remoteDir, Host: "seed", Logger: o.Logger}
	if _, err := syncer.Round(ctx, so); err != nil {
		return err
	}
	for p, c := range seed {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			return err
		}
	}
	_, err := syncer.Round(ctx, so)
	return err
}

func newHost(root, name, remoteDir string) (*host, error) {
	dir := filepath.Join(root, name)
	// The link sits alone in its directory, like a disk mounted there:
	// removing it looks like unplugging that disk (offline), not a typo.
	link := filepath.Join(dir, "net", "remote.git")
	for _, d := range []string{"home", "net"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Symlink(remoteDir, link); err != nil {
		return nil, err
	}
	toml := fmt.Sprintf("host = %q\nstate_dir = %q\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		name, filepath.Join(dir, "state"), "file://"+link, filepath.Join(dir, "source"), filepath.Join(dir, "home"))
	file := filepath.Join(dir, "hearth.toml")
	if err := os.WriteFile(file, []byte(toml), 0o644); err != nil {
		return nil, err
	}
	cfg, err := config.Parse(file, []byte(toml), config.Env{Getenv: func(string) string { return "" }, UID: os.Getuid()})
	if err != nil {
		return nil, err
	}
	return &host{name: name, cfg: cfg, remote: link}, nil
}

// roundAll runs one sync round on every host at the same moment.
func roundAll(ctx context.Context, o Options, hosts []*host) error {
	results := make([]*dotsync.Result, len(hosts))
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = dotsync.Round(ctx, h.cfg, dotsync.Env{Getenv: func(string) string { return "" }, Logger: o.Logger.With("host", h.name)})
		}()
	}
	wg.Wait()
	for i, h := range hosts {
		if errs[i] != nil {
			return fmt.Errorf("host %s: %w", h.name, errs[i])
		}
		fmt.Fprintf(o.Out, "   %-8s %s\n", h.name, describe(results[i]))
	}
	return nil
}

func describe(r *dotsync.Result) string {
	s := r.Sync
	var parts []string
	parts = append(parts, s.Result)
	if s.Cloned {
		parts = append(parts, "cloned")
	}
	if n := len(r.Captured); n > 0 {
		parts = append(parts, fmt.Sprintf("captured %d home edit(s)", n))
	}
	if s.Merged {
		parts = append(parts, "merged")
	}
	if s.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("lost %d push race(s)", s.Attempts-1))
	}
	if s.Pushed {
		parts = append(parts, "pushed")
	}
	for _, c := range s.Conflicts {
		parts = append(parts, fmt.Sprintf("conflict on %s: %s wins, %s's version kept as sidecar", c.Path, c.WinnerHost, c.LoserHost))
	}
	if n := len(r.Applied); n > 0 {
		parts = append(parts, fmt.Sprintf("applied %d change(s) to home", n))
	}
	if s.Result == syncer.ResultOffline {
		parts = append(parts, "edits committed locally, kept for the next round")
	}
	return strings.Join(parts, ", ")
}

func summarize(ctx context.Context, o Options, hosts []*host, remoteDir string) (*Summary, error) {
	remote, err := gitrepo.Open(ctx, remoteDir, gitrepo.Options{})
	if err != nil {
		return nil, err
	}
	head, err := remote.RevParse(ctx, "refs/heads/main")
	if err != nil {
		return nil, err
	}
	sum := &Summary{Dir: o.Dir, RemoteHead: head, Converged: true}
	var homes []string
	for _, h := range hosts {
		repo, err := gitrepo.Open(ctx, h.cfg.Dotfiles.SourceDir, gitrepo.Options{})
		if err != nil {
			return nil, err
		}
		local, err := repo.RevParse(ctx, "HEAD")
		if err != nil {
			return nil, err
		}
		st, err := repo.Status(ctx)
		if err != nil {
			return nil, err
		}
		if local != head || len(st) != 0 {
			sum.Converged = false
		}
		b, err := os.ReadFile(filepath.Join(h.cfg.Dotfiles.TargetDir, ".bashrc"))
		if err != nil {
			return nil, err
		}
		homes = append(homes, string(b))
	}
	sort.Strings(homes)
	if homes[0] != homes[len(homes)-1] {
		sum.Converged = false
	}
	sum.Bashrc = homes[0]
	m, err := syncer.ReadManifest(hosts[0].cfg.Dotfiles.SourceDir)
	if err != nil {
		return nil, err
	}
	sum.Conflicts = m.Conflicts
	return sum, nil
}

func edit(h *host, rel, old, new string) {
	p := filepath.Join(h.cfg.Dotfiles.TargetDir, rel)
	b, _ := os.ReadFile(p)
	_ = os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644)
}

func appendTo(h *host, rel, s string) {
	p := filepath.Join(h.cfg.Dotfiles.TargetDir, rel)
	b, _ := os.ReadFile(p)
	fi, err := os.Stat(p)
	mode := os.FileMode(0o600)
	if err == nil {
		mode = fi.Mode().Perm()
	}
	_ = os.WriteFile(p, append(b, s...), mode)
}

func indent(s string) string {
	return "   " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n   ") + "\n"
}
