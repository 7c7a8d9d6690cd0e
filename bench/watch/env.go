package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type bench struct {
	work, hearth, remotes string
	srv                   *gitServer
	log                   *slog.Logger
}

// gitEnv: plain git as on a fresh machine, with an identity.
func (b *bench) gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.invalid", "GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.invalid")
}

func (b *bench) git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, b.gitEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String()), nil
}

// newRemote makes remotes/<name>.git with a seed commit of files.
func (b *bench) newRemote(ctx context.Context, name string, files map[string]string) (string, error) {
	dir := filepath.Join(b.remotes, name+".git")
	if _, err := b.git(ctx, "", "init", "--quiet", "--bare", "--initial-branch=main", dir); err != nil {
		return "", err
	}
	if _, err := b.git(ctx, dir, "config", "http.receivepack", "true"); err != nil {
		return "", err
	}
	seed := filepath.Join(b.work, "seed-"+name)
	if _, err := b.git(ctx, "", "init", "--quiet", "--initial-branch=main", seed); err != nil {
		return "", err
	}
	for p, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(seed, p)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(seed, p), []byte(body), 0o644); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{{"add", "-A"}, {"commit", "--quiet", "-m", "seed"}, {"push", "--quiet", dir, "main"}} {
		if _, err := b.git(ctx, seed, args...); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (b *bench) url(transport, name string) string {
	if transport == "http" {
		return b.srv.url + "/" + name + ".git"
	}
	return "file://" + filepath.Join(b.remotes, name+".git")
}

type gitServer struct {
	url string
	srv *http.Server
}

// startGitServer serves remotes/ over smart HTTP: git http-backend as CGI
// on 127.0.0.1.
func startGitServer(ctx context.Context, b *bench) (*gitServer, error) {
	execPath, err := b.git(ctx, "", "--exec-path")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &cgi.Handler{Path: filepath.Join(execPath, "git-http-backend"), Dir: b.remotes, Stderr: io.Discard,
		Env: []string{"GIT_PROJECT_ROOT=" + b.remotes, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull}}
	s := &gitServer{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *gitServer) close() { _ = s.srv.Close() }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func maximum(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
