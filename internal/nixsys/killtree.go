package nixsys

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// killTree kills the process pid, its session and process group, and every
// descendant, including those that started sessions of their own (nix's
// builders call setsid, so a group or session kill alone misses them).
// Everything found is stopped first and the search repeated until it finds
// nothing new, so no process can fork past it or be orphaned out of the
// tree before the SIGKILLs.
func killTree(pid int) {
	found := map[int]bool{}
	for range 50 {
		added := false
		for _, p := range treeMembers(pid, found) {
			if !found[p] {
				found[p] = true
				added = true
				_ = syscall.Kill(p, syscall.SIGSTOP)
			}
		}
		if !added {
			break
		}
	}
	for p := range found {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// procInfo is what /proc/<pid>/stat says about one process.
type procInfo struct{ pid, ppid, pgrp, session int }

// treeMembers lists the live processes that belong to pid's tree: pid, the
// members of its session and group, and the children of any member or of
// anything in known.
func treeMembers(pid int, known map[int]bool) []int {
	procs := readProcs()
	in := map[int]bool{pid: true}
	for p := range known {
		in[p] = true
	}
	for changed := true; changed; {
		changed = false
		for _, p := range procs {
			if !in[p.pid] && (p.session == pid || p.pgrp == pid || in[p.ppid]) {
				in[p.pid] = true
				changed = true
			}
		}
	}
	var out []int
	for p := range in {
		out = append(out, p)
	}
	return out
}

func readProcs() []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold anything.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 4 || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		sess, _ := strconv.Atoi(f[3])
		out = append(out, procInfo{pid: pid, ppid: ppid, pgrp: pgrp, session: sess})
	}
	return out
}
