package syncer

import (
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// Trailer keys hearth writes into its commits.
const (
	TrailerHost = "Hearth-Host"
	TrailerTime = "Hearth-Time"
)

func signature(o *Options, now time.Time) gitrepo.Signature {
	return gitrepo.Signature{Name: "hearth (" + o.Host + ")", Email: "hearth@" + sanitizeHost(o.Host), When: now}
}

func trailers(o *Options, now time.Time) []gitrepo.Trailer {
	return []gitrepo.Trailer{
		{Key: TrailerHost, Value: o.Host},
		{Key: TrailerTime, Value: now.UTC().Format(time.RFC3339)},
	}
}

// trailerValue finds "Key: value" among the last lines of a commit message.
func trailerValue(msg, key string) string {
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	for i := len(lines) - 1; i >= 0 && strings.TrimSpace(lines[i]) != ""; i-- {
		if k, v, ok := strings.Cut(lines[i], ":"); ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
