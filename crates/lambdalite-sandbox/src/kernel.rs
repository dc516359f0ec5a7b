//! The kernel calls that build an environment's root, behind a trait so the
//! plan that drives them is tested without root.
//!
//! [`Libc`] runs in the child between `clone` and `execve`: every method is
//! one system call on memory prepared before the clone, and allocates
//! nothing (the parent is multi-threaded, so the child may not take locks
//! another thread held).

use std::ffi::CStr;

/// An errno.
pub(crate) type Errno = i32;

pub(crate) trait Kernel {
    fn mount(
        &self,
        source: Option<&CStr>,
        target: &CStr,
        fstype: Option<&CStr>,
        flags: libc::c_ulong,
        data: Option<&CStr>,
    ) -> Result<(), Errno>;
    fn mkdir(&self, path: &CStr, mode: u32) -> Result<(), Errno>;
    fn symlink(&self, target: &CStr, link: &CStr) -> Result<(), Errno>;
    fn mknod(&self, path: &CStr, mode: u32, dev: u64) -> Result<(), Errno>;
    fn write_file(&self, path: &CStr, data: &[u8], mode: u32) -> Result<(), Errno>;
    /// Makes `new_root` the root: `chdir`, `pivot_root(".", ".")`, detach
    /// the old root stacked under it, `chdir("/")`.
    fn pivot_root(&self, new_root: &CStr) -> Result<(), Errno>;
    fn sethostname(&self, name: &CStr) -> Result<(), Errno>;
}

fn errno() -> Errno {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn check(rc: libc::c_int) -> Result<(), Errno> {
    if rc == 0 {
        Ok(())
    } else {
        Err(errno())
    }
}

fn ptr_or_null(s: Option<&CStr>) -> *const libc::c_char {
    s.map_or(std::ptr::null(), CStr::as_ptr)
}

/// The real kernel.
pub(crate) struct Libc;

impl Kernel for Libc {
    fn mount(
        &self,
        source: Option<&CStr>,
        target: &CStr,
        fstype: Option<&CStr>,
        flags: libc::c_ulong,
        data: Option<&CStr>,
    ) -> Result<(), Errno> {
        // SAFETY: every pointer is a NUL-terminated string that outlives the
        // call, or null where mount(2) accepts null.
        check(unsafe {
            libc::mount(
                ptr_or_null(source),
                target.as_ptr(),
                ptr_or_null(fstype),
                flags,
                ptr_or_null(data).cast(),
            )
        })
    }

    fn mkdir(&self, path: &CStr, mode: u32) -> Result<(), Errno> {
        // SAFETY: `path` is NUL-terminated.
        match check(unsafe { libc::mkdir(path.as_ptr(), mode as libc::mode_t) }) {
            Err(libc::EEXIST) => Ok(()),
            r => r,
        }
    }

    fn symlink(&self, target: &CStr, link: &CStr) -> Result<(), Errno> {
        // SAFETY: both strings are NUL-terminated.
        check(unsafe { libc::symlink(target.as_ptr(), link.as_ptr()) })
    }

    fn mknod(&self, path: &CStr, mode: u32, dev: u64) -> Result<(), Errno> {
        // SAFETY: `path` is NUL-terminated.
        check(unsafe { libc::mknod(path.as_ptr(), mode as libc::mode_t, dev as libc::dev_t) })
    }

    fn write_file(&self, path: &CStr, data: &[u8], mode: u32) -> Result<(), Errno> {
        // SAFETY: `path` is NUL-terminated; `data` is a valid slice for
        // write(2); the descriptor is closed on every path.
        unsafe {
            let fd = libc::open(
                path.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
                mode as libc::c_uint,
            );
            if fd < 0 {
                return Err(errno());
            }
            let mut done = 0;
            while done < data.len() {
                let n = libc::write(fd, data[done..].as_ptr().cast(), data.len() - done);
                if n < 0 {
                    let e = errno();
                    if e == libc::EINTR {
                        continue;
                    }
                    libc::close(fd);
                    return Err(e);
                }
                done += n as usize;
            }
            libc::close(fd);
        }
        Ok(())
    }

    fn pivot_root(&self, new_root: &CStr) -> Result<(), Errno> {
        const DOT: &CStr = c".";
        const SLASH: &CStr = c"/";
        // SAFETY: NUL-terminated strings; pivot_root has no libc wrapper.
        unsafe {
            check(libc::chdir(new_root.as_ptr()))?;
            if libc::syscall(libc::SYS_pivot_root, DOT.as_ptr(), DOT.as_ptr()) != 0 {
                return Err(errno());
            }
            check(libc::umount2(DOT.as_ptr(), libc::MNT_DETACH))?;
            check(libc::chdir(SLASH.as_ptr()))
        }
    }

    fn sethostname(&self, name: &CStr) -> Result<(), Errno> {
        let bytes = name.to_bytes();
        // SAFETY: `bytes` is valid for its length.
        check(unsafe { libc::sethostname(bytes.as_ptr().cast(), bytes.len()) })
    }
}

/// A kernel that records the calls it gets, for tests.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Recorder {
    pub calls: std::cell::RefCell<Vec<String>>,
    /// Fails the call whose text starts with this, with EPERM.
    pub fail_on: Option<String>,
}

#[cfg(test)]
impl Recorder {
    fn record(&self, call: String) -> Result<(), Errno> {
        let fail = self.fail_on.as_ref().is_some_and(|f| call.starts_with(f));
        self.calls.borrow_mut().push(call);
        if fail {
            Err(libc::EPERM)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
impl Kernel for Recorder {
    fn mount(
        &self,
        source: Option<&CStr>,
        target: &CStr,
        fstype: Option<&CStr>,
        flags: libc::c_ulong,
        data: Option<&CStr>,
    ) -> Result<(), Errno> {
        let s = |c: Option<&CStr>| c.map_or("-".to_string(), |c| c.to_string_lossy().into_owned());
        self.record(format!(
            "mount {} {} {} {} {}",
            s(source),
            target.to_string_lossy(),
            s(fstype),
            crate::mounts::flag_names(flags),
            s(data)
        ))
    }
    fn mkdir(&self, path: &CStr, mode: u32) -> Result<(), Errno> {
        self.record(format!("mkdir {} {mode:o}", path.to_string_lossy()))
    }
    fn symlink(&self, target: &CStr, link: &CStr) -> Result<(), Errno> {
        self.record(format!(
            "symlink {} -> {}",
            link.to_string_lossy(),
            target.to_string_lossy()
        ))
    }
    fn mknod(&self, path: &CStr, mode: u32, dev: u64) -> Result<(), Errno> {
        let (major, minor) = (
            libc::major(dev as libc::dev_t),
            libc::minor(dev as libc::dev_t),
        );
        self.record(format!(
            "mknod {} {:o} {major}:{minor}",
            path.to_string_lossy(),
            mode & 0o7777
        ))
    }
    fn write_file(&self, path: &CStr, data: &[u8], mode: u32) -> Result<(), Errno> {
        self.record(format!(
            "write {} {mode:o} {}",
            path.to_string_lossy(),
            String::from_utf8_lossy(data)
        ))
    }
    fn pivot_root(&self, new_root: &CStr) -> Result<(), Errno> {
        self.record(format!("pivot_root {}", new_root.to_string_lossy()))
    }
    fn sethostname(&self, name: &CStr) -> Result<(), Errno> {
        self.record(format!("sethostname {}", name.to_string_lossy()))
    }
}
