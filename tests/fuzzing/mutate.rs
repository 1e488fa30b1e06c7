//! Byte-level mutations of real exports, described as data so a failing case can be printed,
//! replayed and shrunk: flip or set a byte, insert bytes (NUL, BOMs, CR, quotes, non-ASCII,
//! invalid UTF-8, lone UTF-16 surrogates, long runs), delete, duplicate or repeat a range,
//! splice a range of another file in, truncate, and re-encode the whole file as UTF-16.
//!
//! Mutations are drawn with `arbitrary` from any byte source: the property test feeds it a
//! seeded pseudo-random stream, a cargo-fuzz target could feed it libFuzzer's input.
//! Positions are taken modulo the current length, or anchored after the n-th occurrence of a
//! byte that means something to some format (line break, quote, comma, `=`, `<`, ...), which
//! is where parsers make their decisions.

#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};

/// Where in the input a mutation applies.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Pos {
    /// Byte offset, modulo the length.
    At(u32),
    /// Just after the n-th occurrence (modulo their count) of a structural byte.
    After(Mark, u16),
}

/// Bytes formats decide on.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Mark {
    Newline,
    Quote,
    Comma,
    Equals,
    Colon,
    Backslash,
    Less,
    Greater,
    Bracket,
    Brace,
    Space,
    Hash,
}

impl Mark {
    fn byte(self) -> u8 {
        match self {
            Mark::Newline => b'\n',
            Mark::Quote => b'"',
            Mark::Comma => b',',
            Mark::Equals => b'=',
            Mark::Colon => b':',
            Mark::Backslash => b'\\',
            Mark::Less => b'<',
            Mark::Greater => b'>',
            Mark::Bracket => b'[',
            Mark::Brace => b'{',
            Mark::Space => b' ',
            Mark::Hash => b'#',
        }
    }
}

/// What an insertion puts in.
#[derive(Arbitrary, Clone, Debug)]
pub enum Insert {
    Nul,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    Cr,
    Lf,
    CrLf,
    /// A structural byte of some format.
    Mark(Mark),
    /// A two-byte UTF-8 character (`é`), which splits wrongly when code counts bytes.
    NonAscii,
    /// A four-byte UTF-8 character (an emoji).
    Astral,
    /// A byte that is never valid UTF-8.
    InvalidUtf8,
    /// A lone UTF-16 surrogate, little-endian.
    LoneSurrogate,
    /// Up to 16 arbitrary bytes.
    Bytes(Vec<u8>),
    /// One byte many times (long lines, long values, deep nesting with `[`, `{` or `<`).
    Run(u8, u16),
}

impl Insert {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Insert::Nul => vec![0],
            Insert::Utf8Bom => vec![0xEF, 0xBB, 0xBF],
            Insert::Utf16LeBom => vec![0xFF, 0xFE],
            Insert::Utf16BeBom => vec![0xFE, 0xFF],
            Insert::Cr => vec![b'\r'],
            Insert::Lf => vec![b'\n'],
            Insert::CrLf => vec![b'\r', b'\n'],
            Insert::Mark(m) => vec![m.byte()],
            Insert::NonAscii => "é".as_bytes().to_vec(),
            Insert::Astral => "😀".as_bytes().to_vec(),
            Insert::InvalidUtf8 => vec![0xFF],
            Insert::LoneSurrogate => vec![0x00, 0xD8],
            Insert::Bytes(b) => b.iter().take(16).copied().collect(),
            Insert::Run(b, n) => vec![*b; usize::from(*n % 20_000)],
        }
    }
}

/// One change to an input.
#[derive(Arbitrary, Clone, Debug)]
pub enum Mutation {
    Flip(Pos, u8),
    Set(Pos, u8),
    Insert(Pos, Insert),
    Delete(Pos, u16),
    /// Copies `len` bytes from the first position to the second.
    Duplicate(Pos, u16, Pos),
    /// Repeats a range in place `n` times (a record or line written over and over).
    Repeat(Pos, u16, u8),
    /// Puts `len` bytes of another seed (index modulo their number) at a position.
    Splice {
        seed: u16,
        from: u32,
        len: u16,
        at: Pos,
    },
    Truncate(Pos),
    /// Re-encodes the whole input (decoded as the pipeline would) as UTF-16.
    Utf16 {
        big_endian: bool,
        bom: bool,
    },
}

/// Inputs never grow past this, so a run of `Repeat`s stays a test of parsers, not of memory.
pub const MAX_LEN: usize = 4 << 20;

fn resolve(pos: Pos, data: &[u8], end_ok: bool) -> usize {
    let limit = data.len() + usize::from(end_ok);
    if limit == 0 {
        return 0;
    }
    match pos {
        Pos::At(n) => n as usize % limit,
        Pos::After(mark, nth) => {
            let b = mark.byte();
            let count = memchr::memchr_iter(b, data).count();
            if count == 0 {
                return 0;
            }
            memchr::memchr_iter(b, data)
                .nth(usize::from(nth) % count)
                .map_or(0, |i| (i + 1).min(limit - 1))
        }
    }
}

impl Mutation {
    /// Applies the mutation to `data`; `seeds` are the files a splice may take from.
    pub fn apply(&self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        match self {
            Mutation::Flip(at, bit) => {
                if !data.is_empty() {
                    let i = resolve(*at, data, false);
                    data[i] ^= 1 << (bit % 8);
                }
            }
            Mutation::Set(at, byte) => {
                if !data.is_empty() {
                    let i = resolve(*at, data, false);
                    data[i] = *byte;
                }
            }
            Mutation::Insert(at, what) => {
                let i = resolve(*at, data, true);
                let bytes = what.bytes();
                data.splice(i..i, bytes);
            }
            Mutation::Delete(at, len) => {
                let i = resolve(*at, data, false);
                let end = (i + usize::from(*len) % 512 + 1).min(data.len());
                if i < end {
                    data.drain(i..end);
                }
            }
            Mutation::Duplicate(from, len, to) => {
                let i = resolve(*from, data, false);
                let end = (i + usize::from(*len) % 4096 + 1).min(data.len());
                let chunk = data.get(i..end).unwrap_or_default().to_vec();
                let j = resolve(*to, data, true);
                data.splice(j..j, chunk);
            }
            Mutation::Repeat(from, len, times) => {
                let i = resolve(*from, data, false);
                let end = (i + usize::from(*len) % 1024 + 1).min(data.len());
                let chunk = data.get(i..end).unwrap_or_default().to_vec();
                let copies = chunk.repeat(usize::from(*times));
                data.splice(end..end, copies);
            }
            Mutation::Splice {
                seed,
                from,
                len,
                at,
            } => {
                if seeds.is_empty() {
                    return;
                }
                let other = &seeds[usize::from(*seed) % seeds.len()];
                if other.is_empty() {
                    return;
                }
                let i = *from as usize % other.len();
                let end = (i + usize::from(*len) % 4096 + 1).min(other.len());
                let j = resolve(*at, data, true);
                data.splice(j..j, other[i..end].iter().copied());
            }
            Mutation::Truncate(at) => {
                let i = resolve(*at, data, true);
                data.truncate(i);
            }
            Mutation::Utf16 { big_endian, bom } => {
                let (text, _) = uplint::source::SourceText::decode(data);
                let mut out = Vec::with_capacity(text.text.len() * 2 + 2);
                if *bom {
                    out.extend_from_slice(if *big_endian {
                        &[0xFE, 0xFF]
                    } else {
                        &[0xFF, 0xFE]
                    });
                }
                for unit in text.text.encode_utf16() {
                    out.extend_from_slice(&if *big_endian {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    });
                }
                *data = out;
            }
        }
        data.truncate(MAX_LEN);
    }
}

/// Draws one to four mutations.
pub fn draw(u: &mut Unstructured) -> arbitrary::Result<Vec<Mutation>> {
    let n = u.int_in_range(1..=4)?;
    (0..n).map(|_| Mutation::arbitrary(u)).collect()
}

/// A seeded pseudo-random byte stream (SplitMix64), the source the property test draws from:
/// the same seed and case number always give the same case.
pub fn stream(seed: u64, case: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}
