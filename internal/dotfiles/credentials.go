package dotfiles

import (
	"bytes"
	"path"
	"strings"
)

// A remote can plant a harmless file where a tool later stores a
// credential (~/.git-credentials, ~/.aws/credentials): hearth would
// record it as its own, and capture would push the credential the tool
// wrote. Capture therefore refuses home edits of credential stores and of
// anything holding a private key or a well-known token; they are held,
// and a person who means it edits the source instead.

// credentialPaths are home-relative paths where tools keep credentials.
var credentialPaths = map[string]bool{
	".git-credentials":                    true,
	".netrc":                              true,
	".aws/credentials":                    true,
	".docker/config.json":                 true,
	".config/gh/hosts.yml":                true,
	".config/hub":                         true,
	".kube/config":                        true,
	".pypirc":                             true,
	".npmrc":                              true,
	".cargo/credentials":                  true,
	".cargo/credentials.toml":             true,
	".vault-token":                        true,
	".terraform.d/credentials.tfrc.json":  true,
	".config/rclone/rclone.conf":          true,
	".local/share/keyrings/login.keyring": true,
	".config/gcloud/application_default_credentials.json": true,
}

// credentialDirs are home-relative directories whose every file is one.
var credentialDirs = []string{".gnupg/", ".password-store/", ".config/gcloud/legacy_credentials/"}

// credentialMarkers are byte strings that only credentials carry.
var credentialMarkers = [][]byte{
	[]byte("PRIVATE KEY-----"),
	[]byte("aws_secret_access_key"),
	[]byte("ghp_"),
	[]byte("github_pat_"),
	[]byte("glpat-"),
	[]byte("xoxb-"),
	[]byte("xoxp-"),
}

// credentialReason says why a home edit of target with contents must not
// be captured, or "" when nothing marks it as a credential.
func credentialReason(target string, contents []byte) string {
	const why = "refused: %s; hearth never captures it into the remote (edit the source file instead if it is meant to be shared)"
	base := path.Base(target)
	switch {
	case credentialPaths[target]:
		return strings.Replace(why, "%s", "a credential store", 1)
	case strings.HasPrefix(base, "id_") && strings.HasPrefix(target, ".ssh/") && !strings.HasSuffix(base, ".pub"):
		return strings.Replace(why, "%s", "an SSH private key", 1)
	}
	for _, d := range credentialDirs {
		if strings.HasPrefix(target, d) {
			return strings.Replace(why, "%s", "inside "+strings.TrimSuffix(d, "/"), 1)
		}
	}
	for _, m := range credentialMarkers {
		if bytes.Contains(contents, m) {
			return strings.Replace(why, "%s", "its content looks like a key or token", 1)
		}
	}
	return ""
}
