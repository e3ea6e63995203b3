//! A WebSocket front for the test broker: Debian's mosquitto 2.0.11 fails to
//! open `protocol websockets` listeners, so tests reach it through this
//! bridge — `ws://` (or `wss://` with a certificate), subprotocol `mqtt`,
//! binary frames relayed to and from the broker's TCP port.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

pub struct WsBridge {
    pub port: u16,
}

impl WsBridge {
    /// Listen on a free port; relay each WebSocket to `127.0.0.1:broker_port`.
    /// With `tls` (certificate, key), speak `wss://`.
    pub fn start(broker_port: u16, tls: Option<(&Path, &Path)>) -> WsBridge {
        let acceptor = tls.map(|(cert, key)| {
            use rustls::pki_types::pem::PemObject;
            let chain = rustls::pki_types::CertificateDer::pem_file_iter(cert)
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key).unwrap();
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap();
            tokio_rustls::TlsAcceptor::from(Arc::new(config))
        });
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = std_listener.local_addr().unwrap().port();
        std_listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else { return };
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let broker = SocketAddr::from(([127, 0, 0, 1], broker_port));
                        match acceptor {
                            Some(a) => {
                                if let Ok(tls) = a.accept(tcp).await {
                                    relay(tls, broker).await;
                                }
                            }
                            None => relay(tcp, broker).await,
                        }
                    });
                }
            });
        });
        WsBridge { port }
    }
}

/// Answer the upgrade with the `mqtt` subprotocol, as a broker must.
#[allow(clippy::result_large_err)] // the callback's signature is tungstenite's
fn with_mqtt(_req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
    resp.headers_mut()
        .insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());
    Ok(resp)
}

async fn relay<S: AsyncRead + AsyncWrite + Unpin>(stream: S, broker: SocketAddr) {
    let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, with_mqtt).await else {
        return;
    };
    let Ok(tcp) = TcpStream::connect(broker).await else {
        return;
    };
    let (mut ws_tx, mut ws_rx) = ws.split();
    let (mut br, mut bw) = tcp.into_split();
    let up = async move {
        while let Some(Ok(msg)) = ws_rx.next().await {
            let bytes = match msg {
                Message::Binary(b) => b,
                Message::Close(_) => break,
                _ => continue,
            };
            if bw.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = bw.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match br.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if ws_tx.send(Message::Binary(buf[..n].to_vec().into())).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = ws_tx.close().await;
    };
    tokio::join!(up, down);
}
