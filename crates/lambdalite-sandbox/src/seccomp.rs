//! The seccomp filter of every environment: the system calls a function
//! never needs are refused with `EPERM`; everything else is allowed.
//!
//! Built with seccompiler before the clone; the child installs the compiled
//! programs with one `seccomp(2)` call each.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Refused with `EPERM`, whatever their arguments.
pub const DENIED: &[(&str, i64)] = &[
    ("mount", libc::SYS_mount),
    ("umount2", libc::SYS_umount2),
    ("pivot_root", libc::SYS_pivot_root),
    ("chroot", libc::SYS_chroot),
    ("unshare", libc::SYS_unshare),
    ("setns", libc::SYS_setns),
    ("ptrace", libc::SYS_ptrace),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("kcmp", libc::SYS_kcmp),
    ("kexec_load", libc::SYS_kexec_load),
    ("kexec_file_load", libc::SYS_kexec_file_load),
    ("init_module", libc::SYS_init_module),
    ("finit_module", libc::SYS_finit_module),
    ("delete_module", libc::SYS_delete_module),
    ("bpf", libc::SYS_bpf),
    ("keyctl", libc::SYS_keyctl),
    ("add_key", libc::SYS_add_key),
    ("request_key", libc::SYS_request_key),
    ("reboot", libc::SYS_reboot),
    ("swapon", libc::SYS_swapon),
    ("swapoff", libc::SYS_swapoff),
    ("perf_event_open", libc::SYS_perf_event_open),
    ("open_by_handle_at", libc::SYS_open_by_handle_at),
    ("name_to_handle_at", libc::SYS_name_to_handle_at),
    ("acct", libc::SYS_acct),
    ("quotactl", libc::SYS_quotactl),
    ("settimeofday", libc::SYS_settimeofday),
    ("clock_settime", libc::SYS_clock_settime),
    ("clock_adjtime", libc::SYS_clock_adjtime),
    ("adjtimex", libc::SYS_adjtimex),
    ("sethostname", libc::SYS_sethostname),
    ("setdomainname", libc::SYS_setdomainname),
    ("syslog", libc::SYS_syslog),
    ("vhangup", libc::SYS_vhangup),
    ("userfaultfd", libc::SYS_userfaultfd),
    ("fsopen", libc::SYS_fsopen),
    ("fsconfig", libc::SYS_fsconfig),
    ("fsmount", libc::SYS_fsmount),
    ("fspick", libc::SYS_fspick),
    ("move_mount", libc::SYS_move_mount),
    ("open_tree", libc::SYS_open_tree),
    ("mount_setattr", libc::SYS_mount_setattr),
    ("io_uring_setup", libc::SYS_io_uring_setup),
    ("io_uring_enter", libc::SYS_io_uring_enter),
    ("io_uring_register", libc::SYS_io_uring_register),
    #[cfg(target_arch = "x86_64")]
    ("iopl", libc::SYS_iopl),
    #[cfg(target_arch = "x86_64")]
    ("ioperm", libc::SYS_ioperm),
];

/// `clone` flags that make namespaces: refused, so a function can't make a
/// user namespace and gain capabilities inside it.
pub const NAMESPACE_FLAGS: &[(&str, u64)] = &[
    ("CLONE_NEWNS", libc::CLONE_NEWNS as u64),
    ("CLONE_NEWUSER", libc::CLONE_NEWUSER as u64),
    ("CLONE_NEWPID", libc::CLONE_NEWPID as u64),
    ("CLONE_NEWNET", libc::CLONE_NEWNET as u64),
    ("CLONE_NEWUTS", libc::CLONE_NEWUTS as u64),
    ("CLONE_NEWIPC", libc::CLONE_NEWIPC as u64),
    ("CLONE_NEWCGROUP", libc::CLONE_NEWCGROUP as u64),
    ("CLONE_NEWTIME", 0x80),
];

fn arch() -> TargetArch {
    #[cfg(target_arch = "aarch64")]
    {
        TargetArch::aarch64
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        TargetArch::x86_64
    }
}

/// The compiled programs, in the order to install them: the `EPERM` list
/// (with `clone`'s namespace flags), then `clone3` answered `ENOSYS` (its
/// flags live in memory a filter can't read; C libraries fall back to
/// `clone`, which the first program checks).
pub fn programs() -> Result<Vec<BpfProgram>, seccompiler::BackendError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED.iter().map(|(_, nr)| (*nr, Vec::new())).collect();
    let mut clone_rules = Vec::new();
    for (_, flag) in NAMESPACE_FLAGS {
        clone_rules.push(SeccompRule::new(vec![SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(*flag),
            *flag,
        )?])?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    let deny = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch(),
    )?;
    let clone3 = SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch(),
    )?;
    Ok(vec![deny.try_into()?, clone3.try_into()?])
}

/// Installs a compiled program on the calling thread (the child, after
/// `no_new_privs`). One system call, no allocation.
pub(crate) fn install(program: &BpfProgram) -> Result<(), i32> {
    let prog = libc::sock_fprog {
        len: program.len() as u16,
        // seccompiler's `sock_filter` has the kernel's layout (repr(C),
        // u16 u8 u8 u32), as libc's does.
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `prog` points at a live program for the duration of the call;
    // the kernel copies it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &prog as *const libc::sock_fprog,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small classic-BPF interpreter for seccomp programs, enough to run
    /// what seccompiler emits against a `seccomp_data`.
    fn run(program: &BpfProgram, nr: i64, args: [u64; 6]) -> u32 {
        let arch: u32 = if cfg!(target_arch = "aarch64") {
            0xC000_00B7
        } else {
            0xC000_003E
        };
        let mut data = Vec::new();
        data.extend_from_slice(&(nr as i32).to_ne_bytes());
        data.extend_from_slice(&arch.to_ne_bytes());
        data.extend_from_slice(&0u64.to_ne_bytes());
        for a in args {
            data.extend_from_slice(&a.to_ne_bytes());
        }
        let (mut acc, mut pc) = (0u32, 0usize);
        let mut mem = [0u32; 16];
        loop {
            let ins = &program[pc];
            let k = ins.k;
            match ins.code {
                0x20 => {
                    let o = k as usize;
                    acc = u32::from_ne_bytes(data[o..o + 4].try_into().unwrap());
                }
                0x00 => acc = k,
                0x02 => mem[k as usize] = acc,
                0x60 => acc = mem[k as usize],
                0x54 => acc &= k,
                0x05 => {
                    pc += k as usize;
                }
                0x15 | 0x25 | 0x35 | 0x45 => {
                    let t = match ins.code {
                        0x15 => acc == k,
                        0x25 => acc > k,
                        0x35 => acc >= k,
                        _ => acc & k != 0,
                    };
                    pc += if t { ins.jt } else { ins.jf } as usize;
                }
                0x06 => return k,
                c => panic!("opcode {c:#x} not interpreted"),
            }
            pc += 1;
        }
    }

    fn verdict(nr: i64, args: [u64; 6]) -> u32 {
        // The kernel applies the most restrictive verdict of all programs;
        // here at most one program matches.
        programs()
            .unwrap()
            .iter()
            .map(|p| run(p, nr, args))
            .find(|v| *v != libc::SECCOMP_RET_ALLOW)
            .unwrap_or(libc::SECCOMP_RET_ALLOW)
    }

    const EPERM: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;

    #[test]
    fn denied_calls_get_eperm() {
        for (name, nr) in DENIED {
            assert_eq!(verdict(*nr, [0; 6]), EPERM, "{name}");
        }
        for must in [
            "mount",
            "umount2",
            "pivot_root",
            "unshare",
            "setns",
            "ptrace",
            "bpf",
        ] {
            assert!(DENIED.iter().any(|(n, _)| *n == must), "{must} missing");
        }
    }

    #[test]
    fn ordinary_calls_pass() {
        for nr in [
            libc::SYS_read,
            libc::SYS_write,
            libc::SYS_openat,
            libc::SYS_execve,
            libc::SYS_socket,
            libc::SYS_kill,
        ] {
            assert_eq!(verdict(nr, [0; 6]), libc::SECCOMP_RET_ALLOW, "{nr}");
        }
    }

    #[test]
    fn clone_makes_threads_and_processes_but_no_namespaces() {
        let thread = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD) as u64;
        assert_eq!(
            verdict(libc::SYS_clone, [thread, 0, 0, 0, 0, 0]),
            libc::SECCOMP_RET_ALLOW
        );
        let fork = libc::SIGCHLD as u64;
        assert_eq!(
            verdict(libc::SYS_clone, [fork, 0, 0, 0, 0, 0]),
            libc::SECCOMP_RET_ALLOW
        );
        for (name, flag) in NAMESPACE_FLAGS {
            assert_eq!(
                verdict(libc::SYS_clone, [fork | flag, 0, 0, 0, 0, 0]),
                EPERM,
                "{name}"
            );
        }
        assert_eq!(
            verdict(libc::SYS_clone3, [0; 6]),
            libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32
        );
    }
}
