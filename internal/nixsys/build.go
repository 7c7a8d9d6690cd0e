package nixsys

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DefaultBuildTimeout bounds a build whose BuildSpec.Timeout is zero.
const DefaultBuildTimeout = time.Hour

// BuildSpec says what to build: attribute Attr of the flake in git repository
// Repo (a work tree or a bare mirror) at exactly commit Rev.
type BuildSpec struct {
	Repo    string        // absolute path of the git repository
	Rev     string        // full 40-hex commit id
	Attr    string        // flake output attribute, e.g. nixosConfigurations.host.config.system.build.toplevel
	Timeout time.Duration // 0: DefaultBuildTimeout
	Log     io.Writer     // receives nix's build log as it runs; nil: discarded
	// OutLink, when set, is a symlink to the result that is also a GC root, so
	// the build survives a garbage collection before it is activated.
	OutLink string
}

var revRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// FlakeRef is the locked flake reference nix builds for s: never a dirty
// checkout, always the exact commit.
func (s BuildSpec) FlakeRef() (string, error) {
	if !filepath.IsAbs(s.Repo) {
		return "", fmt.Errorf("build: repository %q is not an absolute path", s.Repo)
	}
	// These characters would change the meaning of the URL nix parses.
	if strings.ContainsAny(s.Repo, "?#% \t\n\"'") {
		return "", fmt.Errorf("build: repository path %q contains characters not allowed in a flake URL", s.Repo)
	}
	if !revRE.MatchString(s.Rev) {
		return "", fmt.Errorf("build %s: commit %q is not a full 40-hex commit id", s.Repo, s.Rev)
	}
	if s.Attr == "" || strings.HasPrefix(s.Attr, "-") || strings.ContainsAny(s.Attr, "#? \t\n") {
		return "", fmt.Errorf("build %s at %s: invalid flake attribute %q", s.Repo, s.Rev, s.Attr)
	}
	return "git+file://" + filepath.Clean(s.Repo) + "?rev=" + s.Rev + "#" + s.Attr, nil
}

// Build builds s and returns the output store path. The log streams to s.Log;
// the error names the flake reference and ends with nix's last lines.
func (n *Nix) Build(ctx context.Context, s BuildSpec) (string, error) {
	ref, err := s.FlakeRef()
	if err != nil {
		return "", err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultBuildTimeout
	}
	// nix 2.8 has no --print-out-paths: ask for --json and read the outputs.
	args := []string{"build", "--print-build-logs", "--json"}
	if s.OutLink != "" {
		args = append(args, "--out-link", s.OutLink)
	} else {
		args = append(args, "--no-link")
	}
	args = append(args, ref)
	n.log.Info("building", "flake", ref)
	start := time.Now()
	out, err := n.run(ctx, timeout, s.Log, "nix", args...)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", ref, err)
	}
	var res []struct {
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return "", fmt.Errorf("build %s: reading nix build --json output: %w", ref, err)
	}
	if len(res) != 1 || res[0].Outputs["out"] == "" {
		return "", fmt.Errorf("build %s: expected one derivation with an out output, got %s", ref, strings.TrimSpace(string(out)))
	}
	path := res[0].Outputs["out"]
	if err := n.checkStorePath(path); err != nil {
		return "", fmt.Errorf("build %s: %w", ref, err)
	}
	n.log.Info("built", "flake", ref, "out", path, "duration", time.Since(start).Round(time.Millisecond))
	return path, nil
}
