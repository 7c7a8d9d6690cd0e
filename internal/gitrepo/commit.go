package gitrepo

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Signature is an author or committer identity with a time.
type Signature struct {
	Name  string
	Email string
	When  time.Time // zero: now
}

// Trailer is a "Key: value" line at the end of a commit message.
type Trailer struct {
	Key   string
	Value string
}

// CommitSpec is everything CommitTree needs; nothing comes from configuration.
type CommitSpec struct {
	Tree      string
	Parents   []string
	Message   string
	Author    Signature
	Committer Signature // zero Name: same as Author
	Trailers  []Trailer
	// SigningKey, when set, is the path of an SSH private key the commit is
	// signed with (gpg.format=ssh); "" makes an unsigned commit.
	SigningKey string
}

// CommitTree creates a commit object (it does not move any ref) and returns its id.
func (r *Repo) CommitTree(ctx context.Context, spec CommitSpec) (string, error) {
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("commit-tree in %s: %w", r.Dir(), err)
	}
	if err := checkRev(spec.Tree); err != nil {
		return fail(err)
	}
	committer := spec.Committer
	if committer.Name == "" && committer.Email == "" {
		committer = spec.Author
	}
	env, err := identityEnv("AUTHOR", spec.Author)
	if err != nil {
		return fail(err)
	}
	cenv, err := identityEnv("COMMITTER", committer)
	if err != nil {
		return fail(err)
	}
	env = append(env, cenv...)
	msg, err := commitMessage(spec.Message, spec.Trailers)
	if err != nil {
		return fail(err)
	}
	// Signing is never implied by a repository's commit.gpgSign: a hearth
	// commit made unattended has no key to ask for.
	args := []string{"commit-tree", "--no-gpg-sign"}
	if spec.SigningKey != "" {
		sign, err := sshSigningArgs(spec.SigningKey)
		if err != nil {
			return fail(err)
		}
		args = append(sign, "commit-tree", "-S")
	}
	for _, p := range spec.Parents {
		if err := checkRev(p); err != nil {
			return fail(err)
		}
		args = append(args, "-p", p)
	}
	args = append(args, spec.Tree)
	// A signing key with a passphrase must fail, not open the terminal.
	out, err := r.run(ctx, call{args: args, env: env, stdin: strings.NewReader(msg), noTTY: spec.SigningKey != ""})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func identityEnv(role string, s Signature) ([]string, error) {
	lower := strings.ToLower(role)
	if strings.TrimSpace(s.Name) == "" || strings.TrimSpace(s.Email) == "" {
		return nil, fmt.Errorf("%s name and email are required", lower)
	}
	if strings.ContainsAny(s.Name+s.Email, "<>\n\x00") {
		return nil, fmt.Errorf("%s %q <%s>: name and email may not contain <, > or newlines", lower, s.Name, s.Email)
	}
	when := s.When
	if when.IsZero() {
		when = time.Now()
	}
	return []string{
		"GIT_" + role + "_NAME=" + s.Name,
		"GIT_" + role + "_EMAIL=" + s.Email,
		// The "@<unix> <zone>" form is git's raw date: exact, no parsing guesswork.
		fmt.Sprintf("GIT_%s_DATE=@%d %s", role, when.Unix(), when.Format("-0700")),
	}, nil
}

func commitMessage(msg string, trailers []Trailer) (string, error) {
	msg = strings.TrimRight(msg, "\n")
	if strings.TrimSpace(msg) == "" {
		return "", fmt.Errorf("empty commit message")
	}
	if len(trailers) == 0 {
		return msg + "\n", nil
	}
	var b strings.Builder
	b.WriteString(msg)
	b.WriteString("\n\n")
	for _, t := range trailers {
		if !validTrailerKey(t.Key) || strings.ContainsAny(t.Value, "\n\x00") {
			return "", fmt.Errorf("invalid trailer %q: %q", t.Key, t.Value)
		}
		fmt.Fprintf(&b, "%s: %s\n", t.Key, t.Value)
	}
	return b.String(), nil
}

func validTrailerKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// CommitInfo is what a caller usually wants to know about a commit.
type CommitInfo struct {
	ID        string
	Tree      string
	Parents   []string
	Author    Signature
	Committer Signature
	Message   string
}

// ReadCommit returns the tree, parents, identities and message of a commit.
func (r *Repo) ReadCommit(ctx context.Context, rev string) (*CommitInfo, error) {
	if err := checkRev(rev); err != nil {
		return nil, fmt.Errorf("read commit in %s: %w", r.Dir(), err)
	}
	const format = "%H%x00%T%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B"
	out, err := r.run(ctx, call{args: []string{"log", "-1", "--no-walk", "--format=" + format, rev, "--"}})
	if err != nil {
		return nil, err
	}
	f := strings.SplitN(string(out), "\x00", 10)
	if len(f) != 10 {
		return nil, fmt.Errorf("read commit %s in %s: unexpected log output", rev, r.Dir())
	}
	at, ct := parseUnix(f[5]), parseUnix(f[8])
	return &CommitInfo{
		ID: f[0], Tree: f[1], Parents: strings.Fields(f[2]),
		Author:    Signature{Name: f[3], Email: f[4], When: at},
		Committer: Signature{Name: f[6], Email: f[7], When: ct},
		Message:   strings.TrimRight(f[9], "\n"),
	}, nil
}
