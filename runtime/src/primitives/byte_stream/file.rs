//! A file read in chunks: opened when first read, its length fixed when
//! the stream was made, reopened from its start for a retry.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, ReadBuf};

use super::ByteStreamError;

/// How much one read takes: large enough that a read costs little beside
/// the bytes, small enough that a stream holds little.
const CHUNK: usize = 64 * 1024;

type Opening = Pin<Box<dyn Future<Output = std::io::Result<tokio::fs::File>> + Send>>;

pub(super) struct FileSource {
    path: PathBuf,
    length: u64,
    read: u64,
    state: State,
}

enum State {
    Unopened,
    Opening(Opening),
    Open(tokio::fs::File),
    Done,
}

impl FileSource {
    /// The file at `path`, checked to be a readable regular file.
    pub(super) async fn open(path: &Path) -> Result<FileSource, ByteStreamError> {
        let cannot = |e: std::io::Error| ByteStreamError::caused_by(format!("cannot read {}", path.display()), e);
        let metadata = tokio::fs::metadata(path).await.map_err(cannot)?;
        if !metadata.is_file() {
            return Err(ByteStreamError::new(format!("{} is not a regular file", path.display())));
        }
        // Opened here once so that a file that cannot be read fails now, not mid-call.
        tokio::fs::File::open(path).await.map_err(cannot)?;
        Ok(FileSource { path: path.to_owned(), length: metadata.len(), read: 0, state: State::Unopened })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn length(&self) -> u64 {
        self.length
    }

    pub(super) fn remaining(&self) -> u64 {
        self.length - self.read
    }

    /// The same file from its start, when nothing of this one is read yet.
    pub(super) fn try_clone(&self) -> Option<FileSource> {
        matches!(self.state, State::Unopened).then(|| FileSource {
            path: self.path.clone(),
            length: self.length,
            read: 0,
            state: State::Unopened,
        })
    }

    pub(super) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Unopened => {
                    if self.length == 0 {
                        self.state = State::Done;
                        continue;
                    }
                    self.state = State::Opening(Box::pin(tokio::fs::File::open(self.path.clone())));
                }
                State::Opening(opening) => match ready!(opening.as_mut().poll(cx)) {
                    Ok(file) => self.state = State::Open(file),
                    Err(e) => return self.fail(ByteStreamError::caused_by(format!("cannot open {}", self.path.display()), e)),
                },
                State::Open(file) => {
                    let want = (self.length - self.read).min(CHUNK as u64) as usize;
                    let mut chunk = vec![0u8; want];
                    let mut buf = ReadBuf::new(&mut chunk);
                    match ready!(Pin::new(file).poll_read(cx, &mut buf)) {
                        Err(e) => return self.fail(ByteStreamError::caused_by(format!("cannot read {}", self.path.display()), e)),
                        Ok(()) => {
                            let n = buf.filled().len();
                            if n == 0 {
                                let message = format!(
                                    "{} ended after {} of the {} bytes it had when the stream was made",
                                    self.path.display(),
                                    self.read,
                                    self.length
                                );
                                return self.fail(ByteStreamError::new(message));
                            }
                            chunk.truncate(n);
                            self.read += n as u64;
                            if self.read == self.length {
                                self.state = State::Done;
                            }
                            return Poll::Ready(Some(Ok(Bytes::from(chunk))));
                        }
                    }
                }
            }
        }
    }

    fn fail(&mut self, e: ByteStreamError) -> Poll<Option<Result<Bytes, ByteStreamError>>> {
        self.state = State::Done;
        Poll::Ready(Some(Err(e)))
    }
}
