package fleet

// Limits on a record. A record comes from a remote anyone with push access
// can write, so every size is bounded before it is used or shown.
const (
	MaxRecordBytes = 64 << 10
	MaxErrorLen    = 300 // runes; longer errors are cut when built
	MaxNameLen     = 256 // a target name in Conflicts or Held
	MaxListLen     = 100 // Conflicts, Held
	MaxBadCommits  = 20
	MaxJobs        = 16
	maxTokenLen    = 64 // versions, results, stages, verdicts, job names
	maxWaitingLen  = 200
	// DefaultKeep bounds a host's record history: beyond it a new root.
	DefaultKeep = 50
)
