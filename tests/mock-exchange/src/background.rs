//! A loopback HTTP/1.1 server on its own thread and tokio runtime, so that the
//! mocks' APIs stay synchronous for plain `#[test]` functions. Shared by the
//! mock Exchange and the mock engine; dropping it stops and joins the server.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::Context as _;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::TokioIo;

use crate::server::{Dropped, HttpResponse};

pub(crate) struct Background {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Background {
    /// Serves every request on `listener` with `handler(state, request)` until
    /// dropped; returns once the server accepts connections.
    pub fn start<S, H, F>(
        name: &str,
        listener: TcpListener,
        runtime: tokio::runtime::Runtime,
        state: Arc<S>,
        handler: H,
    ) -> anyhow::Result<Background>
    where
        S: Send + Sync + 'static,
        H: Fn(Arc<S>, Request<Incoming>) -> F + Copy + Send + Sync + 'static,
        F: Future<Output = Result<HttpResponse, Dropped>> + Send + 'static,
    {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready_tx.send(Ok(()));
                            serve(listener, state, rx, handler).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        ready_rx
            .recv()
            .with_context(|| format!("the {name} server thread stopped"))??;
        Ok(Background {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }
}

/// Accepts connections until `shutdown` fires.
async fn serve<S, H, F>(
    listener: tokio::net::TcpListener,
    state: Arc<S>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
    handler: H,
) where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, Request<Incoming>) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = Result<HttpResponse, Dropped>> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handler(state.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
