package cli_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the hearth binary for tests that need
// a real second process (HEARTH_TEST_AS_MAIN=1).
func TestMain(m *testing.M) {
	if os.Getenv("HEARTH_TEST_AS_MAIN") == "1" {
		os.Exit(cli.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestScripts runs testdata/script/*.txtar; `hearth` runs in-process with the
// script's environment.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "../../testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"hearth":   runHearth,
			"exitcode": exitCode,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("HEARTH_CONFIG", "")
			env.Setenv("XDG_STATE_HOME", env.WorkDir+"/.state")
			return nil
		},
		RequireExplicitExec: true,
	})
}

func runHearth(ts *testscript.TestScript, neg bool, args []string) {
	var stdin bytes.Buffer
	code := cli.Run(context.Background(), cli.Invocation{
		Args:   args,
		Stdin:  &stdin,
		Stdout: ts.Stdout(),
		Stderr: ts.Stderr(),
		Env: config.Env{
			Getenv:   ts.Getenv,
			UID:      1000, // scripts see user defaults even when tests run as root
			Hostname: func() (string, error) { return "scripthost", nil },
			Dir:      ts.Getenv("WORK"),
		},
	})
	ts.Setenv("HEARTH_EXIT", strconv.Itoa(code))
	if code != 0 && !neg {
		ts.Fatalf("hearth %s: exit %d", strings.Join(args, " "), code)
	}
	if code == 0 && neg {
		ts.Fatalf("hearth %s: unexpected success", strings.Join(args, " "))
	}
}

// exitcode N asserts the exit status of the last hearth command.
func exitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: exitcode N")
	}
	if got := ts.Getenv("HEARTH_EXIT"); got != args[0] {
		ts.Fatalf("last hearth exit status %s, want %s", got, args[0])
	}
}
