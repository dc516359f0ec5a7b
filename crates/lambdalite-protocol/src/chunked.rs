//! The `aws-chunked` body framing of S3 uploads.
//!
//! A streaming upload (`x-amz-content-sha256: STREAMING-…`) sends its data
//! as chunks: `SIZE-IN-HEX[;chunk-signature=SIG]\r\nDATA\r\n`, ending with
//! a chunk of size 0, then, when the request announced `x-amz-trailer`,
//! trailing headers (`x-amz-checksum-crc32:VALUE`, and for a signed
//! payload `x-amz-trailer-signature:SIG`), then an empty line. The decoder
//! takes the body as it arrives, in pieces of any size, hands the data on
//! without keeping it, and checks each chunk's signature when the payload
//! is signed.

use bytes::{Buf, Bytes, BytesMut};
use sha2::{Digest, Sha256};

use crate::sigv4::ChunkSigner;

/// Why a chunked body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// The framing is broken (a bad size line, a missing CRLF, a body that
    /// ends early).
    Malformed(String),
    /// A chunk's or the trailer's signature does not follow the chain.
    Signature,
}

/// The longest header or trailer line the decoder keeps.
const LINE_MAX: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk's size line.
    Size,
    /// `n` bytes of the chunk's data still to come.
    Data(usize),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailing header lines, up to an empty one.
    Trailer,
    Done,
}

/// Decodes one `aws-chunked` body.
pub struct ChunkDecoder {
    state: State,
    buf: BytesMut,
    signer: Option<ChunkSigner>,
    /// The signature the current chunk's size line named.
    chunk_signature: String,
    chunk_hash: Sha256,
    trailers: Vec<(String, String)>,
    trailer_signature: Option<String>,
    decoded: u64,
}

impl ChunkDecoder {
    /// A decoder; with `signer`, every chunk's signature is checked.
    pub fn new(signer: Option<ChunkSigner>) -> ChunkDecoder {
        ChunkDecoder {
            state: State::Size,
            buf: BytesMut::new(),
            signer,
            chunk_signature: String::new(),
            chunk_hash: Sha256::new(),
            trailers: Vec::new(),
            trailer_signature: None,
            decoded: 0,
        }
    }

    /// Takes the next piece of the body; the data it holds is pushed to
    /// `out` (slices of `input`, not copies, when a chunk's data is
    /// contiguous).
    pub fn push(&mut self, input: Bytes, out: &mut Vec<Bytes>) -> Result<(), ChunkError> {
        let mut input = input;
        loop {
            match self.state {
                State::Data(n) => {
                    if input.is_empty() {
                        return Ok(());
                    }
                    let take = n.min(input.len());
                    let data = input.split_to(take);
                    if self.signer.is_some() {
                        self.chunk_hash.update(&data);
                    }
                    self.decoded += take as u64;
                    out.push(data);
                    self.state = if take == n {
                        State::DataEnd
                    } else {
                        State::Data(n - take)
                    };
                }
                State::Done => {
                    if input.iter().all(|b| b.is_ascii_whitespace()) {
                        return Ok(());
                    }
                    return Err(ChunkError::Malformed("data after the last chunk".into()));
                }
                State::DataEnd => {
                    self.buf.extend_from_slice(&input);
                    input.clear();
                    if self.buf.len() < 2 {
                        return Ok(());
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(ChunkError::Malformed(
                            "a chunk's data is not followed by CRLF".into(),
                        ));
                    }
                    self.buf.advance(2);
                    self.end_chunk()?;
                    self.state = State::Size;
                    input = self.buf.split().freeze();
                }
                State::Size | State::Trailer => {
                    self.buf.extend_from_slice(&input);
                    input.clear();
                    let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") else {
                        if self.buf.len() > LINE_MAX {
                            return Err(ChunkError::Malformed("a line is too long".into()));
                        }
                        return Ok(());
                    };
                    let line = self.buf.split_to(end + 2);
                    let line = std::str::from_utf8(&line[..end])
                        .map_err(|_| ChunkError::Malformed("a line is not text".into()))?
                        .to_string();
                    if self.state == State::Size {
                        self.size_line(&line)?;
                    } else {
                        self.trailer_line(&line)?;
                    }
                    input = self.buf.split().freeze();
                }
            }
        }
    }

    fn size_line(&mut self, line: &str) -> Result<(), ChunkError> {
        let (size, ext) = line.split_once(';').unwrap_or((line, ""));
        let size = usize::from_str_radix(size.trim(), 16)
            .map_err(|_| ChunkError::Malformed(format!("bad chunk size {size:?}")))?;
        self.chunk_signature = ext
            .split(';')
            .find_map(|e| e.trim().strip_prefix("chunk-signature="))
            .unwrap_or("")
            .to_string();
        if size == 0 {
            // The last chunk signs empty data.
            self.end_chunk()?;
            self.state = State::Trailer;
        } else {
            self.state = State::Data(size);
        }
        Ok(())
    }

    fn end_chunk(&mut self) -> Result<(), ChunkError> {
        let hash = std::mem::take(&mut self.chunk_hash).finalize();
        if let Some(signer) = &mut self.signer {
            if !signer.chunk(&hash, &self.chunk_signature) {
                return Err(ChunkError::Signature);
            }
        }
        Ok(())
    }

    fn trailer_line(&mut self, line: &str) -> Result<(), ChunkError> {
        if line.is_empty() {
            self.state = State::Done;
            return self.check_trailer();
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| ChunkError::Malformed(format!("bad trailer {line:?}")))?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim().to_string();
        if name == "x-amz-trailer-signature" {
            self.trailer_signature = Some(value);
        } else {
            self.trailers.push((name, value));
        }
        Ok(())
    }

    fn check_trailer(&mut self) -> Result<(), ChunkError> {
        let Some(signer) = &mut self.signer else {
            return Ok(());
        };
        let Some(signature) = &self.trailer_signature else {
            // A signed payload without trailers ends after the last chunk.
            return if self.trailers.is_empty() {
                Ok(())
            } else {
                Err(ChunkError::Signature)
            };
        };
        let canonical: String = self
            .trailers
            .iter()
            .map(|(k, v)| format!("{k}:{v}\n"))
            .collect();
        if signer.trailer(&canonical, signature) {
            Ok(())
        } else {
            Err(ChunkError::Signature)
        }
    }

    /// Ends the body: its trailing headers, or why it is incomplete.
    pub fn finish(mut self) -> Result<Vec<(String, String)>, ChunkError> {
        match self.state {
            State::Done => Ok(self.trailers),
            // Some senders stop after the last trailer line.
            State::Trailer if self.buf.is_empty() => {
                self.check_trailer()?;
                Ok(self.trailers)
            }
            _ => Err(ChunkError::Malformed(
                "the body ended inside a chunk".into(),
            )),
        }
    }

    /// Data bytes decoded so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(body: &[u8], piece: usize) -> (Vec<u8>, Vec<(String, String)>) {
        let mut d = ChunkDecoder::new(None);
        let mut out = Vec::new();
        for p in body.chunks(piece) {
            d.push(Bytes::copy_from_slice(p), &mut out).unwrap();
        }
        let trailers = d.finish().unwrap();
        (out.concat(), trailers)
    }

    #[test]
    fn decodes_whatever_the_pieces() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
        for piece in [1, 2, 3, 7, 100] {
            let (data, trailers) = decode_in_pieces(body, piece);
            assert_eq!(data, b"hello world");
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32".to_string(), "AAAAAA==".to_string())]
            );
        }
    }

    #[test]
    fn refuses_broken_framing() {
        for body in [
            &b"5\r\nhelloXX0\r\n\r\n"[..],
            b"zz\r\n",
            b"5\r\nhel",
            b"5;chunk-signature=ab\r\nhello\r\n",
        ] {
            let mut d = ChunkDecoder::new(None);
            let mut out = Vec::new();
            let r = d
                .push(Bytes::copy_from_slice(body), &mut out)
                .and_then(|_| d.finish().map(|_| ()));
            assert!(r.is_err(), "{body:?}");
        }
    }

    #[test]
    fn checks_the_signature_chain_of_aws_example() {
        // AWS's documented example of a chunked upload (SigV4 streaming):
        // 65 KiB of 'a' in chunks of 64 KiB and 1 KiB.
        let key = {
            let scope = "20130524/us-east-1/s3/aws4_request";
            crate::sigv4::tests_support::signing_key(
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                scope,
            )
        };
        let signer = crate::sigv4::tests_support::signer(
            key,
            "20130524T000000Z",
            "20130524/us-east-1/s3/aws4_request",
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        );
        let mut body = Vec::new();
        body.extend_from_slice(b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n");
        body.extend(std::iter::repeat_n(b'a', 65536));
        body.extend_from_slice(b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n");
        body.extend(std::iter::repeat_n(b'a', 1024));
        body.extend_from_slice(b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");
        let mut d = ChunkDecoder::new(Some(signer.clone()));
        let mut out = Vec::new();
        for p in body.chunks(1000) {
            d.push(Bytes::copy_from_slice(p), &mut out).unwrap();
        }
        d.finish().unwrap();
        assert_eq!(out.concat().len(), 66560);

        let mut tampered = body.clone();
        tampered[100] = b'b';
        let mut d = ChunkDecoder::new(Some(signer));
        let mut out = Vec::new();
        assert_eq!(
            d.push(Bytes::from(tampered), &mut out),
            Err(ChunkError::Signature)
        );
    }
}
