package cli

import (
	"os"
	"runtime/debug"
)

// softMemoryLimit is the heap size past which the collector works harder
// rather than let the heap double: a round over 50,000 dotfiles holds
// about 40 MiB of plan live, and at the default pacing took 110-190 MiB
// of RSS. It is soft: a bigger live heap costs collector time, never a
// failure. GOMEMLIMIT in the environment overrides it.
const softMemoryLimit = 48 << 20

func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(softMemoryLimit)
	}
}
