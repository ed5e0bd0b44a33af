//! MIME to record (see docs/daemon.md).
