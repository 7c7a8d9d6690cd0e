package cli

import "github.com/hearth-fleet/hearth/internal/termsafe"

// Human output shows names and reasons that a remote, a manifest or a file
// name chose; these keep their control characters off the terminal (see
// termsafe). JSON output needs none of it: the encoder escapes them.
var (
	safeName = termsafe.Quote // a path, id or host: quoted when not plain
	safeLine = termsafe.Line  // a reason or error inside one line
	safeText = termsafe.Text  // a diff or message of several lines
)
