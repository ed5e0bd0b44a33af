//! systemd's notification protocol (sd_notify(3)), for `Type=notify` units:
//! the daemon says when it is ready (its component compiled, its state open,
//! its mailboxes started), what it has done (`systemctl status` shows the
//! STATUS line), and that it is stopping. Without NOTIFY_SOCKET, nothing.

use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Sends `state` (`READY=1`, `STATUS=...`, `STOPPING=1`) to systemd, if it
/// listens (NOTIFY_SOCKET); a failure is ignored, as sd_notify does.
pub fn notify(state: &str) {
    if let Some(path) = std::env::var_os("NOTIFY_SOCKET") {
        send(&path, state);
    }
}

fn send(path: &std::ffi::OsStr, state: &str) {
    let Ok(socket) = UnixDatagram::unbound() else {
        return;
    };
    let bytes = path.as_encoded_bytes();
    // `@name` is a socket in Linux's abstract namespace.
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        if let Ok(addr) = std::os::unix::net::SocketAddr::from_abstract_name(name) {
            let _ = socket.send_to_addr(state.as_bytes(), &addr);
        }
    } else {
        let _ = socket.send_to(state.as_bytes(), path);
    }
}

/// The STATUS line: what every mailbox delivered since the start, and when
/// the last step ended. Sent after each step (a datagram: cheap).
pub struct Status {
    /// NOTIFY_SOCKET, read once.
    socket: Option<std::ffi::OsString>,
    delivered: AtomicU64,
    steps: AtomicU64,
    failing: Mutex<std::collections::BTreeSet<String>>,
}

impl Status {
    pub fn from_env() -> Status {
        Status::to(std::env::var_os("NOTIFY_SOCKET"))
    }

    fn to(socket: Option<std::ffi::OsString>) -> Status {
        Status {
            socket,
            delivered: AtomicU64::new(0),
            steps: AtomicU64::new(0),
            failing: Mutex::default(),
        }
    }

    pub fn step(&self, mailbox: &str, delivered: usize, failed: bool) {
        let total = self.delivered.fetch_add(delivered as u64, Ordering::SeqCst) + delivered as u64;
        let steps = self.steps.fetch_add(1, Ordering::SeqCst) + 1;
        let failing = {
            let mut f = self.failing.lock().unwrap_or_else(|p| p.into_inner());
            if failed {
                f.insert(mailbox.to_string());
            } else {
                f.remove(mailbox);
            }
            f.len()
        };
        let failing = match failing {
            0 => String::new(),
            n => format!("; {n} mailbox(es) failing (ews-host status)"),
        };
        if let Some(socket) = &self.socket {
            send(
                socket,
                &format!(
                    "STATUS={total} emails delivered in {steps} steps since the start{failing}"
                ),
            );
        }
    }
}

/// One mailbox's view of `Status`, as a step observer.
pub struct MailboxStatus<'a> {
    pub status: &'a Status,
    pub mailbox: String,
}

impl super::scheduler::StepObserver for MailboxStatus<'_> {
    fn step(&self, report: &super::scheduler::StepReport, _took: Duration) {
        self.status
            .step(&self.mailbox, report.delivered(), report.failure.is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_reach_the_socket_systemd_names() {
        let dir = std::env::temp_dir().join(format!("ews-notify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        let listener = UnixDatagram::bind(&path).unwrap();
        listener
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        send(path.as_os_str(), "READY=1");
        let status = Status::to(Some(path.clone().into_os_string()));
        status.step("soc", 3, false);
        status.step("abuse", 0, true);
        let mut buf = [0u8; 512];
        let mut got = Vec::new();
        for _ in 0..3 {
            let n = listener.recv(&mut buf).unwrap();
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        assert_eq!(got[0], "READY=1");
        assert_eq!(
            got[1],
            "STATUS=3 emails delivered in 1 steps since the start"
        );
        assert_eq!(
            got[2],
            "STATUS=3 emails delivered in 2 steps since the start; 1 mailbox(es) failing (ews-host status)"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
