package sandbox

import (
	"encoding/binary"
	"fmt"
	"runtime"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Offsets into struct seccomp_data, which a seccomp filter reads: the syscall number, then the
// audit architecture, the instruction pointer, and six 64-bit arguments.
const (
	seccompDataArch = 4
	seccompDataArgs = 16
)

// seccompDenied lists the system calls the sandbox answers with EPERM. The namespaces and the
// dropped capabilities already stop most of them; the filter is the second wall, and the one
// that still holds if a kernel bug makes a capability check pass.
var seccompDenied = []string{
	// Seeing or steering other processes.
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	// Changing the file-system view.
	"mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount", "open_tree",
	"fsopen", "fsconfig", "fsmount", "fspick", "name_to_handle_at", "open_by_handle_at",
	// New or other namespaces (clone's namespace flags are a separate rule below).
	"unshare", "setns",
	// Kernel surfaces that have carried privilege escalations.
	"bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
	"fanotify_init", "lookup_dcookie",
	// Machine-wide state.
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "vhangup", "_sysctl",
	"ustat", "sysfs", "uselib", "nfsservctl", "mbind", "migrate_pages", "move_pages",
	"set_mempolicy",
}

// seccompNoSys lists the system calls answered with ENOSYS rather than EPERM, because libraries
// fall back to an older call only on ENOSYS: glibc's clone3 (whose flags sit in memory a filter
// cannot read, so it cannot be screened like clone) falls back to clone, and libuv's io_uring
// (whose submissions would bypass this filter entirely) falls back to plain syscalls.
var seccompNoSys = []string{"clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"}

// cloneNamespaceFlags are clone's flags that create namespaces. An unprivileged user may create
// a user namespace and, inside it, all the others; bwrap's --disable-userns forbids it too.
const cloneNamespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP |
	unix.CLONE_NEWTIME

// seccompPolicy is the deny list as a go-seccomp-bpf policy: allow by default, deny the groups
// above, sockets of any family but AF_UNIX, and clone with a namespace flag.
func seccompPolicy(info *arch.Info) seccomp.Policy {
	return seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Action: seccomp.ActionErrno, Names: knownSyscalls(info, seccompDenied)}, // EPERM
			{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: knownSyscalls(info, seccompNoSys)},
			{
				// No network: the namespace has only its own loopback, and with this rule
				// the program cannot even open an Internet, netlink or packet socket.
				Action: seccomp.ActionErrno | seccomp.Action(unix.EAFNOSUPPORT),
				NamesWithCondtions: []seccomp.NameWithConditions{
					{Name: "socket", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.NotEqual, Value: unix.AF_UNIX}}},
					{Name: "socketpair", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.NotEqual, Value: unix.AF_UNIX}}},
				},
			},
			{
				Action: seccomp.ActionErrno, // EPERM
				NamesWithCondtions: []seccomp.NameWithConditions{
					{Name: "clone", Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.BitsSet, Value: cloneNamespaceFlags}}},
				},
			},
		},
	}
}

// seccompInstructions assembles the filter. go-seccomp-bpf lets a system call of a foreign
// architecture (a 32-bit int 0x80 call on x86-64) through to the default action, which here is
// allow; that would bypass every rule, since the numbers differ per architecture. So the filter
// starts with its own check that kills the process on any architecture but the native one.
func seccompInstructions() ([]bpf.Instruction, error) {
	native, err := nativeAuditArch()
	if err != nil {
		return nil, err
	}
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("%w: seccomp: %v", ErrUnavailable, err)
	}
	policy := seccompPolicy(info)
	body, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	guard := []bpf.Instruction{
		bpf.LoadAbsolute{Off: seccompDataArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: native, SkipTrue: 1},
		bpf.RetConstant{Val: uint32(seccomp.ActionKillProcess)},
	}
	return append(guard, body...), nil
}

// seccompProgram returns the filter as bwrap --seccomp reads it: struct sock_filter entries in
// the machine's byte order.
func seccompProgram() ([]byte, error) {
	insts, err := seccompInstructions()
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	out := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		out = binary.NativeEndian.AppendUint16(out, r.Op)
		out = append(out, r.Jt, r.Jf)
		out = binary.NativeEndian.AppendUint32(out, r.K)
	}
	return out, nil
}

// knownSyscalls keeps the names the architecture has: arm64, for one, never had iopl or
// _sysctl, and go-seccomp-bpf refuses a policy naming a call it cannot number.
func knownSyscalls(info *arch.Info, names []string) []string {
	var known []string
	for _, n := range names {
		if _, ok := info.SyscallNames[n]; ok {
			known = append(known, n)
		}
	}
	return known
}

// nativeAuditArch is the AUDIT_ARCH value the kernel reports for this binary's architecture.
func nativeAuditArch() (uint32, error) {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64, nil
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64, nil
	}
	return 0, fmt.Errorf("%w: the seccomp filter is not defined for %s", ErrUnavailable, runtime.GOARCH)
}
