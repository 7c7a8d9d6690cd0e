package secrets

// Report says what Install did. It holds names and paths, never values.
type Report struct {
	// Generation is the live generation directory after the run.
	Generation string `json:"generation"`
	// Switched is true when this run installed a new generation; a run
	// where nothing changed leaves the live one in place.
	Switched bool `json:"switched"`
	// NothingConfigured is true when no secret is configured and the run
	// left everything as it was (see Options.AllowEmpty); Generation and
	// Unchanged then describe what stays live.
	NothingConfigured bool     `json:"nothing_configured,omitempty"`
	Added             []string `json:"added,omitempty"`
	Changed           []string `json:"changed,omitempty"`
	Removed           []string `json:"removed,omitempty"`
	Unchanged         []string `json:"unchanged,omitempty"`
	// Restarted lists units restarted successfully after the switch.
	Restarted []string `json:"restarted,omitempty"`
	// Pruned lists generation directories removed.
	Pruned []string `json:"pruned,omitempty"`
}
