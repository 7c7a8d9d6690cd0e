package chezmoicompat

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// The rule that picks, from chezmoi's own test scripts
// (internal/cmd/testdata/scripts/*.txtar), those whose subject is applying
// a source state, so that the choice is made by code and not by hand:
//
//  1. the archive holds the source tree (files under SourcePrefix), not a
//     tree made by one of chezmoi's Go-coded commands (mksourcedir);
//  2. every command before the first `exec chezmoi apply` is a skip guard
//     that does not skip on Linux, a file assertion (which changes
//     nothing), or a file-system setup step the test replays (chmod,
//     mkdir, symlink);
//  3. that apply names no targets and only these flags: --force,
//     --verbose, --debug, --no-tty, --keep-going (no --dry-run, --source,
//     --include, --exclude, --interactive).
//
// The case is the home right after that first apply.
const (
	ScriptHome   = "home/user"
	SourcePrefix = ScriptHome + "/.local/share/chezmoi/"
	ConfigDir    = ScriptHome + "/.config/chezmoi"
)

// Script is one selected chezmoi test script.
type Script struct {
	Name  string
	Files []txtar.File // paths relative to the script's work dir
	Setup []SetupOp
}

// SetupOp is one replayed setup command, with the script's variables
// ($HOME, $CHEZMOISOURCEDIR, $CHEZMOICONFIGDIR, $WORK, ${/}) still in its
// arguments; Expand resolves them for a work dir.
type SetupOp struct {
	Cmd  string // chmod, mkdir or symlink
	Args []string
}

var applyFlags = map[string]bool{"--force": true, "--verbose": true, "--debug": true, "--no-tty": true, "--keep-going": true}

var condRE = regexp.MustCompile(`^\[(!?)([^\]]+)\]\s+(.*)$`)
var assertRE = regexp.MustCompile(`^(!\s+)?(exists|cmp|cmpenv|cmpmod|grep|stdout|stderr|readlink)\b`)

// SelectScript applies the rule to one script. It returns the script and
// "" when it is an apply case, or the reason it is not.
func SelectScript(name string, data []byte) (*Script, string) {
	ar := txtar.Parse(data)
	s := &Script{Name: strings.TrimSuffix(name, ".txtar"), Files: ar.Files}
	hasSource := false
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, SourcePrefix) {
			hasSource = true
		}
	}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		line = stripComment(line)
		if line == "" {
			continue
		}
		if m := condRE.FindStringSubmatch(line); m != nil {
			holds, known := linuxCondition(m[2])
			if !known {
				return nil, "condition [" + m[2] + "] is not one the rule knows"
			}
			if m[1] == "!" {
				holds = !holds
			}
			if !holds {
				continue // the command does not run on Linux
			}
			if strings.HasPrefix(m[3], "skip") {
				return nil, "skips on Linux: " + line
			}
			line = m[3]
		}
		if assertRE.MatchString(line) {
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "exec" && f[1] == "chezmoi" && f[2] == "apply":
			for _, a := range f[3:] {
				if !applyFlags[a] {
					return nil, "its first apply has " + a
				}
			}
			if !hasSource {
				return nil, "its source tree is not in the archive"
			}
			return s, ""
		case f[0] == "chmod" && len(f) >= 3, f[0] == "mkdir" && len(f) >= 2,
			f[0] == "symlink" && len(f) == 4 && f[2] == "->":
			s.Setup = append(s.Setup, SetupOp{Cmd: f[0], Args: unquote(f[1:])})
		default:
			return nil, "changes state before its first apply: " + f[0]
		}
	}
	return nil, "no apply"
}

// linuxCondition evaluates a testscript condition as on this Linux host
// running under umask 022; known is false for conditions the rule does
// not know.
func linuxCondition(c string) (holds, known bool) {
	switch c {
	case "windows", "darwin", "freebsd", "openbsd":
		return false, true
	case "unix", "linux", "umask:022":
		return true, true
	}
	if prog, ok := strings.CutPrefix(c, "exec:"); ok {
		_, err := exec.LookPath(prog)
		return err == nil, true
	}
	return false, false
}

func stripComment(line string) string {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "#") {
		return ""
	}
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

func unquote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.Trim(a, "'\"")
	}
	return out
}

// Expand resolves the script variables in a for a script whose work dir
// is work.
func Expand(a, work string) string {
	home := work + "/" + ScriptHome
	r := strings.NewReplacer(
		"${/}", "/",
		"$CHEZMOISOURCEDIR", work+"/"+strings.TrimSuffix(SourcePrefix, "/"),
		"$CHEZMOICONFIGDIR", work+"/"+ConfigDir,
		"$HOME", home,
		"$WORK", work,
	)
	a = r.Replace(a)
	if !strings.HasPrefix(a, "/") {
		a = work + "/" + a
	}
	return a
}

func (op SetupOp) String() string { return fmt.Sprintf("%s %s", op.Cmd, strings.Join(op.Args, " ")) }

// Apply performs the setup command in work.
func (op SetupOp) Apply(work string) error {
	switch op.Cmd {
	case "chmod":
		var mode uint32
		if _, err := fmt.Sscanf(op.Args[0], "%o", &mode); err != nil {
			return err
		}
		for _, p := range op.Args[1:] {
			if err := os.Chmod(Expand(p, work), os.FileMode(mode)); err != nil {
				return err
			}
		}
	case "mkdir":
		for _, p := range op.Args {
			if err := os.MkdirAll(Expand(p, work), 0o755); err != nil {
				return err
			}
		}
	case "symlink":
		link := Expand(op.Args[0], work)
		target := op.Args[2]
		if strings.HasPrefix(target, "$") {
			target = Expand(target, work)
		}
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		return os.Symlink(target, link)
	}
	return nil
}
