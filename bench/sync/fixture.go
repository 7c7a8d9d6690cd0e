package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sharedFile is the file every fleet host edits (one line each).
const sharedFile = "dot_config/shared/fleet.conf"

// appFile is the source path of the i-th generated config file; fleet host i
// edits this one alone.
func appFile(i int) string { return fmt.Sprintf("dot_config/app%02d/settings.conf", i) }

// target is where a source path lands in home (the dot_ prefixes this
// fixture uses, nothing else).
func target(source string) string {
	parts := strings.Split(source, "/")
	for i, p := range parts {
		parts[i] = strings.Replace(p, "dot_", ".", 1)
	}
	return filepath.Join(parts...)
}

// sharedSlot is the line fleet host i owns in the shared file. Two unchanged
// lines separate neighbouring slots so that edits of different hosts merge
// without overlapping hunks, as edits of different settings do.
func sharedSlot(i int) int { return 3*i + 1 }

// seedTree is a chezmoi source tree of about n files, typical of a dotfiles
// repository: shell and editor configs, a private dir, an executable, a
// template, and generated app configs of a few KB; at least `apps` app files.
func seedTree(n, apps int) map[string]string {
	files := map[string]string{
		"dot_bashrc":                      lines("# bashrc", 120),
		"dot_profile":                     lines("# profile", 30),
		"dot_zshrc":                       lines("# zshrc", 150),
		"dot_inputrc":                     lines("# inputrc", 20),
		"dot_vimrc":                       lines("\" vimrc", 200),
		"dot_tmux.conf":                   lines("# tmux", 60),
		"dot_config/git/config":           "[core]\n\teditor = vim\n[pull]\n\tff = only\n" + lines("# git", 20),
		"dot_config/nvim/init.lua":        lines("-- init.lua", 300),
		"dot_config/nvim/lua/plugins.lua": lines("-- plugins", 150),
		"dot_config/kitty/kitty.conf":     lines("# kitty", 80),
		"private_dot_ssh/config":          lines("# ssh config", 40),
		"dot_local/bin/executable_backup": "#!/bin/sh\n" + lines("# backup step", 30),
		"dot_config/hostinfo.tmpl":        "host={{ .chezmoi.hostname }}\nos={{ .chezmoi.os }}\n",
	}
	var shared strings.Builder
	for i := 0; i < max(apps, 1); i++ {
		fmt.Fprintf(&shared, "# setting %d\nslot%02d = original\n# end %d\n", i, i, i)
	}
	files[sharedFile] = shared.String()
	for i := 0; len(files) < n || i < apps; i++ {
		files[appFile(i)] = lines(fmt.Sprintf("# app %d", i), 40+i%5*20)
	}
	return files
}

// lines is a header followed by k distinct setting lines.
func lines(header string, k int) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range k {
		fmt.Fprintf(&b, "option_%03d = value %d # a comment to give the line a usual length\n", i, i*7)
	}
	return b.String()
}

// seed commits the tree into a scratch clone once; newRemote pushes that
// commit into each new bare remote so every remote starts identical.
func (b *bench) seed(ctx context.Context, files map[string]string) error {
	dir := filepath.Join(b.work, "seed")
	if _, err := b.git(ctx, "", "init", "--quiet", dir); err != nil {
		return err
	}
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.Contains(p, "executable_") {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			return err
		}
	}
	if _, err := b.git(ctx, dir, "add", "-A"); err != nil {
		return err
	}
	_, err := b.git(ctx, dir, "commit", "--quiet", "-m", "seed dotfiles")
	return err
}

// newRemote creates the bare remote name.git holding the seed commit.
func (b *bench) newRemote(ctx context.Context, name string) error {
	dir := b.remoteDir(name)
	if _, err := b.git(ctx, "", "init", "--quiet", "--bare", dir); err != nil {
		return err
	}
	// Pushes over HTTP need receive-pack enabled; no automatic gc, so that
	// no detached process outlives the run in a dir about to be removed.
	for _, kv := range [][2]string{{"http.receivepack", "true"}, {"gc.auto", "0"}} {
		if _, err := b.git(ctx, dir, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	_, err := b.git(ctx, filepath.Join(b.work, "seed"), "push", "--quiet", dir, "main")
	return err
}
