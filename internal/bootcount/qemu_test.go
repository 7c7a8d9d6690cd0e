package bootcount

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// Real UEFI boots: OVMF firmware, Debian's systemd-boot and kernel, an ESP
// made with mkfs.vfat and mtools, an initramfs with busybox and the real
// hearth binary. Each scenario boots until the VM powers itself off, then
// the test reads the ESP back and the serial console.

const (
	goldenStore = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-nixos-system-golden"
	newStore    = "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-nixos-system-new"
	goldenEntry = "nixos-generation-1"
	newEntry    = "nixos-generation-2"
	// vmTimeout bounds one scenario; a hung VM is killed and the test fails
	// with the console's tail. Generous: TCG on a loaded machine is slow.
	vmTimeout = 9 * time.Minute
)

// vmKit is what a boot needs from the host.
type vmKit struct {
	qemu, ovmfCode, ovmfVars, sdboot, kernel, modules, busybox string
}

// kernelModules are loaded in this order by the initramfs: the ESP's disk
// (virtio), its file system (vfat) and efivarfs for the loader's variables.
var kernelModules = []string{
	"drivers/virtio/virtio_ring", "drivers/virtio/virtio", "drivers/virtio/virtio_pci_modern_dev",
	"drivers/virtio/virtio_pci_legacy_dev", "drivers/virtio/virtio_pci", "drivers/block/virtio_blk",
	"fs/fat/fat", "fs/fat/vfat", "fs/nls/nls_cp437", "fs/nls/nls_ascii", "fs/efivarfs/efivarfs",
}

// kernelRoots are where a Debian kernel package may be unpacked: the test
// command's cache (dpkg-deb -x, so /boot is left alone), or the host.
var kernelRoots = []string{os.Getenv("HEARTH_TEST_KERNEL_ROOT"), "/var/cache/hearth-test/kernel/root", "/"}

func requireVM(t *testing.T) vmKit {
	t.Helper()
	var k vmKit
	k.qemu = testutil.RequireProgram(t, "qemu-system-x86_64")
	for _, p := range []string{"mkfs.vfat", "mcopy", "mmd", "mdir", "mtype"} {
		testutil.RequireProgram(t, p)
	}
	first := func(what string, paths ...string) string {
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		testutil.Missing(t, what+" not found (looked in "+strings.Join(paths, ", ")+")")
		return ""
	}
	k.ovmfCode = first("OVMF firmware (Debian package ovmf)", "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd")
	k.ovmfVars = first("OVMF variables", strings.Replace(k.ovmfCode, "CODE", "VARS", 1))
	k.sdboot = first("systemd-boot (Debian package systemd-boot-efi)", "/usr/lib/systemd/boot/efi/systemd-bootx64.efi")
	k.busybox = first("busybox (Debian package busybox-static)", "/bin/busybox", "/usr/bin/busybox")
	if f, err := elf.Open(k.busybox); err != nil {
		t.Fatal(err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				testutil.Missing(t, k.busybox+" is dynamically linked; the initramfs has no libc (install busybox-static)")
			}
		}
		f.Close()
	}
	for _, root := range kernelRoots {
		if root == "" {
			continue
		}
		kernels, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
		slices.Sort(kernels)
		for i := len(kernels) - 1; i >= 0; i-- {
			ver := strings.TrimPrefix(filepath.Base(kernels[i]), "vmlinuz-")
			mods := filepath.Join(root, "lib", "modules", ver, "kernel")
			if _, err := os.Stat(filepath.Join(mods, "fs", "fat", "vfat.ko")); err == nil {
				k.kernel, k.modules = kernels[i], mods
				break
			}
		}
		if k.kernel != "" {
			break
		}
	}
	if k.kernel == "" {
		testutil.Missing(t, "no Debian kernel with its modules (linux-image-amd64; scripts/test unpacks it into /var/cache/hearth-test/kernel/root)")
	}
	return k
}

var (
	hearthOnce sync.Once
	hearthBin  string
	hearthErr  error
	binDir     string // removed by TestMain
)

// staticHearth builds the hearth binary without cgo, so it runs in an
// initramfs with no libc.
func staticHearth(t *testing.T) string {
	t.Helper()
	hearthOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		repo := filepath.Join(filepath.Dir(file), "..", "..")
		goBin, err := exec.LookPath("go")
		if err != nil {
			hearthErr = fmt.Errorf("building hearth for the VM: %w", err)
			return
		}
		if binDir, hearthErr = os.MkdirTemp("", "hearth-vm-"); hearthErr != nil {
			return
		}
		hearthBin = filepath.Join(binDir, "hearth")
		cmd := exec.Command(goBin, "build", "-o", hearthBin, "./cmd/hearth")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			hearthErr = fmt.Errorf("go build ./cmd/hearth: %v: %s", err, out)
		}
	})
	if hearthErr != nil {
		t.Fatal(hearthErr)
	}
	return hearthBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// initScript is the initramfs's /init: it reports which entry the loader
// booted, runs `hearth boot check` on the generation named on the kernel
// line, and reboots or powers off. boots.log on the ESP keeps the sequence.
const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/mod/order); do insmod /lib/mod/$m.ko || echo "HEARTH-TEST insmod $m failed"; done
mount -t efivarfs efivarfs /sys/firmware/efi/efivars
var() { f=/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f; [ -e $f ] && dd if=$f bs=1 skip=4 2>/dev/null | tr -d '\000'; }
i=0; while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
mount -t vfat /dev/vda /boot || echo "HEARTH-TEST cannot mount the ESP"
gen=; for a in $(cat /proc/cmdline); do case $a in hearth.gen=*) gen=${a#hearth.gen=};; esac; done
echo "HEARTH-BOOT gen=$gen selected=$(var LoaderEntrySelected) count=$(var LoaderBootCountPath)"
echo $gen >> /boot/boots.log
sync
store=/nix/store/$(ls /nix/store | grep -- "-$gen$")
ln -s $store /run/booted-system
ln -s $store /run/current-system
hearth --config /etc/hearth.toml boot check
echo "HEARTH-CHECK exit=$?"
sync
if [ "$gen" = new ] && [ $(grep -c '^new$' /boot/boots.log) -lt 2 ]; then
  echo "HEARTH-TEST rebooting into the same entry"
  umount /boot; reboot -f
fi
echo "HEARTH-TEST done"
umount /boot
poweroff -f
`

// nixEnv stands in for nix-env's two uses by golden: --set and
// --delete-generations old, on generation links as nix makes them.
const nixEnv = `#!/bin/sh
[ "$1" = --profile ] || exit 2
p=$2; dir=$(dirname $p); base=$(basename $p)
case $3 in
--set)
  n=1; while [ -e $dir/$base-$n-link ] || [ -L $dir/$base-$n-link ]; do n=$((n+1)); done
  ln -s $4 $dir/$base-$n-link && ln -sfn $base-$n-link $p ;;
--delete-generations)
  cur=$(readlink $p)
  for l in $dir/$base-*-link; do [ "$(basename $l)" = "$cur" ] || rm -f $l; done ;;
*) exit 2 ;;
esac
`

const rebootScript = `#!/bin/sh
echo "HEARTH-REBOOT" > /dev/console
sync; umount /boot; reboot -f
`

func hearthConfig(maxTries int) string {
	return fmt.Sprintf(`host = "vm"
state_dir = "/var/lib/hearth"

[system]
profile = "/nix/var/nix/profiles/system"
booted_system = "/run/booted-system"
current_system = "/run/current-system"

[boot]
max_attempts = %d
timeout = "3s"
sustain = "100ms"
interval = "50ms"
loader = "systemd-boot"
esp = "/boot"
reboot_command = ["/bin/hearth-reboot"]

[[boot.check]]
name = "service"
command = ["/bin/sh", "-c", "test -e /run/booted-system/good"]
`, maxTries)
}

// initramfs packs everything a boot needs; good marks the new generation as
// passing hearth's required check.
func initramfs(t *testing.T, k vmKit, maxTries int, good bool) []byte {
	t.Helper()
	var c cpioArchive
	for _, d := range []string{"bin", "dev", "proc", "sys", "run", "tmp", "boot", "etc", "root", "var", "var/lib",
		"lib", "lib/mod", "nix", "nix/store", "nix/var", "nix/var/nix", "nix/var/nix/profiles",
		"nix/var/nix/profiles/system-profiles", "sys/firmware", "sys/firmware/efi", "sys/firmware/efi/efivars"} {
		c.dir(d)
	}
	c.chr("dev/console", 5, 1)
	c.file("init", 0o755, []byte(initScript))
	for name, from := range map[string]string{"bin/busybox": k.busybox, "bin/hearth": staticHearth(t)} {
		if err := c.copyFile(name, 0o755, from); err != nil {
			t.Fatal(err)
		}
	}
	c.file("bin/nix-env", 0o755, []byte(nixEnv))
	c.file("bin/hearth-reboot", 0o755, []byte(rebootScript))
	c.file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	c.file("etc/group", 0o644, []byte("root:x:0:\n"))
	c.file("etc/hearth.toml", 0o644, []byte(hearthConfig(maxTries)))
	var order []string
	for _, m := range kernelModules {
		base := filepath.Base(m)
		if err := c.copyFile("lib/mod/"+base+".ko", 0o644, filepath.Join(k.modules, m+".ko")); err != nil {
			t.Fatal(err)
		}
		order = append(order, base)
	}
	c.file("lib/mod/order", 0o644, []byte(strings.Join(order, " ")+"\n"))
	for _, sys := range []struct {
		path string
		good bool
	}{{goldenStore, true}, {newStore, good}} {
		rel := strings.TrimPrefix(sys.path, "/")
		c.dir(rel)
		c.dir(rel + "/bin")
		c.file(rel+"/bin/switch-to-configuration", 0o755, []byte("#!/bin/sh\necho \"HEARTH-SWITCH $1 $0\"\n"))
		c.file(rel+"/init", 0o755, []byte("#!/bin/sh\n"))
		if sys.good {
			c.file(rel+"/good", 0o644, nil)
		}
	}
	// The system profile's current generation is the new one; golden is
	// pinned by its own profile, as hearth leaves them after an upgrade.
	profiles := "nix/var/nix/profiles/"
	c.symlink(profiles+"system-1-link", goldenStore)
	c.symlink(profiles+"system-2-link", newStore)
	c.symlink(profiles+"system", "system-2-link")
	c.symlink(profiles+"system-profiles/hearth-golden-1-link", goldenStore)
	c.symlink(profiles+"system-profiles/hearth-golden", "hearth-golden-1-link")
	return c.bytes()
}

// entryText is a Boot Loader Spec entry as NixOS writes one; no initrd
// makes a kernel that panics (it cannot mount a root file system).
func entryText(title, gen, store string, initrd bool) string {
	s := "title " + title + "\nversion " + gen + "\nlinux /vmlinuz\n"
	if initrd {
		s += "initrd /initrd\n"
	}
	return s + "options console=ttyS0 panic=1 quiet hearth.gen=" + gen + " init=" + store + "/init\n"
}

// bootScenario is one VM run.
type bootScenario struct {
	maxTries  int
	newBoots  bool // the new generation has an initramfs (reaches userspace)
	newIsGood bool // and passes hearth's required check
}

type vmResult struct {
	entries []string // loader/entries after the VM stopped
	boots   []string // boots.log: the generations that reached userspace
	console string
}

func runVM(t *testing.T, k vmKit, sc bootScenario) vmResult {
	t.Helper()
	dir := t.TempDir()
	espDir := filepath.Join(dir, "esp")
	for _, d := range []string{"EFI/BOOT", EntriesDir} {
		if err := os.MkdirAll(filepath.Join(espDir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel string, data []byte) {
		if err := os.WriteFile(filepath.Join(espDir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyIn := func(rel, from string) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		write(rel, data)
	}
	copyIn("EFI/BOOT/BOOTX64.EFI", k.sdboot)
	copyIn("vmlinuz", k.kernel)
	write("initrd", initramfs(t, k, sc.maxTries, sc.newIsGood))
	write(EntriesDir+"/"+goldenEntry+".conf", []byte(entryText("NixOS golden", "golden", goldenStore, true)))
	write(EntriesDir+"/"+newEntry+".conf", []byte(entryText("NixOS new", "new", newStore, sc.newBoots)))
	// As NixOS writes it after a switch: the new generation is the default.
	write(LoaderConf, []byte("timeout 0\ndefault "+newEntry+".conf\n"))

	// hearth counts the deployed generation's entry (and drops the default).
	l := Loader{Kind: KindSystemdBoot, ESP: ESP{Dir: espDir}, MaxTries: sc.maxTries}
	v, err := l.Count(newStore, goldenStore)
	if err != nil {
		t.Fatal(err)
	}
	if v.Entry != FileName(newEntry, sc.maxTries, 0) || v.Fallback != goldenEntry+".conf" {
		t.Fatalf("counted entry %+v", v)
	}

	img := filepath.Join(dir, "esp.img")
	vars := filepath.Join(dir, "vars.fd")
	copyFile(t, k.ovmfVars, vars)
	mtools(t, "mkfs.vfat", "-C", img, "131072")
	names, _ := os.ReadDir(espDir)
	args := []string{"-s", "-i", img}
	for _, n := range names {
		args = append(args, filepath.Join(espDir, n.Name()))
	}
	mtools(t, "mcopy", append(args, "::/")...)

	console := filepath.Join(dir, "console.log")
	ctx, cancel := context.WithTimeout(context.Background(), vmTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, k.qemu, "-accel", "tcg", "-m", "512", "-smp", "1",
		"-nographic", "-no-user-config", "-nodefaults", "-serial", "file:"+console,
		"-drive", "if=pflash,format=raw,readonly=on,file="+k.ovmfCode,
		"-drive", "if=pflash,format=raw,file="+vars,
		"-drive", "file="+img+",format=raw,if=virtio")
	var qout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &qout, &qout
	err = cmd.Run()
	con, _ := os.ReadFile(console)
	t.Logf("VM ran %s", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("qemu: %v (ctx %v): %s\nconsole tail:\n%s", err, ctx.Err(), qout.String(), tail(string(con), 40))
	}
	res := vmResult{console: string(con)}
	out := mtools(t, "mdir", "-b", "-i", img, "::/"+EntriesDir)
	for _, line := range strings.Fields(out) {
		res.entries = append(res.entries, filepath.Base(line))
	}
	slices.Sort(res.entries)
	if log, err := mtoolsErr("mtype", "-i", img, "::/boots.log"); err == nil {
		res.boots = strings.Fields(log)
	}
	return res
}

func mtools(t *testing.T, prog string, args ...string) string {
	t.Helper()
	out, err := mtoolsErr(prog, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mtoolsErr(prog string, args ...string) (string, error) {
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", prog, strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (r vmResult) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf(format+"\nentries %v, boots %v\nconsole tail:\n%s", append(args, r.entries, r.boots, tail(r.console, 60))...)
}

// lines returns the console lines that start with prefix.
func (r vmResult) lines(prefix string) []string {
	var out []string
	for _, l := range strings.Split(r.console, "\n") {
		if i := strings.Index(l, prefix); i >= 0 {
			out = append(out, strings.TrimSpace(l[i:]))
		}
	}
	return out
}

// (a) The new generation's kernel panics before userspace: the loader
// tries it max_attempts times, counting in the file name, then boots golden.
func TestQEMUKernelPanicFallsBackToGolden(t *testing.T) {
	t.Parallel()
	k := requireVM(t)
	r := runVM(t, k, bootScenario{maxTries: 2})
	if panics := len(r.lines("Kernel panic")); panics != 2 {
		r.fail(t, "%d kernel panics, want 2 (one per try)", panics)
	}
	want := []string{goldenEntry + ".conf", newEntry + "+0-2.conf"}
	if !slices.Equal(r.entries, want) || !slices.Equal(r.boots, []string{"golden"}) {
		r.fail(t, "want entries %v and one boot of golden", want)
	}
	if b := r.lines("HEARTH-BOOT"); len(b) != 1 || !strings.Contains(b[0], "selected="+goldenEntry+".conf") {
		r.fail(t, "loader reports %v, want golden's entry selected", b)
	}
}

// (b) The new generation reaches userspace and fails hearth's required
// check: hearth marks its entry bad and reboots once; the next boot is
// golden, with the loader's other try unspent.
func TestQEMUFailedCheckMarksEntryBad(t *testing.T) {
	t.Parallel()
	k := requireVM(t)
	r := runVM(t, k, bootScenario{maxTries: 3, newBoots: true})
	want := []string{goldenEntry + ".conf", newEntry + "+0-1.conf"}
	if !slices.Equal(r.entries, want) || !slices.Equal(r.boots, []string{"new", "golden"}) {
		r.fail(t, "want entries %v and boots new, golden", want)
	}
	if rb := r.lines("HEARTH-REBOOT"); len(rb) != 1 || !strings.Contains(r.console, "marking its boot entry bad") {
		r.fail(t, "hearth rebooted %d times, want once, after saying it marks the entry bad", len(rb))
	}
	if b := r.lines("HEARTH-BOOT"); len(b) != 2 || !strings.Contains(b[0], "count=\\loader\\entries\\"+newEntry+"+2-1.conf") {
		r.fail(t, "loader reports %v, want the new entry's first try (+2-1) then golden", b)
	}
}

// (c) A good new generation is blessed by hearth's check and keeps booting.
func TestQEMUGoodGenerationBlessed(t *testing.T) {
	t.Parallel()
	k := requireVM(t)
	r := runVM(t, k, bootScenario{maxTries: 2, newBoots: true, newIsGood: true})
	want := []string{goldenEntry + ".conf", newEntry + ".conf"}
	if !slices.Equal(r.entries, want) || !slices.Equal(r.boots, []string{"new", "new"}) {
		r.fail(t, "want entries %v and two boots of new", want)
	}
	b := r.lines("HEARTH-BOOT")
	if len(b) != 2 || !strings.Contains(b[1], "selected="+newEntry+".conf count=") || !strings.HasSuffix(b[1], "count=") {
		r.fail(t, "loader reports %v, want the blessed entry booted again without a counter", b)
	}
}
