//! Packing emails into requests that stay bounded: at most so many per
//! request, and an answer estimated (from their listed sizes) to stay under
//! a byte limit. The daemon's GetItems and Graph's `$batch`es of MIME share it.

use std::ops::Range;

/// Consecutive runs of `weights`, each at most `max_count` long and weighing
/// at most `max_bytes`, except that a run always takes its first item, so
/// one heavier than `max_bytes` goes alone.
pub fn runs(weights: &[u64], max_count: usize, max_bytes: u64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < weights.len() {
        let mut end = start + 1;
        let mut bytes = weights[start];
        while end < weights.len() && end - start < max_count {
            let next = bytes.saturating_add(weights[end]);
            if next > max_bytes {
                break;
            }
            bytes = next;
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_bounded_by_count_and_bytes_and_take_a_heavy_one_alone() {
        assert_eq!(runs(&[], 3, 10), Vec::<Range<usize>>::new());
        assert_eq!(runs(&[1; 7], 3, 100), [0..3, 3..6, 6..7]);
        assert_eq!(runs(&[4, 4, 4, 4], 10, 8), [0..2, 2..4]);
        assert_eq!(runs(&[20, 1, 1, 20, 20], 10, 10), [0..1, 1..3, 3..4, 4..5]);
        // Weights that would overflow saturate rather than wrap to small.
        assert_eq!(runs(&[u64::MAX, u64::MAX], 10, u64::MAX - 1), [0..1, 1..2]);
    }
}
