package fleet

import "time"

// Row is one host in `hearth fleet`: its latest record summarised, or why
// there is none.
type Row struct {
	Host           string      `json:"host"`
	Seen           *time.Time  `json:"seen"` // the record's time
	Stale          bool        `json:"stale"`
	DeployedCommit string      `json:"deployed_commit"`
	AtTip          *bool       `json:"at_tip"` // null when the tip is unknown
	Generation     int         `json:"generation"`
	Golden         int         `json:"golden"`
	BootVerdict    string      `json:"boot_verdict"`
	RebootNeeded   bool        `json:"reboot_needed"`
	Sync           *JobRun     `json:"sync"`
	Upgrade        *JobRun     `json:"upgrade"`
	Conflicts      []string    `json:"conflicts"`
	Held           []string    `json:"held"`
	Quarantined    []BadCommit `json:"quarantined"`
	Waiting        string      `json:"waiting,omitempty"`
	Verified       bool        `json:"verified"`
	Signer         string      `json:"signer,omitempty"`
	Commit         string      `json:"record_commit"`
	Error          string      `json:"error,omitempty"`
}

// Stale reports whether a record seen at seen is too old at now: silent
// for longer than after, or dated further ahead than that (a clock that
// is wrong must not keep a silent host looking fresh).
func Stale(seen, now time.Time, after time.Duration) bool {
	d := now.Sub(seen)
	return d > after || d < -after
}

// Rows summarises entries. tip is the config branch's tip ("" unknown).
func Rows(entries []Entry, tip string, now time.Time, staleAfter time.Duration) []Row {
	rows := make([]Row, 0, len(entries))
	for _, e := range entries {
		row := Row{Host: e.Host, Commit: e.Commit, Verified: e.Verified, Signer: e.Signer,
			Conflicts: []string{}, Held: []string{}, Quarantined: []BadCommit{}, Stale: true}
		if e.Err != nil || e.Record == nil {
			if e.Err != nil {
				row.Error = e.Err.Error()
			}
			rows = append(rows, row)
			continue
		}
		r := e.Record
		seen := r.Time
		row.Seen = &seen
		row.Stale = Stale(seen, now, staleAfter)
		row.DeployedCommit, row.Generation, row.Golden = r.DeployedCommit, r.Generation, r.Golden
		row.BootVerdict, row.RebootNeeded, row.Waiting = r.BootVerdict, r.RebootNeeded, r.Waiting
		if tip != "" && r.DeployedCommit != "" {
			at := r.DeployedCommit == tip
			row.AtTip = &at
		}
		if j, ok := r.Jobs[JobSync]; ok {
			row.Sync = &j
		}
		if j, ok := r.Jobs[JobUpgrade]; ok {
			row.Upgrade = &j
		}
		row.Conflicts = append(row.Conflicts, r.Conflicts...)
		row.Held = append(row.Held, r.Held...)
		row.Quarantined = append(row.Quarantined, r.BadCommits...)
		rows = append(rows, row)
	}
	return rows
}
