//! Environments' network namespaces.
//!
//! A namespace is made on a short-lived helper thread (namespaces belong to
//! threads): it unshares its network namespace, brings loopback up, binds
//! the Runtime API listener there and keeps a handle to the namespace. A
//! socket stays in the namespace it was made in, so lambdalite serves the
//! listener from its own threads while only processes inside the namespace
//! can connect to it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

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
            let ns = open_ns()?;
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

/// The /30 subnets environments get in the default network mode:
/// 169.254.64.0/18 (link-local, as AWS environments' own addresses; clear of
/// 169.254.169.254, the usual metadata address).
const POOL_BASE: u32 = u32::from_be_bytes([169, 254, 64, 0]);
const POOL_SLOTS: u32 = 4096;
/// The host's name for itself inside environments.
pub const HOST_NAME: &str = "host.lambdalite.internal";
/// The host's address for itself inside environments of the default
/// network mode, [`HOST_NAME`]: one address on the host's loopback device,
/// outside the pool, reached from every environment through its gateway.
/// lambdalite serves its API there for functions' SDK calls.
pub const HOST_API_ADDR: std::net::Ipv4Addr = std::net::Ipv4Addr::new(169, 254, 63, 1);

/// Puts [`HOST_API_ADDR`] on the host's loopback device (once per boot;
/// later calls find it there) and returns it, for a listener environments
/// reach and other machines don't route to.
pub fn host_api_address() -> io::Result<std::net::Ipv4Addr> {
    let rtnl = netlink::Socket::open()?;
    let lo = rtnl.index_of("lo")?;
    match rtnl.add_address(lo, HOST_API_ADDR, 32) {
        Ok(()) => Ok(HOST_API_ADDR),
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => Ok(HOST_API_ADDR),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("adding {HOST_API_ADDR} to the loopback device: {e}"),
        )),
    }
}

/// The host's own network namespace with a Runtime API listener on a free
/// loopback port: the `host` network mode.
pub(crate) fn create_host() -> io::Result<NetNs> {
    let ns = open_ns()?;
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    Ok(NetNs {
        ns,
        listener: Some(listener),
    })
}

/// One environment's pair of addresses: the host's end (`.1`, the
/// environment's gateway) and the environment's (`.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot(pub u32);

impl Slot {
    fn net(self) -> u32 {
        POOL_BASE + self.0 * 4
    }
    pub fn host(self) -> std::net::Ipv4Addr {
        (self.net() + 1).into()
    }
    pub fn env(self) -> std::net::Ipv4Addr {
        (self.net() + 2).into()
    }
    /// The host end's interface name; creating it claims the slot, also
    /// against other lambdalite processes.
    pub fn ifname(self) -> String {
        format!("llv{}", self.0)
    }
}

/// The host end of an environment's veth pair. The kernel removes the pair
/// when the environment's namespace goes (after its last process and the
/// listener); until then the slot's name stays taken, so no other
/// environment gets its addresses.
pub(crate) struct Veth {
    pub slot: Slot,
}

/// Makes a network namespace with loopback up, the Runtime API listener
/// bound in it, and a veth pair to the host with a default route through
/// it.
pub(crate) fn create_connected() -> io::Result<(NetNs, Veth)> {
    std::thread::Builder::new()
        .name("lambdalite-netns".into())
        .spawn(|| -> io::Result<(NetNs, Veth)> {
            // Made in the host's namespace, before this thread leaves it.
            let host_rtnl = netlink::Socket::open()?;
            let host_ns = open_ns()?;
            // SAFETY: unshare(2) affects only this thread, which ends here.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(last_error("unshare(CLONE_NEWNET)"));
            }
            let ns = open_ns()?;
            loopback_up()?;
            let rtnl = netlink::Socket::open()?;
            let start = rand_u32() % POOL_SLOTS;
            let mut claimed = None;
            for i in 0..64 {
                let slot = Slot((start + i * 7919) % POOL_SLOTS);
                match rtnl.create_veth("eth0", &slot.ifname(), host_ns.as_raw_fd()) {
                    Ok(()) => {
                        claimed = Some(slot);
                        break;
                    }
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
                    Err(e) => return Err(e),
                }
            }
            let slot = claimed.ok_or_else(|| io::Error::other("no free environment address"))?;
            let veth = Veth { slot };
            let host_if = host_rtnl.index_of(&slot.ifname())?;
            host_rtnl.add_address(host_if, slot.host(), 30)?;
            host_rtnl.set_up(host_if)?;
            let eth0 = rtnl.index_of("eth0")?;
            rtnl.add_address(eth0, slot.env(), 30)?;
            rtnl.set_up(eth0)?;
            rtnl.add_default_route(eth0, slot.host())?;
            let listener = std::net::TcpListener::bind(("127.0.0.1", RUNTIME_API_PORT))?;
            listener.set_nonblocking(true)?;
            Ok((
                NetNs {
                    ns,
                    listener: Some(listener),
                },
                veth,
            ))
        })?
        .join()
        .map_err(|_| io::Error::other("the network namespace thread panicked"))?
}

fn open_ns() -> io::Result<OwnedFd> {
    // SAFETY: open(2) with a NUL-terminated path; the fd is owned.
    unsafe {
        let fd = libc::open(
            c"/proc/thread-self/ns/net".as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC,
        );
        if fd < 0 {
            return Err(last_error("opening a network namespace"));
        }
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    // SAFETY: getrandom(2) fills the 4-byte buffer.
    unsafe { libc::getrandom(b.as_mut_ptr().cast(), 4, 0) };
    u32::from_ne_bytes(b)
}

/// Turns on IPv4 forwarding and masquerading of the environments' pool, once
/// at startup, with the host's `nft` (or `iptables`). Returns what is
/// missing when environments can reach only the host.
pub(crate) fn enable_forwarding() -> Result<(), String> {
    std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
        .map_err(|e| format!("turning on IPv4 forwarding: {e}"))?;
    let pool = "169.254.64.0/18";
    let ruleset = format!(
        "table ip lambdalite {{\n\
         \tchain postrouting {{ type nat hook postrouting priority srcnat; policy accept;\n\
         \t\tip saddr {pool} oifname != \"llv*\" masquerade\n\t}}\n\
         \tchain forward {{ type filter hook forward priority filter; policy accept;\n\
         \t\tiifname \"llv*\" oifname \"llv*\" drop\n\t}}\n}}\n"
    );
    let run = |prog: &str, args: &[&str], input: Option<&str>| -> Result<bool, String> {
        use std::io::Write;
        let mut cmd = std::process::Command::new(prog);
        cmd.args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(String::new()),
            Err(e) => return Err(format!("{prog}: {e}")),
        };
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            let _ = stdin.write_all(text.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("{prog}: {e}"))?;
        Ok(out.status.success())
    };
    // The table is replaced whole, so restarts don't stack rules.
    match run(
        "nft",
        &["-f", "-"],
        Some(&format!(
            "table ip lambdalite\ndelete table ip lambdalite\n{ruleset}"
        )),
    ) {
        Ok(true) => return Ok(()),
        Ok(false) => return Err("nft refused lambdalite's NAT table".into()),
        Err(e) if !e.is_empty() => return Err(e),
        Err(_) => {}
    }
    let rule = [
        "POSTROUTING",
        "-s",
        pool,
        "!",
        "-o",
        "llv+",
        "-j",
        "MASQUERADE",
    ];
    let iptables = |op: &'static str| [&["-t", "nat", op][..], &rule[..]].concat();
    match run("iptables", &iptables("-C"), None) {
        Ok(true) => Ok(()),
        Ok(false) => match run("iptables", &iptables("-A"), None) {
            Ok(true) => Ok(()),
            _ => Err("iptables refused lambdalite's NAT rule".into()),
        },
        Err(e) if !e.is_empty() => Err(e),
        Err(_) => Err("neither nft nor iptables is installed, so there is no NAT: functions reach the host but not beyond (install nftables)".into()),
    }
}

mod netlink {
    //! The few rtnetlink requests an environment's network needs.

    use std::io;
    use std::net::Ipv4Addr;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

    const RTM_NEWLINK: u16 = 16;
    const RTM_GETLINK: u16 = 18;
    const RTM_NEWADDR: u16 = 20;
    const RTM_NEWROUTE: u16 = 24;
    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_ACK: u16 = 0x4;
    const NLM_F_EXCL: u16 = 0x200;
    const NLM_F_CREATE: u16 = 0x400;
    const NLMSG_ERROR: u16 = 2;
    const IFLA_IFNAME: u16 = 3;
    const IFLA_LINKINFO: u16 = 18;
    const IFLA_NET_NS_FD: u16 = 28;
    const IFLA_INFO_KIND: u16 = 1;
    const IFLA_INFO_DATA: u16 = 2;
    const VETH_INFO_PEER: u16 = 1;
    const IFA_ADDRESS: u16 = 1;
    const IFA_LOCAL: u16 = 2;
    const RTA_OIF: u16 = 4;
    const RTA_GATEWAY: u16 = 5;
    const NLA_F_NESTED: u16 = 0x8000;

    /// One netlink message being built.
    pub(super) struct Msg {
        buf: Vec<u8>,
    }

    impl Msg {
        pub fn new(kind: u16, flags: u16) -> Msg {
            let mut buf = Vec::with_capacity(256);
            buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set at the end
            buf.extend_from_slice(&kind.to_ne_bytes());
            buf.extend_from_slice(&(flags | NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
            buf.extend_from_slice(&1u32.to_ne_bytes()); // sequence
            buf.extend_from_slice(&0u32.to_ne_bytes()); // port: the kernel
            Msg { buf }
        }

        fn align(&mut self) {
            while self.buf.len() & 3 != 0 {
                self.buf.push(0);
            }
        }

        pub fn bytes(&mut self, b: &[u8]) -> &mut Msg {
            self.buf.extend_from_slice(b);
            self.align();
            self
        }

        /// `struct ifinfomsg`.
        pub fn ifinfo(&mut self, index: i32, flags: u32, change: u32) -> &mut Msg {
            let mut b = vec![libc::AF_UNSPEC as u8, 0, 0, 0];
            b.extend_from_slice(&index.to_ne_bytes());
            b.extend_from_slice(&flags.to_ne_bytes());
            b.extend_from_slice(&change.to_ne_bytes());
            self.bytes(&b)
        }

        pub fn attr(&mut self, kind: u16, data: &[u8]) -> &mut Msg {
            let len = (4 + data.len()) as u16;
            self.buf.extend_from_slice(&len.to_ne_bytes());
            self.buf.extend_from_slice(&kind.to_ne_bytes());
            self.bytes(data)
        }

        pub fn str_attr(&mut self, kind: u16, s: &str) -> &mut Msg {
            let mut data = s.as_bytes().to_vec();
            data.push(0);
            self.attr(kind, &data)
        }

        /// Opens a nested attribute; close it with [`Msg::end`].
        pub fn nest(&mut self, kind: u16) -> usize {
            let at = self.buf.len();
            self.buf.extend_from_slice(&0u16.to_ne_bytes());
            self.buf
                .extend_from_slice(&(kind | NLA_F_NESTED).to_ne_bytes());
            at
        }

        pub fn end(&mut self, at: usize) {
            self.align();
            let len = (self.buf.len() - at) as u16;
            self.buf[at..at + 2].copy_from_slice(&len.to_ne_bytes());
        }

        pub fn finish(mut self) -> Vec<u8> {
            let len = self.buf.len() as u32;
            self.buf[..4].copy_from_slice(&len.to_ne_bytes());
            self.buf
        }
    }

    /// The request that makes a veth pair here, its peer in `peer_ns`.
    pub(super) fn veth_request(name: &str, peer: &str, peer_ns: i32) -> Vec<u8> {
        let mut m = Msg::new(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        m.ifinfo(0, 0, 0).str_attr(IFLA_IFNAME, name);
        let info = m.nest(IFLA_LINKINFO);
        m.str_attr(IFLA_INFO_KIND, "veth");
        let data = m.nest(IFLA_INFO_DATA);
        let peer_at = m.nest(VETH_INFO_PEER);
        m.ifinfo(0, 0, 0)
            .str_attr(IFLA_IFNAME, peer)
            .attr(IFLA_NET_NS_FD, &peer_ns.to_ne_bytes());
        m.end(peer_at);
        m.end(data);
        m.end(info);
        m.finish()
    }

    pub(super) struct Socket {
        fd: OwnedFd,
    }

    impl Socket {
        /// A route netlink socket in the calling thread's network namespace.
        pub fn open() -> io::Result<Socket> {
            // SAFETY: socket(2); the fd is owned at once.
            let fd = unsafe {
                libc::socket(
                    libc::AF_NETLINK,
                    libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                    libc::NETLINK_ROUTE,
                )
            };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: a fresh descriptor nobody else owns.
            Ok(Socket {
                fd: unsafe { OwnedFd::from_raw_fd(fd) },
            })
        }

        /// Sends one request and waits for its acknowledgement.
        fn request(&self, msg: &[u8]) -> io::Result<()> {
            self.exchange(msg, |_, _| {})
        }

        /// Sends one request, hands every answer before the acknowledgement
        /// to `seen` (its type and body), and waits for the acknowledgement.
        fn exchange(&self, msg: &[u8], mut seen: impl FnMut(u16, &[u8])) -> io::Result<()> {
            // SAFETY: send(2)/recv(2) on our socket with valid buffers.
            unsafe {
                let mut addr: libc::sockaddr_nl = std::mem::zeroed();
                addr.nl_family = libc::AF_NETLINK as u16;
                let n = libc::sendto(
                    self.fd.as_raw_fd(),
                    msg.as_ptr().cast(),
                    msg.len(),
                    0,
                    (&addr as *const libc::sockaddr_nl).cast(),
                    std::mem::size_of::<libc::sockaddr_nl>() as u32,
                );
                if n < 0 {
                    return Err(io::Error::last_os_error());
                }
                let mut buf = [0u8; 4096];
                loop {
                    let n = libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0);
                    if n < 0 {
                        let e = io::Error::last_os_error();
                        if e.kind() == io::ErrorKind::Interrupted {
                            continue;
                        }
                        return Err(e);
                    }
                    // One datagram may hold several messages.
                    let mut at = 0;
                    let n = n as usize;
                    while at + 16 <= n {
                        let len =
                            u32::from_ne_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
                                as usize;
                        let kind = u16::from_ne_bytes([buf[at + 4], buf[at + 5]]);
                        if len < 16 || at + len > n {
                            return Err(io::Error::other("malformed netlink answer"));
                        }
                        let body = &buf[at + 16..at + len];
                        if kind == NLMSG_ERROR {
                            let errno = body.get(..4).map_or(-libc::EIO, |b| {
                                i32::from_ne_bytes([b[0], b[1], b[2], b[3]])
                            });
                            return if errno == 0 {
                                Ok(())
                            } else {
                                Err(io::Error::from_raw_os_error(-errno))
                            };
                        }
                        seen(kind, body);
                        at += (len + 3) & !3;
                    }
                }
            }
        }

        pub fn create_veth(&self, name: &str, peer: &str, peer_ns: i32) -> io::Result<()> {
            self.request(&veth_request(name, peer, peer_ns))
        }

        /// The index of a link in this socket's namespace (`RTM_GETLINK`).
        pub fn index_of(&self, name: &str) -> io::Result<i32> {
            let mut m = Msg::new(RTM_GETLINK, 0);
            m.ifinfo(0, 0, 0).str_attr(IFLA_IFNAME, name);
            let mut index = None;
            self.exchange(&m.finish(), |kind, body| {
                if kind == RTM_NEWLINK && body.len() >= 8 {
                    index = Some(i32::from_ne_bytes([body[4], body[5], body[6], body[7]]));
                }
            })?;
            index.ok_or_else(|| io::Error::from_raw_os_error(libc::ENODEV))
        }

        pub fn set_up(&self, index: i32) -> io::Result<()> {
            let up = libc::IFF_UP as u32;
            let mut m = Msg::new(RTM_NEWLINK, 0);
            m.ifinfo(index, up, up);
            self.request(&m.finish())
        }

        pub fn add_address(&self, index: i32, addr: Ipv4Addr, prefix: u8) -> io::Result<()> {
            let mut m = Msg::new(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
            let mut ifa = vec![libc::AF_INET as u8, prefix, 0, 0];
            ifa.extend_from_slice(&(index as u32).to_ne_bytes());
            m.bytes(&ifa)
                .attr(IFA_LOCAL, &addr.octets())
                .attr(IFA_ADDRESS, &addr.octets());
            self.request(&m.finish())
        }

        pub fn add_default_route(&self, index: i32, gateway: Ipv4Addr) -> io::Result<()> {
            let mut m = Msg::new(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
            // family, dst_len, src_len, tos, table main, protocol boot,
            // scope universe, type unicast; flags.
            m.bytes(&[libc::AF_INET as u8, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0])
                .attr(RTA_GATEWAY, &gateway.octets())
                .attr(RTA_OIF, &index.to_ne_bytes());
            self.request(&m.finish())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn u16_at(b: &[u8], i: usize) -> u16 {
            u16::from_ne_bytes([b[i], b[i + 1]])
        }

        #[test]
        fn veth_request_layout() {
            let b = veth_request("eth0", "llv7", 5);
            assert_eq!(
                u32::from_ne_bytes(b[..4].try_into().unwrap()) as usize,
                b.len()
            );
            assert_eq!(b.len() & 3, 0);
            assert_eq!(u16_at(&b, 4), RTM_NEWLINK);
            assert_eq!(
                u16_at(&b, 6),
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
            );
            // header 16, ifinfomsg 16, then IFLA_IFNAME "eth0\0" (len 9, padded to 12).
            assert_eq!(u16_at(&b, 32), 9);
            assert_eq!(u16_at(&b, 34), IFLA_IFNAME);
            assert_eq!(&b[36..41], b"eth0\0");
            // IFLA_LINKINFO, nested, spans the rest of the message.
            assert_eq!(u16_at(&b, 46), IFLA_LINKINFO | NLA_F_NESTED);
            assert_eq!(u16_at(&b, 44) as usize, b.len() - 44);
            // The peer's namespace fd is the last attribute.
            assert_eq!(u16_at(&b, b.len() - 8), 8);
            assert_eq!(u16_at(&b, b.len() - 6), IFLA_NET_NS_FD);
            assert_eq!(i32::from_ne_bytes(b[b.len() - 4..].try_into().unwrap()), 5);
        }

        #[test]
        fn address_attributes_are_aligned() {
            let mut m = Msg::new(RTM_NEWADDR, 0);
            m.bytes(&[2, 30, 0, 0, 1, 0, 0, 0])
                .attr(IFA_LOCAL, &[169, 254, 64, 1]);
            let b = m.finish();
            assert_eq!(b.len(), 16 + 8 + 8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_disjoint_30s_in_the_pool() {
        assert_eq!(Slot(0).host(), std::net::Ipv4Addr::new(169, 254, 64, 1));
        assert_eq!(Slot(0).env(), std::net::Ipv4Addr::new(169, 254, 64, 2));
        assert_eq!(Slot(1).host(), std::net::Ipv4Addr::new(169, 254, 64, 5));
        let last = Slot(POOL_SLOTS - 1);
        assert_eq!(last.env(), std::net::Ipv4Addr::new(169, 254, 127, 254));
        assert!(last.ifname().len() <= 15);
    }
}

/// A made network: its namespace, and its veth in the default mode.
pub(crate) type Made = (NetNs, Option<Veth>);

/// Network namespaces made ahead of need by a background thread, so an
/// environment's start doesn't wait for the kernel to make one (the slowest
/// part of a sandboxed start). Each mode's stock is filled only once that
/// mode has been asked for.
pub(crate) struct Pool {
    state: std::sync::Mutex<PoolState>,
    wake: std::sync::Condvar,
    target: usize,
}

#[derive(Default)]
struct PoolState {
    none: Vec<NetNs>,
    default: Vec<(NetNs, Veth)>,
    want_none: bool,
    want_default: bool,
}

impl Pool {
    /// Starts the filling thread; `target` namespaces of each mode in use
    /// are kept ready.
    pub fn start(target: usize) -> std::sync::Arc<Pool> {
        let pool = std::sync::Arc::new(Pool {
            state: Default::default(),
            wake: std::sync::Condvar::new(),
            target,
        });
        if target > 0 {
            let weak = std::sync::Arc::downgrade(&pool);
            let _ = std::thread::Builder::new()
                .name("lambdalite-netns-pool".into())
                .spawn(move || Pool::fill(weak));
        }
        pool
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A network for a new environment: from the stock, else made now.
    pub fn take(&self, mode: crate::NetworkMode) -> io::Result<Made> {
        let connected = match mode {
            crate::NetworkMode::Default => true,
            crate::NetworkMode::None => false,
            crate::NetworkMode::Host => return create_host().map(|n| (n, None)),
        };
        let taken = {
            let mut st = self.lock();
            if connected {
                st.want_default = true;
                st.default.pop().map(|(n, v)| (n, Some(v)))
            } else {
                st.want_none = true;
                st.none.pop().map(|n| (n, None))
            }
        };
        self.wake.notify_one();
        match taken {
            Some(made) => Ok(made),
            None if connected => create_connected().map(|(n, v)| (n, Some(v))),
            None => create().map(|n| (n, None)),
        }
    }

    fn fill(weak: std::sync::Weak<Pool>) {
        loop {
            let Some(pool) = weak.upgrade() else { return };
            let job = {
                let mut st = pool.lock();
                loop {
                    if st.want_default && st.default.len() < pool.target {
                        break Some(true);
                    }
                    if st.want_none && st.none.len() < pool.target {
                        break Some(false);
                    }
                    let (next, timeout) = pool
                        .wake
                        .wait_timeout(st, std::time::Duration::from_secs(5))
                        .unwrap_or_else(|e| e.into_inner());
                    st = next;
                    if timeout.timed_out() && std::sync::Arc::strong_count(&pool) == 1 {
                        break None;
                    }
                }
            };
            let Some(connected) = job else { return };
            let made = if connected {
                create_connected().map(|(n, v)| pool.lock().default.push((n, v)))
            } else {
                create().map(|n| pool.lock().none.push(n))
            };
            if let Err(e) = made {
                tracing::warn!(error = %e, "making a network namespace ahead of need");
                drop(pool);
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}
