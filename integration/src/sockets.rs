//! What the kernel says about this process's own TCP sockets: used to check that every
//! database connection we open sets TCP_NODELAY (without it each round trip waits ~40 ms for a
//! delayed ACK, and worse over TLS).

/// For each TCP socket of this process whose peer port is `port`: whether TCP_NODELAY is set.
pub fn nodelay_of_sockets_to(port: u16) -> Vec<bool> {
    nodelay_where(|fd| address_port(fd, libc::getpeername) == Some(port))
}

/// For each connected TCP socket of this process whose local port is `port` (the connections a
/// server on that port accepted): whether TCP_NODELAY is set.
pub fn nodelay_of_sockets_accepted_on(port: u16) -> Vec<bool> {
    nodelay_where(|fd| address_port(fd, libc::getsockname) == Some(port) && address_port(fd, libc::getpeername).is_some())
}

fn nodelay_where(wanted: impl Fn(i32) -> bool) -> Vec<bool> {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
        let is_socket = std::fs::read_link(entry.path()).is_ok_and(|t| t.to_string_lossy().starts_with("socket:"));
        if !is_socket || !wanted(fd) {
            continue;
        }
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: fd is open in this process (listed in /proc/self/fd); value/len are valid.
        let rc = unsafe { libc::getsockopt(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, (&mut value as *mut libc::c_int).cast(), &mut len) };
        if rc == 0 {
            out.push(value != 0);
        }
    }
    out
}

type AddressOf = unsafe extern "C" fn(libc::c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> libc::c_int;

/// The port of the socket's peer (`getpeername`) or own (`getsockname`) address.
fn address_port(fd: i32, address_of: AddressOf) -> Option<u16> {
    // SAFETY: sockaddr_storage is plain data; the call writes at most `len` bytes into it.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let rc = unsafe { address_of(fd, (&mut storage as *mut libc::sockaddr_storage).cast(), &mut len) };
    if rc != 0 {
        return None;
    }
    match i32::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let addr: &libc::sockaddr_in = unsafe { &*(&storage as *const libc::sockaddr_storage).cast() };
            Some(u16::from_be(addr.sin_port))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let addr: &libc::sockaddr_in6 = unsafe { &*(&storage as *const libc::sockaddr_storage).cast() };
            Some(u16::from_be(addr.sin6_port))
        }
        _ => None,
    }
}
