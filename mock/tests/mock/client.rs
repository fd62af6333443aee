//! A tiny HTTP/1.1 client over `std::net::TcpStream`: one request per connection.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ecscred_mock::MockServer;

pub const TOKEN: &str = "/latest/api/token";
pub const ROLES: &str = "/latest/meta-data/ram/security-credentials/";
pub const CREDENTIAL: &str = "/latest/meta-data/ram/security-credentials/EcsRamRoleTest";
pub const TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
pub const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the answer until the server closes the connection.
/// An answer of zero bytes (the connection was dropped) is `UnexpectedEof`.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    // A guard against hanging forever, not a timing assertion.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    if raw.is_empty() {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> io::Result<Reply> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let body = raw[split + 4..].to_vec();
    let reply = Reply {
        status,
        headers,
        body,
    };
    if let Some(len) = reply.header("content-length") {
        assert_eq!(
            len.parse::<usize>().ok(),
            Some(reply.body.len()),
            "whole body read"
        );
    }
    Ok(reply)
}

pub fn get(server: &MockServer, path: &str) -> Reply {
    request(server.port(), "GET", path, &[], "").expect("GET answered")
}

pub fn get_with_token(server: &MockServer, path: &str, token: &str) -> Reply {
    request(server.port(), "GET", path, &[(TOKEN_HEADER, token)], "").expect("GET answered")
}

pub fn put_token(server: &MockServer, ttl: &str) -> Reply {
    request(server.port(), "PUT", TOKEN, &[(TTL_HEADER, ttl)], "").expect("PUT answered")
}

/// A fresh token (TTL 6 h).
pub fn token(server: &MockServer) -> String {
    let reply = put_token(server, "21600");
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.text().to_owned()
}

pub fn admin(server: &MockServer, method: &str, path: &str, body: &str) -> Reply {
    request(
        server.port(),
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .expect("admin answered")
}
