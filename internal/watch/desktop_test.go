package watch

import (
	"bufio"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// notifications is a stand-in notification server on the test's bus.
type notifications struct{ got chan []string }

func (n *notifications) Notify(app string, id uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	n.got <- []string{app, summary, body}
	return 1, nil
}

// TestDesktopNotifyOnARealSessionBus: the notice reaches whoever owns
// org.freedesktop.Notifications on a real dbus-daemon, naming the path
// escaped (no control character, no markup) and the command.
func TestDesktopNotifyOnARealSessionBus(t *testing.T) {
	daemon := testutil.RequireProgram(t, "dbus-daemon")
	cmd := exec.Command(daemon, "--session", "--nofork", "--print-address=1", "--address=unix:dir="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	server, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	n := &notifications{got: make(chan []string, 1)}
	if err := server.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if r, err := server.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", r, err)
	}
	l := &Loop{Notifier: Desktop{Address: addr}}
	l.notify(context.Background(), discard(), Outcome{Conflicts: []string{".bashrc\x1b[31m<b>x</b>"}}, map[string]bool{})
	select {
	case got := <-n.got:
		if got[0] != "hearth" || !strings.Contains(got[1], "conflict") {
			t.Errorf("notice %q", got)
		}
		body := got[2]
		if strings.ContainsAny(body, "\x1b<>") || !strings.Contains(body, "bashrc") || !strings.Contains(body, "hearth conflicts") {
			t.Errorf("body %q: want the path escaped and the command named", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Notify call arrived")
	}
}

func TestDesktopWithoutASessionSendsNothing(t *testing.T) {
	err := Desktop{}.Notify(context.Background(), Notice{Summary: "x"})
	if !errors.Is(err, ErrNoSession) {
		t.Fatalf("err = %v", err)
	}
	// An address where no bus listens fails fast and is only an error.
	err = Desktop{Address: "unix:path=" + t.TempDir() + "/none", Timeout: time.Second}.Notify(context.Background(), Notice{Summary: "x"})
	if err == nil {
		t.Fatal("a bus that is not there took the notice")
	}

}
