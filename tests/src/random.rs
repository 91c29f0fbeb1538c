//! What the bounded random-input tests share: a small deterministic
//! generator, byte mutations of valid text, and the seeds of a run (fixed
//! ones plus one from the clock, printed by the tests so a failure can be
//! reproduced).

/// xorshift64*: small, deterministic, good enough to explore inputs.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// `text` with one to four bytes replaced, removed or inserted (JSON punctuation mostly).
pub fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let i = rng.below(bytes.len());
        match rng.below(3) {
            0 => bytes[i] = (rng.next_u64() & 0xff) as u8,
            1 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, b"{}[],:\"\\0e-"[rng.below(11)]),
        }
    }
    bytes
}

/// The seeds of this run: three fixed, one from the clock.
pub fn seeds() -> Vec<u64> {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7);
    vec![1, 0xDEAD_BEEF, 0x1234_5678_9ABC, clock | 1]
}
