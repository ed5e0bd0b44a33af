//! Memory limits per store. Wraps `StoreLimits` to remember that a limit was
//! hit: a Rust guest whose allocation fails aborts with `unreachable`, and
//! without this flag that would read as a plain trap instead of "exceeded its
//! memory limit".

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

pub struct Limits {
    inner: StoreLimits,
    pub max_memory_mb: u64,
    pub memory_exceeded: bool,
    /// The largest the guest's linear memory grew to (it never shrinks):
    /// what the call cost, logged at debug after each call.
    pub peak_memory: usize,
}

impl Limits {
    pub fn new(max_memory_mb: u64) -> Self {
        let bytes = usize::try_from(max_memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
        Limits {
            inner: StoreLimitsBuilder::new().memory_size(bytes).build(),
            max_memory_mb,
            memory_exceeded: false,
            peak_memory: 0,
        }
    }
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = self.inner.memory_growing(current, desired, maximum)?;
        self.memory_exceeded |= !ok;
        if ok {
            self.peak_memory = self.peak_memory.max(desired);
        }
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }
    fn tables(&self) -> usize {
        self.inner.tables()
    }
    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
