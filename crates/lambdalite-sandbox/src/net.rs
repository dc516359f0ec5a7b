//! Environments' network namespaces.
//!
//! A namespace is made on a short-lived helper thread (namespaces belong to
//! threads): it unshares its network namespace, brings loopback up, binds
//! the Runtime API listener there and keeps a handle to the namespace. A
//! socket stays in the namespace it was made in, so lambdalite serves the
//! listener from its own threads while only processes inside the namespace
//! can connect to it.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// Where the Runtime API listens inside every environment, as on AWS.
pub const RUNTIME_API_PORT: u16 = 9001;

/// One environment's network namespace.
pub(crate) struct NetNs {
    /// `/proc/thread-self/ns/net` of the helper thread: the child joins it.
    pub ns: OwnedFd,
    pub listener: Option<std::net::TcpListener>,
}

fn last_error(what: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

/// Makes a network namespace with loopback up and the Runtime API
/// listener bound in it.
pub(crate) fn create() -> io::Result<NetNs> {
    std::thread::Builder::new()
        .name("lambdalite-netns".into())
        .spawn(|| -> io::Result<NetNs> {
            // SAFETY: unshare(2) affects only this thread, which ends here.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(last_error("unshare(CLONE_NEWNET)"));
            }
            // SAFETY: open(2) with a NUL-terminated path; the fd is owned.
            let ns = unsafe {
                let fd = libc::open(
                    c"/proc/thread-self/ns/net".as_ptr(),
                    libc::O_RDONLY | libc::O_CLOEXEC,
                );
                if fd < 0 {
                    return Err(last_error("opening the network namespace"));
                }
                OwnedFd::from_raw_fd(fd)
            };
            loopback_up()?;
            let listener = std::net::TcpListener::bind(("127.0.0.1", RUNTIME_API_PORT))?;
            listener.set_nonblocking(true)?;
            Ok(NetNs {
                ns,
                listener: Some(listener),
            })
        })?
        .join()
        .map_err(|_| io::Error::other("the network namespace thread panicked"))?
}

/// `ip link set lo up`, through the ioctl every kernel has.
fn loopback_up() -> io::Result<()> {
    // SAFETY: plain socket and ioctl calls on a zeroed `ifreq` whose name
    // is NUL-terminated; the socket is closed on every path by OwnedFd.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(last_error("socket"));
        }
        let _sock = OwnedFd::from_raw_fd(fd);
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) != 0 {
            return Err(last_error("reading loopback's flags"));
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) != 0 {
            return Err(last_error("bringing loopback up"));
        }
    }
    Ok(())
}
