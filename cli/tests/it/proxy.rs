//! A fault-injecting HTTP proxy on 127.0.0.1, between svn2s3 and s3s-fs.
//! From a seed, it answers a share of requests with what a real store and a
//! real network do: 503 SlowDown, 500 InternalError, a connection reset
//! (before the store saw the request, or after it did the work), an answer
//! cut off half-way, or a delay. It keeps a log of every request, headers
//! included, and can serve TLS with a certificate of the test's own.
//!
//! Requests run concurrently, so which request draws which fault depends on
//! their order of arrival: a seed fixes the faults' share and kinds, not
//! their exact places.
//!
//! Where s3s-fs is not S3, the proxy answers as S3 does:
//! - s3s-fs checks `If-Match` and `If-None-Match`, but not atomically with
//!   the write; the proxy forwards conditional writes one at a time.
//! - s3s-fs makes a bucket that does not exist at the first write into it;
//!   the proxy answers 404 NoSuchBucket for every bucket but the test's own.
//!
//! It can also answer as S3 or another store would in cases a local server
//! does not reach (see [`Answer`]): a bucket in another region, a
//! DeleteObjects answer with an error for a key, a store without
//! DeleteObjects; and hold every request a fixed time, noting when each
//! began and ended, so that a test can count round trips.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::BUCKET;

type Error = std::io::Error;
type Body = BoxBody<Bytes, Error>;

/// What the proxy does to a request instead of passing it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    SlowDown,
    InternalError,
    /// The connection is reset before the store sees the request.
    ResetBefore,
    /// The store does the work, then the connection is reset.
    ResetAfter,
    /// The store's answer is cut off half-way.
    Truncate,
    Delay,
}

const FAULTS: [Fault; 6] = [
    Fault::SlowDown,
    Fault::InternalError,
    Fault::ResetBefore,
    Fault::ResetAfter,
    Fault::Truncate,
    Fault::Delay,
];

/// What the proxy answers in the store's place, as S3 (or a store) would.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// The bucket is in this region: a request signed for another gets
    /// S3's 301 PermanentRedirect, with the region in `x-amz-bucket-region`
    /// (and no body for a HEAD); an unsigned HEAD of the bucket gets the
    /// header too.
    InRegion(&'static str),
    /// As `InRegion`, but answered 400 AuthorizationHeaderMalformed with
    /// the region in the body, as S3 answers a request signed for the wrong
    /// region at the right endpoint.
    SignFor(&'static str),
    /// Every signed request is redirected to this region, whichever it is
    /// signed for: a store that would send a client round in circles.
    AlwaysRedirect(&'static str),
    /// DeleteObjects answers name `key` as an error with `code`, the first
    /// `times` times it is asked for (the store deleted it all the same).
    DeleteError {
        key: &'static str,
        code: &'static str,
        times: usize,
    },
    /// DeleteObjects is answered 501 NotImplemented.
    NoMultiDelete,
    /// Every request waits this long before it goes on.
    Delay(Duration),
    /// The first this many uploads (PUTs without a condition) go on; the
    /// one after them, and every request after it, is held and never
    /// answered: a store that stops at a known point, for as long as the
    /// proxy lives.
    HoldUploadsAfter(usize),
}

/// A fault for the first request that matches.
struct Once {
    matches: fn(&str, &str) -> bool,
    armed: std::sync::atomic::AtomicBool,
}

/// One request the proxy took, and the fault it injected.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub fault: Option<Fault>,
    pub began: Instant,
    /// When its answer was ready (`None` for a request that was not answered).
    pub ended: Option<Instant>,
}

/// The PUT of the object at `path` (the key's end) among `seen`.
#[track_caller]
pub fn put_of<'a>(seen: &'a [Seen], path: &str) -> &'a Seen {
    (seen.iter())
        .find(|s| s.method == "PUT" && s.target.ends_with(&format!("/{path}")))
        .unwrap_or_else(|| panic!("no PUT of {path}: {seen:#?}"))
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
    tls: bool,
    _runtime: tokio::runtime::Runtime,
}

struct Shared {
    upstream: u16,
    /// Faults per million requests.
    rate: AtomicUsize,
    kinds: Vec<Fault>,
    /// Instead of a share drawn at random: every n-th request.
    every: Option<usize>,
    /// Instead of a share drawn at random: the first request that matches.
    once: Option<Once>,
    taken: AtomicUsize,
    rng: Mutex<fastrand::Rng>,
    log: Mutex<Vec<Seen>>,
    conditional: Arc<tokio::sync::Mutex<()>>,
    answer: Option<Answer>,
    /// How often `Answer::DeleteError` has answered so far.
    answered: AtomicUsize,
    /// How many uploads `Answer::HoldUploadsAfter` let go on.
    uploads: AtomicUsize,
    /// How many requests `Answer::HoldUploadsAfter` holds.
    held: AtomicUsize,
    /// Requests taken and not settled yet: neither answered in the
    /// server's place nor answered by the server.
    unsettled: Arc<AtomicUsize>,
}

impl Proxy {
    /// A proxy to the server on `upstream` that injects a fault into `rate`
    /// (0.0 to 1.0) of the requests, drawn from `seed`.
    pub fn start(upstream: u16, seed: u64, rate: f64) -> Proxy {
        Proxy::only(upstream, seed, rate, &FAULTS)
    }

    /// A proxy that injects only faults of `kinds`.
    pub fn only(upstream: u16, seed: u64, rate: f64, kinds: &[Fault]) -> Proxy {
        Proxy::launch(upstream, seed, rate, kinds, None, None)
    }

    /// A proxy that injects `fault` into every `n`-th request, and only there.
    pub fn every(upstream: u16, n: usize, fault: Fault) -> Proxy {
        Proxy::launch(upstream, 0, 0.0, &[fault], Some(n), None)
    }

    /// A proxy that injects `fault` into the first request whose method and
    /// target (path and query) `matches` accepts, and into no other.
    pub fn once(upstream: u16, matches: fn(&str, &str) -> bool, fault: Fault) -> Proxy {
        let once = Once {
            matches,
            armed: std::sync::atomic::AtomicBool::new(true),
        };
        Proxy::launch_with(upstream, 0, 0.0, &[fault], None, Some(once), None)
    }

    /// A proxy without faults that answers in the store's place as `answer` says.
    pub fn answering(upstream: u16, answer: Answer) -> Proxy {
        Proxy::launch_full(upstream, 0, 0.0, &[], None, None, None, Some(answer))
    }

    /// A proxy without faults that speaks TLS with the certificate `cert`
    /// and its key, both PEM.
    pub fn tls(upstream: u16, cert: &str, key: &str) -> Proxy {
        let certs = certificates(cert);
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        Proxy::launch(upstream, 0, 0.0, &[], None, Some(Arc::new(config)))
    }

    fn launch(
        upstream: u16,
        seed: u64,
        rate: f64,
        kinds: &[Fault],
        every: Option<usize>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Proxy {
        Proxy::launch_with(upstream, seed, rate, kinds, every, None, tls)
    }

    fn launch_with(
        upstream: u16,
        seed: u64,
        rate: f64,
        kinds: &[Fault],
        every: Option<usize>,
        once: Option<Once>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Proxy {
        Proxy::launch_full(upstream, seed, rate, kinds, every, once, tls, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn launch_full(
        upstream: u16,
        seed: u64,
        rate: f64,
        kinds: &[Fault],
        every: Option<usize>,
        once: Option<Once>,
        tls: Option<Arc<rustls::ServerConfig>>,
        answer: Option<Answer>,
    ) -> Proxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream,
            rate: AtomicUsize::new((rate * 1e6) as usize),
            kinds: kinds.to_vec(),
            every,
            once,
            taken: AtomicUsize::new(0),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            log: Mutex::new(Vec::new()),
            conditional: Arc::default(),
            answer,
            answered: AtomicUsize::new(0),
            uploads: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            unsettled: Arc::default(),
        });
        let is_tls = tls.is_some();
        runtime.spawn(accept(listener, Arc::clone(&shared), tls));
        Proxy {
            port,
            shared,
            tls: is_tls,
            _runtime: runtime,
        }
    }

    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Changes the share of requests that get a fault.
    pub fn set_rate(&self, rate: f64) {
        self.shared
            .rate
            .store((rate * 1e6) as usize, Ordering::Relaxed);
    }

    /// Every request taken so far, oldest first.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.shared.log.lock().unwrap().len()
    }

    /// Waits until the server has answered every request passed on to it,
    /// those whose client hung up included: after that, no request of a
    /// publish that ended can still change the bucket.
    pub fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.shared.unsettled.load(Ordering::SeqCst) > 0 {
            assert!(Instant::now() < deadline, "the server never answered");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How many requests are held, never to be answered
    /// (`Answer::HoldUploadsAfter`).
    pub fn held(&self) -> usize {
        self.shared.held.load(Ordering::SeqCst)
    }
}

fn certificates(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(Result::unwrap)
        .collect()
}

async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // A connection dropped mid-request is then a reset, not a clean close.
        stream.set_zero_linger().ok();
        let shared = Arc::clone(&shared);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { handle(&shared, request).await }
            });
            let http = hyper::server::conn::http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    // A client that refuses the certificate ends here.
                    if let Ok(stream) = acceptor.accept(stream).await {
                        http.serve_connection(TokioIo::new(stream), service)
                            .await
                            .ok();
                    }
                }
                None => {
                    http.serve_connection(TokioIo::new(stream), service)
                        .await
                        .ok();
                }
            }
        });
    }
}

/// Answers one request: passes it on, or injects the fault it draws. An
/// `Err` makes hyper drop the connection, which the zero linger turns into a
/// reset.
async fn handle(shared: &Shared, request: Request<Incoming>) -> Result<Response<Body>, Error> {
    let fault = shared.draw(request.method().as_str(), &request.uri().to_string());
    let index = {
        let mut log = shared.log.lock().unwrap();
        let index = log.len();
        log.push(Seen {
            method: request.method().to_string(),
            target: request.uri().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.to_string(), value)
                })
                .collect(),
            fault,
            began: Instant::now(),
            ended: None,
        });
        index
    };
    let unsettled = Unsettled::new(&shared.unsettled);
    let answered = answer(shared, request, fault, unsettled).await;
    if answered.is_ok() {
        shared.log.lock().unwrap()[index].ended = Some(Instant::now());
    }
    answered
}

/// A request taken and not yet settled, counted while it lives: dropped
/// once it is answered in the server's place, with its handler when the
/// client hangs up before it went on, or by the task that passes it on
/// once the server has answered.
struct Unsettled(Arc<AtomicUsize>);

impl Unsettled {
    fn new(count: &Arc<AtomicUsize>) -> Unsettled {
        count.fetch_add(1, Ordering::SeqCst);
        Unsettled(Arc::clone(count))
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the proxy answers to a request, with the fault it drew.
async fn answer(
    shared: &Shared,
    request: Request<Incoming>,
    fault: Option<Fault>,
    unsettled: Unsettled,
) -> Result<Response<Body>, Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(fail)?.to_bytes();
    let bucket = parts.uri.path().trim_start_matches('/').split('/').next();
    if bucket != Some(BUCKET) {
        return Ok(s3_error(404, "NoSuchBucket"));
    }
    let conditional = parts.method == hyper::Method::PUT
        && (parts.headers.contains_key("if-match") || parts.headers.contains_key("if-none-match"));
    match shared.answer {
        Some(Answer::Delay(wait)) => tokio::time::sleep(wait).await,
        Some(Answer::HoldUploadsAfter(uploads)) => {
            let upload = parts.method == hyper::Method::PUT && !conditional;
            let holding = shared.held.load(Ordering::SeqCst) > 0;
            if holding || (upload && shared.uploads.fetch_add(1, Ordering::SeqCst) >= uploads) {
                shared.held.fetch_add(1, Ordering::SeqCst);
                // Never passed on: nothing to settle.
                drop(unsettled);
                return std::future::pending().await;
            }
        }
        Some(answer) => {
            if let Some(response) = in_place(answer, &parts) {
                return Ok(response);
            }
        }
        None => {}
    }
    match fault {
        Some(Fault::SlowDown) => return Ok(s3_error(503, "SlowDown")),
        Some(Fault::InternalError) => return Ok(s3_error(500, "InternalError")),
        Some(Fault::ResetBefore) => return Err(fail("reset before forwarding")),
        Some(Fault::Delay) => {
            let millis = shared.rng.lock().unwrap().u64(50..400);
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        _ => {}
    }

    let one_at_a_time = match conditional {
        true => Some(Arc::clone(&shared.conditional).lock_owned().await),
        false => None,
    };
    let head = parts.method == hyper::Method::HEAD;
    let asked = body.clone();
    // Passed on by a task of its own, which a client that hangs up does
    // not cancel: the server may have it already (see `Proxy::settle`),
    // and the next conditional write waits for its answer all the same.
    let (upstream, request) = (shared.upstream, Request::from_parts(parts, body));
    let forwarded = tokio::spawn(async move {
        let response = forward(upstream, request).await;
        drop(one_at_a_time);
        drop(unsettled);
        response
    });
    let response = forwarded.await.map_err(fail)??;

    let (parts, body) = response.into_parts();
    match fault {
        Some(Fault::ResetAfter) => Err(fail("reset after forwarding")),
        Some(Fault::Truncate) if head || body.is_empty() => Err(fail("nothing to cut off")),
        Some(Fault::Truncate) => {
            // The headers promise the whole body; half comes, then the connection drops.
            let half = body.slice(..body.len() / 2);
            let frames: Vec<Result<Frame<Bytes>, Error>> =
                vec![Ok(Frame::data(half)), Err(fail("cut off"))];
            let stream = futures_util::stream::iter(frames);
            Ok(Response::from_parts(parts, StreamBody::new(stream).boxed()))
        }
        _ => {
            let body = match shared.answer {
                Some(Answer::DeleteError { key, code, times }) => {
                    let named =
                        String::from_utf8_lossy(&asked).contains(&format!("<Key>{key}</Key>"));
                    let text = String::from_utf8_lossy(&body);
                    if named
                        && text.contains("</DeleteResult>")
                        && shared.answered.fetch_add(1, Ordering::Relaxed) < times
                    {
                        // In place of its <Deleted>, or beside the others
                        // where a quiet answer lists none.
                        let error = format!(
                            "<Error><Key>{key}</Key><Code>{code}</Code>\
                             <Message>injected by the test proxy</Message></Error>"
                        );
                        let text =
                            text.replace(&format!("<Deleted><Key>{key}</Key></Deleted>"), "");
                        Bytes::from(
                            text.replace("</DeleteResult>", &format!("{error}</DeleteResult>")),
                        )
                    } else {
                        body
                    }
                }
                _ => body,
            };
            let mut parts = parts;
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
            Ok(Response::from_parts(parts, full(body)))
        }
    }
}

/// S3's answer to a request that the store must not see, if it is one.
fn in_place(answer: Answer, request: &hyper::http::request::Parts) -> Option<Response<Body>> {
    let bucket_itself = matches!(request.uri.path(), "/media" | "/media/");
    let head = request.method == hyper::Method::HEAD;
    match answer {
        Answer::InRegion(region) | Answer::SignFor(region) | Answer::AlwaysRedirect(region) => {
            let signed = request
                .headers
                .get("authorization")
                .and_then(|auth| auth.to_str().ok())
                .and_then(|auth| auth.split("Credential=").nth(1))
                .and_then(|credential| credential.split('/').nth(2));
            let answer = match (signed, answer) {
                (None, _) if head && bucket_itself => {
                    Response::builder().status(200).body(full(Bytes::new()))
                }
                (Some(signed), Answer::InRegion(_) | Answer::SignFor(_)) if signed == region => {
                    return None
                }
                (None, _) => return None,
                (Some(_), Answer::SignFor(_)) => {
                    let xml = format!(
                        "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region is \
                         wrong; expecting '{region}'</Message><Region>{region}</Region></Error>"
                    );
                    Response::builder().status(400).body(full(Bytes::from(xml)))
                }
                (Some(_), _) => {
                    let xml = format!(
                        "<Error><Code>PermanentRedirect</Code><Message>The bucket you are \
                         attempting to access must be addressed using the specified endpoint.\
                         </Message><Endpoint>s3.{region}.amazonaws.com</Endpoint></Error>"
                    );
                    let body = if head { Bytes::new() } else { Bytes::from(xml) };
                    Response::builder().status(301).body(full(body))
                }
            };
            let mut answer = answer.unwrap();
            answer
                .headers_mut()
                .insert("x-amz-bucket-region", region.parse().unwrap());
            Some(answer)
        }
        Answer::NoMultiDelete
            if request.method == hyper::Method::POST
                && request
                    .uri
                    .query()
                    .is_some_and(|q| q.split('&').any(|p| p.starts_with("delete"))) =>
        {
            Some(s3_error(501, "NotImplemented"))
        }
        _ => None,
    }
}

impl Shared {
    fn draw(&self, method: &str, target: &str) -> Option<Fault> {
        if let Some(once) = &self.once {
            let fire = (once.matches)(method, target) && once.armed.swap(false, Ordering::Relaxed);
            return fire.then_some(self.kinds[0]);
        }
        let taken = self.taken.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(n) = self.every {
            return (taken % n == 0).then_some(self.kinds[0]);
        }
        let mut rng = self.rng.lock().unwrap();
        if rng.usize(..1_000_000) >= self.rate.load(Ordering::Relaxed) {
            return None;
        }
        Some(self.kinds[rng.usize(..self.kinds.len())])
    }
}

/// Sends a request to the server on `port` over a connection of its own.
async fn forward(port: u16, request: Request<Bytes>) -> Result<Response<Bytes>, Error> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(fail)?;
    tokio::spawn(connection);
    let (parts, body) = request.into_parts();
    let response = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await
        .map_err(fail)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(fail)?.to_bytes();
    Ok(Response::from_parts(parts, body))
}

fn fail(why: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::other(why)
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}

fn s3_error(status: u16, code: &str) -> Response<Body> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>"
    );
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/xml")
        .body(full(Bytes::from(xml)))
        .unwrap()
}
