//! Reading each kind of stream; what can be sent again and what cannot.

use super::*;

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("byte-stream-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("payload");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn bytes_come_in_one_chunk_and_are_known() {
    let mut stream = ByteStream::from_static(b"abc");
    assert_eq!(stream.bytes(), Some(&b"abc"[..]));
    assert_eq!(stream.content_length(), Some(3));
    assert!(stream.try_clone().is_some());
    assert_eq!(stream.try_next().await.unwrap().as_deref(), Some(&b"abc"[..]));
    assert!(stream.next().await.is_none());
    assert_eq!(format!("{:?}", ByteStream::from(vec![1, 2])), "ByteStream(<2 bytes>)");
}

#[tokio::test]
async fn a_file_is_read_in_chunks_and_read_again_from_its_start() {
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let path = temp_file("chunks", &content);
    let stream = ByteStream::from_path(&path).await.unwrap();
    assert_eq!(stream.content_length(), Some(200_000));
    assert!(stream.bytes().is_none(), "a file is not held in memory");
    let mut copy = stream.try_clone().expect("an unread file can be sent again");
    let mut chunks = Vec::new();
    while let Some(chunk) = copy.try_next().await.unwrap() {
        assert!(chunk.len() <= file_chunk_limit());
        chunks.push(chunk);
    }
    assert!(chunks.len() >= 4, "200,000 bytes came in {} chunks", chunks.len());
    assert_eq!(chunks.concat(), content);
    assert_eq!(stream.collect().await.unwrap().to_vec(), content);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

fn file_chunk_limit() -> usize {
    64 * 1024
}

#[tokio::test]
async fn a_file_that_shrank_fails_and_a_missing_one_is_refused_up_front() {
    let path = temp_file("shrink", b"0123456789");
    let mut stream = ByteStream::from_path(&path).await.unwrap();
    std::fs::write(&path, b"0123").unwrap();
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e,
            None => panic!("a short file must not pass for a whole one"),
        }
    };
    assert!(err.to_string().contains("ended after 4 of the 10 bytes"), "{err}");
    let missing = ByteStream::from_path(path.with_file_name("absent")).await.unwrap_err();
    assert!(missing.to_string().starts_with("cannot read"), "{missing}");
    let dir = ByteStream::from_path(path.parent().unwrap()).await.unwrap_err();
    assert!(dir.to_string().contains("not a regular file"), "{dir}");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn a_channel_gives_chunks_as_they_are_sent_and_can_be_aborted() {
    let (sender, mut stream) = ByteStream::channel(1);
    assert!(stream.try_clone().is_none(), "a channel can be read once");
    assert_eq!(stream.content_length(), None);
    let feeder = tokio::spawn(async move {
        sender.send(&b"one "[..]).await.unwrap();
        sender.send(Bytes::new()).await.unwrap();
        sender.send(&b"two"[..]).await.unwrap();
    });
    assert_eq!(stream.try_next().await.unwrap().as_deref(), Some(&b"one "[..]));
    assert_eq!(stream.try_next().await.unwrap().as_deref(), Some(&b"two"[..]), "empty chunks are skipped");
    assert!(stream.try_next().await.unwrap().is_none(), "the stream ends with its sender");
    feeder.await.unwrap();

    let (sender, stream) = ByteStream::channel(4);
    sender.send(&b"partial"[..]).await.unwrap();
    sender.abort("the disk failed").await;
    let err = stream.collect().await.unwrap_err();
    assert!(err.to_string().contains("the disk failed"), "{err}");

    let (sender, stream) = ByteStream::channel(4);
    drop(stream);
    let closed = sender.send(&b"late"[..]).await.unwrap_err();
    assert_eq!(&closed.0[..], b"late", "the chunk comes back");
}

#[tokio::test]
async fn an_http_body_is_read_by_its_data_frames() {
    let body = http_body_util::Full::new(Bytes::from_static(b"framed"));
    let stream = ByteStream::from_body_1_x(body);
    assert_eq!(stream.content_length(), Some(6));
    assert_eq!(stream.collect().await.unwrap().to_vec(), b"framed");
}
