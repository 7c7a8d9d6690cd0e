package fleet

import (
	"fmt"
	"strings"
)

// RefPrefix is where hosts publish their records on the remote.
const RefPrefix = "refs/hearth/hosts/"

// LocalPrefix is where a reader keeps its copy of the remote's records;
// `fetch --prune` keeps it equal to the remote's.
const LocalPrefix = "refs/hearth/fleet/hosts/"

// maxHostLen keeps a host name a DNS label's length.
const maxHostLen = 63

// CheckHost refuses a host name that is not safe as one ref component and
// as a table cell: letters, digits, '.', '_' and '-', starting with a
// letter or digit, no "..", not ending in ".lock" or ".".
func CheckHost(host string) error {
	if host == "" || len(host) > maxHostLen {
		return fmt.Errorf("host name %q: must be 1 to %d characters", host, maxHostLen)
	}
	for i, c := range host {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !ok && (i == 0 || (c != '.' && c != '_' && c != '-')) {
			return fmt.Errorf("host name %q: only letters, digits, '.', '_' and '-', starting with a letter or digit", host)
		}
	}
	if strings.Contains(host, "..") || strings.HasSuffix(host, ".") || strings.HasSuffix(host, ".lock") {
		return fmt.Errorf("host name %q: not a valid ref component", host)
	}
	return nil
}

// HostRef is the remote ref of host's records.
func HostRef(host string) string { return RefPrefix + host }

// localRef is a reader's copy of host's remote ref.
func localRef(host string) string { return LocalPrefix + host }
