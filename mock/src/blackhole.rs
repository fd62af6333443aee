//! A loopback address where TCP connections never complete, like the metadata address seen
//! from a laptop, a VPN or a container without that route: packets vanish, so a client's
//! connect hangs until its own connect timeout.
//!
//! How: a listening socket whose accept queue (backlog 0) is already full and which never
//! accepts. Linux then drops every further SYN, so the client keeps retransmitting and
//! its connect neither succeeds nor is refused. Only 127.0.0.1 is involved.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

/// A loopback port where connecting hangs. Dropping it closes the port.
pub struct Blackhole {
    _listener: Socket,
    _queued: Vec<TcpStream>,
    addr: SocketAddr,
}

impl Blackhole {
    /// Opens the port and fills its accept queue. Fails if the queue could not be shown to
    /// be full (a connect that did not hang), so a test never runs against a port that
    /// answers.
    pub fn start() -> io::Result<Blackhole> {
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        listener.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
        listener.listen(0)?;
        let addr = listener
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("the listener has no IPv4 address"))?;
        let mut queued = Vec::new();
        // The kernel queues a connection or two beyond the backlog; connect until one
        // hangs. The probe that hangs is abandoned (its SYN was dropped).
        for _ in 0..16 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(stream) => queued.push(stream),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return Ok(Blackhole {
                        _listener: listener,
                        _queued: queued,
                        addr,
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(
            "the accept queue never filled: connections to the port kept completing",
        ))
    }

    /// `http://127.0.0.1:<port>`, to use as a metadata service endpoint.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
