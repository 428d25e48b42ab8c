//! Seeded random streams and the few distributions the generator draws from.
//!
//! Every purpose (a deal's lifecycle, one fault's decisions about that deal, an organization's
//! attributes...) draws from its own ChaCha8 stream keyed by (seed, stream, key). Adding draws to
//! one purpose therefore never shifts another's, and the order in which deals are processed
//! cannot change what any single deal looks like.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator's random number generator.
pub(super) type GenRng = ChaCha8Rng;

/// Stream ids of the generator's purposes. Injectors use ids from 100 up (see `faults`).
pub(super) mod stream {
    /// Arrival of a base deal: origin, organization, owner, creation time.
    pub const ARRIVAL: u64 = 1;
    /// A deal's human lifecycle: stages, status, edits.
    pub const DEAL: u64 = 2;
    /// A deal's human activities and notes.
    pub const ACTIVITY: u64 = 3;
    /// Manager bulk-edit batches (keyed by month).
    pub const BULK_BATCH: u64 = 4;
    /// Per-day targets of the billing sync (keyed by day).
    pub const BILLING_DAY: u64 = 5;
}

/// SplitMix64 finaliser: a cheap, well-mixed 64-bit hash step.
pub(super) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Deterministic hash of three words, for attributes computed on demand without a generator.
pub(super) fn hash3(a: u64, b: u64, c: u64) -> u64 {
    splitmix(splitmix(splitmix(a) ^ b) ^ c)
}

/// The generator for one purpose (`stream`) and one key (deal id, month index...).
pub(super) fn rng_for(seed: u64, stream: u64, key: u64) -> GenRng {
    let words =
        [splitmix(seed), hash3(seed, stream, 1), hash3(key, stream, 2), hash3(seed, key, stream)];
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    GenRng::from_seed(bytes)
}

/// A Poisson draw (Knuth's method; the means used here are small).
pub(super) fn poisson(rng: &mut GenRng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut product = 1.0;
    let mut k = 0;
    loop {
        product *= rng.random::<f64>();
        if product <= limit || k >= 64 {
            return k;
        }
        k += 1;
    }
}

/// A log-normal draw with the given median and shape `sigma`.
pub(super) fn lognormal(rng: &mut GenRng, median: f64, sigma: f64) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    median * (sigma * normal).exp()
}

/// Picks one item by integer weight.
pub(super) fn weighted<'a, T>(rng: &mut GenRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (item, weight) in items {
        if pick < *weight {
            return item;
        }
        pick -= weight;
    }
    &items[items.len() - 1].0
}

/// Picks one element of a non-empty slice uniformly.
pub(super) fn pick<'a, T>(rng: &mut GenRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Lower-case hex text of `len` digits drawn from `rng` (ids such as event UIDs).
pub(super) fn hex(rng: &mut GenRng, len: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..len).map(|_| char::from(DIGITS[rng.random_range(0..16)])).collect()
}
