package state

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the child process of the crash and lock tests.
func TestMain(m *testing.M) {
	switch os.Getenv("HEARTH_STATE_CHILD") {
	case "writer":
		childWriter(os.Args[len(os.Args)-1])
	case "locker":
		childLocker(os.Args[len(os.Args)-2], os.Args[len(os.Args)-1])
	}
	os.Exit(m.Run())
}

// childWriter rewrites path forever, alternating two contents, announcing on
// stdout when the first write has started so the parent kills it mid-stream.
func childWriter(path string) {
	a, b := content('a'), content('b')
	fmt.Println("writing")
	for i := 0; ; i++ {
		data := a
		if i%2 == 1 {
			data = b
		}
		if err := WriteFileAtomic(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
}

// childLocker holds the job lock until its stdin closes.
func childLocker(dir, job string) {
	l, err := AcquireLock(context.Background(), dir, job, 5*time.Second, "hearth test-locker")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = l.Unlock()
	os.Exit(0)
}

// content is large enough (256 KiB) that a kill often lands inside a write.
func content(c byte) []byte {
	return []byte(strings.Repeat(string(c), 256<<10))
}

func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
