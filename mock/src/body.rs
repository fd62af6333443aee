//! Response bodies and the plain answers shared by the metadata and admin handlers.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Bytes, Frame, SizeHint};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::StatusCode;

/// A response body: whole bytes, or `len` filler bytes streamed in chunks.
#[derive(Debug)]
pub(crate) enum Body {
    Whole(Option<Bytes>),
    Filler(u64),
}

pub(crate) type Response = hyper::Response<Body>;

/// What a `HugeBody` fault streams, one chunk at a time.
static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(match self.get_mut() {
            Body::Whole(bytes) => bytes.take().map(|b| Ok(Frame::data(b))),
            Body::Filler(0) => None,
            Body::Filler(left) => {
                let n = (*left).min(FILLER.len() as u64);
                *left -= n;
                Some(Ok(Frame::data(Bytes::from_static(&FILLER[..n as usize]))))
            }
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Whole(None) | Body::Filler(0))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(match self {
            Body::Whole(bytes) => bytes.as_ref().map_or(0, |b| b.len() as u64),
            Body::Filler(left) => *left,
        })
    }
}

fn with_type(status: StatusCode, content_type: &'static str, body: Body) -> Response {
    let mut response = hyper::Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A `text/plain` answer.
pub(crate) fn text(status: StatusCode, body: impl Into<Bytes>) -> Response {
    with_type(status, "text/plain", Body::Whole(Some(body.into())))
}

/// An `application/json` answer.
pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Response {
    with_type(status, "application/json", Body::Whole(Some(body.into())))
}

/// A `text/plain` answer of `len` filler bytes.
pub(crate) fn filler(len: u64) -> Response {
    with_type(StatusCode::OK, "text/plain", Body::Filler(len))
}

/// The metadata service's error page: `<code> - <reason>`, e.g. `403 - Forbidden`.
pub(crate) fn status_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Unknown");
    text(status, format!("{} - {reason}", status.as_u16()))
}
