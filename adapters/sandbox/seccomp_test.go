package sandbox

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Filter results, as the kernel reads them.
const (
	retAllow = unix.SECCOMP_RET_ALLOW
	retKill  = unix.SECCOMP_RET_KILL_PROCESS
)

func retErrno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

// evalSeccomp runs the filter on one system call in x/net/bpf's interpreter. The interpreter
// loads 32-bit words big-endian while the kernel loads them in the machine's order, so each
// word of seccomp_data is written big-endian at the place it has in the little-endian layout.
func evalSeccomp(t *testing.T, vm *bpf.VM, arch uint32, nr uintptr, args ...uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], uint32(nr))
	binary.BigEndian.PutUint32(data[seccompDataArch:], arch)
	for i, a := range args {
		off := seccompDataArgs + 8*i
		binary.BigEndian.PutUint32(data[off:], uint32(a))
		binary.BigEndian.PutUint32(data[off+4:], uint32(a>>32))
	}
	out, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(out)
}

func TestLocalSeccompFilterDecisions(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Fatal("evalSeccomp assumes a little-endian machine")
	}
	insts, err := seccompInstructions()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	native, err := nativeAuditArch()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		nr   uintptr
		args []uint64
		want uint32
	}{
		{"read", unix.SYS_READ, nil, retAllow},
		{"clone for fork", unix.SYS_CLONE, []uint64{uint64(unix.SIGCHLD)}, retAllow},
		{"clone for a thread", unix.SYS_CLONE, []uint64{unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND}, retAllow},
		{"socket AF_UNIX", unix.SYS_SOCKET, []uint64{unix.AF_UNIX, unix.SOCK_STREAM}, retAllow},
		{"socketpair AF_UNIX", unix.SYS_SOCKETPAIR, []uint64{unix.AF_UNIX}, retAllow},
		{"socket AF_INET", unix.SYS_SOCKET, []uint64{unix.AF_INET, unix.SOCK_STREAM}, retErrno(unix.EAFNOSUPPORT)},
		{"socket AF_INET6", unix.SYS_SOCKET, []uint64{unix.AF_INET6}, retErrno(unix.EAFNOSUPPORT)},
		{"socket AF_NETLINK", unix.SYS_SOCKET, []uint64{unix.AF_NETLINK}, retErrno(unix.EAFNOSUPPORT)},
		{"socket AF_PACKET", unix.SYS_SOCKET, []uint64{unix.AF_PACKET}, retErrno(unix.EAFNOSUPPORT)},
		{"socket AF_UNIX in the high word", unix.SYS_SOCKET, []uint64{1<<32 | unix.AF_UNIX}, retErrno(unix.EAFNOSUPPORT)},
		{"socketpair AF_INET", unix.SYS_SOCKETPAIR, []uint64{unix.AF_INET}, retErrno(unix.EAFNOSUPPORT)},
		{"ptrace", unix.SYS_PTRACE, nil, retErrno(unix.EPERM)},
		{"mount", unix.SYS_MOUNT, nil, retErrno(unix.EPERM)},
		{"umount2", unix.SYS_UMOUNT2, nil, retErrno(unix.EPERM)},
		{"unshare", unix.SYS_UNSHARE, []uint64{unix.CLONE_NEWUSER}, retErrno(unix.EPERM)},
		{"setns", unix.SYS_SETNS, nil, retErrno(unix.EPERM)},
		{"clone with a new user namespace", unix.SYS_CLONE, []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, retErrno(unix.EPERM)},
		{"clone with a new network namespace", unix.SYS_CLONE, []uint64{unix.CLONE_NEWNET}, retErrno(unix.EPERM)},
		{"bpf", unix.SYS_BPF, nil, retErrno(unix.EPERM)},
		{"keyctl", unix.SYS_KEYCTL, nil, retErrno(unix.EPERM)},
		{"add_key", unix.SYS_ADD_KEY, nil, retErrno(unix.EPERM)},
		{"perf_event_open", unix.SYS_PERF_EVENT_OPEN, nil, retErrno(unix.EPERM)},
		{"userfaultfd", unix.SYS_USERFAULTFD, nil, retErrno(unix.EPERM)},
		{"open_by_handle_at", unix.SYS_OPEN_BY_HANDLE_AT, nil, retErrno(unix.EPERM)},
		{"init_module", unix.SYS_INIT_MODULE, nil, retErrno(unix.EPERM)},
		{"clone3", unix.SYS_CLONE3, nil, retErrno(unix.ENOSYS)},
		{"io_uring_setup", unix.SYS_IO_URING_SETUP, nil, retErrno(unix.ENOSYS)},
	} {
		if got := evalSeccomp(t, vm, native, c.nr, c.args...); got != c.want {
			t.Errorf("%s: filter returns %#x, want %#x", c.name, got, c.want)
		}
	}
	// A 32-bit system call through int 0x80 has other numbers (102 is socketcall there):
	// the process is killed rather than let through.
	if got := evalSeccomp(t, vm, unix.AUDIT_ARCH_I386, 102); got != retKill {
		t.Errorf("i386 socketcall: filter returns %#x, want kill", got)
	}
	// x32 calls share x86-64's architecture value but set bit 30 of the number.
	if native == unix.AUDIT_ARCH_X86_64 {
		if got := evalSeccomp(t, vm, native, 0x40000000|unix.SYS_SOCKET, unix.AF_INET); got != retErrno(unix.ENOSYS) {
			t.Errorf("x32 socket: filter returns %#x, want ENOSYS", got)
		}
	}
}

func TestLocalSeccompProgramEncoding(t *testing.T) {
	prog, err := seccompProgram()
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) == 0 || len(prog)%8 != 0 || len(prog)/8 > 4096 {
		t.Fatalf("program of %d bytes: bwrap wants whole sock_filter entries, the kernel at most 4096", len(prog))
	}
	// The first instruction loads the architecture: BPF_LD|BPF_W|BPF_ABS, k = 4.
	if op, k := binary.NativeEndian.Uint16(prog[0:]), binary.NativeEndian.Uint32(prog[4:]); op != 0x20 || k != seccompDataArch {
		t.Fatalf("first instruction op=%#x k=%d", op, k)
	}
}

// TestLocalSeccompInTheKernel loads the filter through bwrap --seccomp with none of the other
// layers: bwrap runs as root, without a user namespace and with every capability, so whatever
// is refused here is refused by the filter alone.
func TestLocalSeccompInTheKernel(t *testing.T) {
	requireSandboxHost(t)
	prog, err := seccompProgram()
	if err != nil {
		t.Fatal(err)
	}
	filter, err := memFile("seccomp", prog)
	if err != nil {
		t.Fatal(err)
	}
	defer filter.Close()
	script := fmt.Sprintf(`
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def sys(name, nr, *args):
    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
    print(name, "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])
for fam, name in ((socket.AF_INET, "inet"), (socket.AF_UNIX, "unix")):
    try:
        socket.socket(fam, socket.SOCK_STREAM).close(); print(name, "ok")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
sys("ptrace", %d, 0, 0, 0, 0)
sys("unshare", %d, %d)
sys("mount", %d, 0, 0, 0, 0, 0)
sys("keyctl", %d, 0, 0, 0, 0, 0)
sys("bpf", %d, 0, 0, 0)
sys("userfaultfd", %d, 0)
sys("clone3", %d, 0, 0)
`, unix.SYS_PTRACE, unix.SYS_UNSHARE, unix.CLONE_NEWNS, unix.SYS_MOUNT, unix.SYS_KEYCTL, unix.SYS_BPF,
		unix.SYS_USERFAULTFD, unix.SYS_CLONE3)
	cmd := exec.Command(bwrapForTest(t), "--bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
		"--seccomp", "3", "--", "/usr/bin/python3", "-c", script)
	cmd.ExtraFiles = []*os.File{filter}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := strings.Fields(strings.ReplaceAll(string(out), "\n", " "))
	want := strings.Fields("inet EAFNOSUPPORT unix ok ptrace EPERM unshare EPERM mount EPERM keyctl EPERM bpf EPERM userfaultfd EPERM clone3 ENOSYS")
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("under the filter:\n got %s\nwant %s", got, want)
	}
}
