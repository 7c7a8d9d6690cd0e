package watch

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// Desktop sends freedesktop notifications (org.freedesktop.Notifications
// Notify) over the session bus at Address, the value of
// $DBUS_SESSION_BUS_ADDRESS. With no address it sends nothing: a host
// with no desktop session has no one to tell. It connects per notice, so
// an idle watcher holds no bus connection.
type Desktop struct {
	Address string
	// Timeout bounds one notice; 0 means 5s.
	Timeout time.Duration
}

// ErrNoSession: no session bus to send a notice on.
var ErrNoSession = errors.New("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")

// Notify implements Notifier.
func (d Desktop) Notify(ctx context.Context, n Notice) error {
	if d.Address == "" {
		return ErrNoSession
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dbus.Connect(d.Address, dbus.WithContext(ctx))
	if err != nil {
		return err
	}
	defer conn.Close()
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	// Servers may read the body as markup: what names a path must not
	// become a tag.
	return obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
		"hearth", uint32(0), "", n.Summary, markupSafe(n.Body), []string{}, map[string]dbus.Variant{}, int32(-1)).Err
}

func markupSafe(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
