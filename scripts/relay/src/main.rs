//! The benchmark's network: a TCP relay between a tool and an S3 server on
//! 127.0.0.1 that makes each connection behave as if it crossed a WAN.
//!
//!     svn2s3-relay LISTEN_PORT UPSTREAM_PORT ROUND_TRIP_MS
//!
//! Every chunk is held half the round trip in each direction, in order, so a
//! request and its answer cost one round trip however small they are. A new
//! connection costs one round trip more before its first byte goes on, as
//! TCP's handshake does. Each direction holds at most `WINDOW` bytes in
//! flight (Linux's default largest socket buffer), so one connection moves
//! at most `WINDOW` per half round trip, as a TCP connection is bound by its
//! window. Prints `listening` once it accepts connections.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

/// Bytes read at a time.
const CHUNK: usize = 64 << 10;
/// Bytes in flight in one direction of one connection, at most: a window of
/// 64 chunks (fewer bytes where reads come back short).
const WINDOW: usize = 4 << 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, round_trip] = &args[..] else {
        eprintln!("usage: svn2s3-relay LISTEN_PORT UPSTREAM_PORT ROUND_TRIP_MS");
        std::process::exit(2);
    };
    let port = |text: &str| text.parse::<u16>().expect("a port number");
    let (listen, upstream) = (port(listen), port(upstream));
    let one_way = Duration::from_micros(round_trip.parse::<u64>().expect("milliseconds") * 500);
    let listener = TcpListener::bind(("127.0.0.1", listen)).await?;
    println!("listening");
    loop {
        let (client, _) = listener.accept().await?;
        tokio::spawn(async move {
            let opened = Instant::now();
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            for stream in [&client, &server] {
                stream.set_nodelay(true).ok();
            }
            let (from_client, to_client) = client.into_split();
            let (from_server, to_server) = server.into_split();
            // The handshake: nothing crosses before a round trip has passed.
            let first = opened + 2 * one_way;
            tokio::join!(
                carry(from_client, to_server, one_way, first),
                carry(from_server, to_client, one_way, first),
            );
        });
    }
}

/// Moves bytes one way, each chunk released `delay` after it was read, or
/// after `first` if it was read before; the reader waits while the window
/// is full.
async fn carry(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, delay: Duration, first: Instant) {
    let (sender, mut held) = mpsc::channel::<(Instant, Vec<u8>)>(WINDOW / CHUNK);
    let read = async move {
        loop {
            let mut chunk = vec![0; CHUNK];
            match from.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    chunk.truncate(n);
                    let due = Instant::now().max(first) + delay;
                    if sender.send((due, chunk)).await.is_err() {
                        break;
                    }
                }
            }
        }
        // Dropping the sender ends the writer once it has released the rest.
    };
    let write = async move {
        while let Some((due, chunk)) = held.recv().await {
            sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        to.shutdown().await.ok();
    };
    tokio::join!(read, write);
}
