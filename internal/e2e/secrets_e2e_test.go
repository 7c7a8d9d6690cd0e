package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/secrets/sopstest"
)

// readerUnit reads its secret as rain, the secret's owner, once per start,
// appending what it read to a log in rain's home: a read that fails fails
// the unit.
const readerUnit = `[Unit]
Description=e2e: a service that reads its secret

[Service]
Type=oneshot
RemainAfterExit=yes
User=rain
ExecStart=/bin/sh -ec 'v=$(cat /run/secrets/app-token); echo "$v" >> /home/rain/reads'

[Install]
WantedBy=multi-user.target
`

const secretsConfig = `[secrets]
age_key_file = "/etc/hearth/age.key"

[[secrets.secret]]
name = "app-token"
sops_file = "/etc/hearth/app.yaml"
key = "token"
owner = "rain"
group = "rain"
mode = "0440"
restart_units = ["e2e-reader.service"]
`

// TestSecretsAtBootBeforeTheirReader boots a machine whose secrets unit is
// installed by `hearth units`: at boot the secret is in place, 0440 and
// owned by rain, before rain's service reads it (under the unit's
// UMask=0077 the generations dir must still let rain through). Changing the
// secret and running the unit again restarts the service, which reads the
// new value; running it with nothing changed restarts nothing.
func TestSecretsAtBootBeforeTheirReader(t *testing.T) {
	m := newHearthMachine(t, "secrets")
	m.PutBinary("hearth-sops")
	id, key, err := sopstest.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	sopsFile := func(v string) []byte {
		enc, err := sopstest.Encrypt([]byte("token: "+v+"\n"), "yaml", id.Recipient().String())
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	m.Put("/etc/hearth/config.toml", []byte(secretsConfig), 0o644)
	m.Put("/etc/hearth/age.key", key, 0o600)
	m.Put("/etc/hearth/app.yaml", sopsFile("first-value"), 0o644)
	m.Put("/etc/systemd/system/e2e-reader.service", []byte(readerUnit), 0o644)
	m.Start()

	m.Sh(`useradd --create-home --uid 1001 --user-group rain
hearth units --install /etc/systemd/system
systemctl daemon-reload
systemctl enable hearth-secrets.service e2e-reader.service`)
	m.Reboot()

	if st := strings.TrimSpace(m.MustRun("systemctl", "show", "-P", "ActiveState", "e2e-reader.service")); st != "active" {
		t.Fatalf("the reader is %s after boot; journal:\n%s", st, m.MustRun("journalctl", "-b", "--no-pager", "-u", "e2e-reader", "-u", "hearth-secrets"))
	}
	if got := m.Sh("cat /home/rain/reads"); got != "first-value\n" {
		t.Fatalf("rain's service read %q at boot, want first-value once", got)
	}
	secretsDone := monotonic(t, m, "hearth-secrets.service", "ExecMainExitTimestampMonotonic")
	readerStart := monotonic(t, m, "e2e-reader.service", "ExecMainStartTimestampMonotonic")
	if secretsDone == 0 || readerStart == 0 || secretsDone > readerStart {
		t.Errorf("secrets installed at %d µs, reader started at %d µs: the reader must start after", secretsDone, readerStart)
	}
	if got := m.Sh("stat -L -c '%a %U %G' /run/secrets/app-token; stat -c %a /run/secrets.d"); got != "440 rain rain\n751\n" {
		t.Errorf("secret and generations dir: %q, want 440 rain rain, 751", got)
	}

	// A new value: the unit installs it and restarts the reader.
	m.WriteFile("/etc/hearth/app.yaml", string(sopsFile("second-value")), "0644", "root:root")
	m.MustRun("systemctl", "restart", "hearth-secrets.service")
	if got := m.Sh("cat /home/rain/reads"); got != "first-value\nsecond-value\n" {
		t.Fatalf("after the change the reader read %q, want the second value after the first", got)
	}
	// Nothing changed: no restart.
	m.MustRun("systemctl", "restart", "hearth-secrets.service")
	if got := m.Sh("cat /home/rain/reads"); got != "first-value\nsecond-value\n" {
		t.Errorf("an install without a change restarted the reader: reads %q", got)
	}
	if st := strings.TrimSpace(m.MustRun("systemctl", "show", "-P", "Result", "hearth-secrets.service")); st != "success" {
		t.Errorf("hearth-secrets.service result %s", st)
	}
}

// monotonic reads a unit's monotonic timestamp property in µs (0: unset).
func monotonic(t *testing.T, m *Machine, unit, prop string) int64 {
	t.Helper()
	v := strings.TrimSpace(m.MustRun("systemctl", "show", "-P", prop, unit))
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s %s = %q", unit, prop, v)
	}
	return n
}

var _ = time.Second
