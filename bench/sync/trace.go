package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// measured returns cmd, run under strace when a trace was asked for:
// execve, fsync and exits of the whole process tree, timestamped.
func (b *bench) measured(cmd *exec.Cmd) *exec.Cmd {
	if b.straceOut == "" && b.memOut == "" {
		return cmd
	}
	if p, err := exec.LookPath(cmd.Path); err == nil {
		cmd.Args[0] = p // the wrapper must not resolve it against another PATH
	}
	if b.memOut != "" {
		cmd.Args = append([]string{"time", "-f", "%M", "-o", b.memOut}, cmd.Args...)
		cmd.Path = b.timeBin
		return cmd
	}
	// --seccomp-bpf stops only at traced calls: far less overhead on a
	// multi-threaded Go program than plain ptrace.
	cmd.Args = append([]string{"strace", "-f", "-q", "-ttt", "-s", "512", "--seccomp-bpf",
		"-e", "trace=execve,fsync,fdatasync,clone,clone3,fork,vfork", "-o", b.straceOut, "--"}, cmd.Args...)
	cmd.Path = b.strace
	return cmd
}

// traced runs step once with its measured command under strace and
// summarises the process tree it ran.
func (b *bench) traced(label string, step func() error) (*traceSummary, error) {
	f, err := os.CreateTemp(b.work, "strace-*.txt")
	if err != nil {
		return nil, err
	}
	f.Close()
	b.straceOut = f.Name()
	err = step()
	b.straceOut = ""
	if err != nil {
		return nil, fmt.Errorf("trace %s: %w", label, err)
	}
	t, err := parseTrace(f.Name())
	if err != nil {
		return nil, fmt.Errorf("trace %s: %w", label, err)
	}
	t.label = label
	return t, nil
}

// traceSummary is what one traced command did.
type traceSummary struct {
	label   string
	total   time.Duration       // the traced command, start to exit (slowed by strace)
	procs   int                 // programs executed, the command itself included
	direct  int                 // processes the command started itself
	gitTime time.Duration       // wall time of those, summed
	subs    map[string]*subStat // by program/git subcommand
	fsyncs  int
}

type subStat struct {
	n int
	d time.Duration
}

var (
	traceLine = regexp.MustCompile(`^(\d+)\s+(\d+\.\d+)\s+(.*)$`)
	argvRe    = regexp.MustCompile(`execve\("[^"]*", \[(.*?)\]`)
	retRe     = regexp.MustCompile(`\) = (\d+)\s*$`)
)

type proc struct {
	argv      []string
	start     float64
	end       float64
	pendingAV []string
	pendingCl string // an unfinished clone's arguments (for CLONE_THREAD)
}

// parseTrace reads `strace -f -ttt` output. The first successful execve is
// the command; a process is "direct" when its parent is the command itself
// or one of its threads (Go forks from any thread).
func parseTrace(path string) (*traceSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	procs := map[int]*proc{}
	parent := map[int]int{}   // child pid → the pid that forked it
	threadOf := map[int]int{} // thread id → its process's pid
	var order []int
	t := &traceSummary{subs: map[string]*subStat{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := traceLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		ts, _ := strconv.ParseFloat(m[2], 64)
		rest := m[3]
		p := procs[pid]
		if p == nil {
			p = &proc{}
			procs[pid] = p
		}
		switch {
		case strings.HasPrefix(rest, "execve("):
			argv := parseArgv(rest)
			if strings.Contains(rest, "<unfinished") {
				p.pendingAV = argv
			} else if strings.Contains(rest, ") = 0") {
				p.setExec(argv, ts, &order, pid)
			}
		case strings.HasPrefix(rest, "<... execve resumed>"):
			if strings.Contains(rest, "= 0") {
				p.setExec(p.pendingAV, ts, &order, pid)
			}
		case isFork(rest):
			args := rest
			if strings.Contains(rest, "<unfinished") {
				p.pendingCl = rest
				continue
			}
			if strings.HasPrefix(rest, "<...") {
				args = p.pendingCl + rest
			}
			r := retRe.FindStringSubmatch(rest)
			if r == nil {
				continue
			}
			child, _ := strconv.Atoi(r[1])
			if strings.Contains(args, "CLONE_THREAD") {
				threadOf[child] = tgid(threadOf, pid)
			} else {
				parent[child] = pid
			}
		case strings.HasPrefix(rest, "fsync(") || strings.HasPrefix(rest, "fdatasync(") || strings.Contains(rest, "fsync resumed"):
			if !strings.Contains(rest, "<unfinished") {
				t.fsyncs++
			}
		case strings.HasPrefix(rest, "+++ exited") || strings.HasPrefix(rest, "+++ killed"):
			p.end = ts
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s: no program started", path)
	}
	root := procs[order[0]]
	t.total = secs(root.end - root.start)
	t.procs = len(order)
	for _, pid := range order[1:] {
		p := procs[pid]
		name := procName(p.argv)
		if tgid(threadOf, parent[pid]) == order[0] {
			t.direct++
			t.gitTime += secs(p.end - p.start)
		}
		s := t.subs[name]
		if s == nil {
			s = &subStat{}
			t.subs[name] = s
		}
		s.n++
		s.d += secs(p.end - p.start)
	}
	return t, nil
}

func (p *proc) setExec(argv []string, ts float64, order *[]int, pid int) {
	if p.argv == nil {
		*order = append(*order, pid)
	}
	p.argv, p.start = argv, ts
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func parseArgv(line string) []string {
	m := argvRe.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	var argv []string
	for _, a := range strings.Split(m[1], ", ") {
		argv = append(argv, strings.Trim(a, `"`))
	}
	return argv
}

func isFork(rest string) bool {
	for _, c := range []string{"clone(", "clone3(", "fork(", "vfork(", "<... clone resumed>", "<... clone3 resumed>", "<... vfork resumed>"} {
		if strings.HasPrefix(rest, c) {
			return true
		}
	}
	return false
}

func tgid(threadOf map[int]int, pid int) int {
	if p, ok := threadOf[pid]; ok {
		return p
	}
	return pid
}

// procName names a process: "git <subcommand>", or the program.
func procName(argv []string) string {
	if len(argv) == 0 {
		return "?"
	}
	prog := argv[0]
	if i := strings.LastIndexByte(prog, '/'); i >= 0 {
		prog = prog[i+1:]
	}
	sub := ""
	if prog == "git" {
		for i := 1; i < len(argv); i++ {
			a := argv[i]
			if a == "-c" {
				i++
				continue
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			sub = a
			break
		}
	}
	if sub != "" {
		return "git " + sub
	}
	return prog
}

// String is the trace as a few report lines.
func (t *traceSummary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %3d processes, %2d started directly (%.0f ms of %.0f ms wall under strace), %d fsync\n",
		t.label, t.procs, t.direct, ms(t.gitTime), ms(t.total), t.fsyncs)
	names := make([]string, 0, len(t.subs))
	for n := range t.subs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, c string) int { return int(t.subs[c].d - t.subs[a].d) })
	for _, n := range names {
		s := t.subs[n]
		fmt.Fprintf(&b, "    %-28s x%-2d %6.1f ms\n", n, s.n, ms(s.d))
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
