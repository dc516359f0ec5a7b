//! The Runtime API of one environment, driven over real HTTP as a bootstrap
//! drives it.

use std::time::Duration;

use bytes::Bytes;
use lambdalite_runtime_api::{Invocation, Outcome, RuntimeApi, RuntimeEvent};
use tokio::sync::oneshot;

fn invocation(id: &str, payload: &'static str) -> (Invocation, oneshot::Receiver<Outcome>) {
    let (tx, rx) = oneshot::channel();
    (
        Invocation {
            request_id: id.into(),
            timeout: Duration::from_secs(3),
            invoked_function_arn: "arn:aws:lambda:us-east-1:000000000000:function:f".into(),
            trace_id: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0".into(),
            client_context: Some(r#"{"custom":{}}"#.into()),
            cognito_identity: None,
            payload: Bytes::from_static(payload.as_bytes()),
            stream: None,
            reply: tx,
        },
        rx,
    )
}

#[tokio::test]
async fn next_response_and_error() {
    let mut api = RuntimeApi::bind_loopback().await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", api.address());
    let http = reqwest::Client::new();

    let (inv, rx) = invocation("req-1", r#"{"a":1}"#);
    api.invocations.send(inv).await.unwrap();
    let next = http
        .get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.events.recv().await, Some(RuntimeEvent::Ready));
    assert_eq!(next.status(), 200);
    let h = next.headers();
    assert_eq!(h["lambda-runtime-aws-request-id"], "req-1");
    assert_eq!(
        h["lambda-runtime-invoked-function-arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:f"
    );
    assert!(h["lambda-runtime-trace-id"]
        .to_str()
        .unwrap()
        .starts_with("Root="));
    assert_eq!(h["lambda-runtime-client-context"], r#"{"custom":{}}"#);
    let deadline: u128 = h["lambda-runtime-deadline-ms"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    assert!(deadline > now && deadline <= now + 3000);
    assert_eq!(next.text().await.unwrap(), r#"{"a":1}"#);

    // Another environment's request id is refused.
    let wrong = http
        .post(format!("{base}/invocation/other/response"))
        .body("1")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);

    let ok = http
        .post(format!("{base}/invocation/req-1/response"))
        .body("42")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 202);
    assert_eq!(
        rx.await.unwrap(),
        Outcome::Response(Bytes::from_static(b"42"))
    );

    let (inv, rx) = invocation("req-2", "{}");
    api.invocations.send(inv).await.unwrap();
    http.get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    let err = http
        .post(format!("{base}/invocation/req-2/error"))
        .header("Lambda-Runtime-Function-Error-Type", "Unhandled")
        .body(r#"{"errorMessage":"x","errorType":"E"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(err.status(), 202);
    match rx.await.unwrap() {
        Outcome::Error { error_type, body } => {
            assert_eq!(error_type.as_deref(), Some("Unhandled"));
            assert_eq!(
                body,
                Bytes::from_static(br#"{"errorMessage":"x","errorType":"E"}"#)
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn init_error_and_unknown_paths() {
    let mut api = RuntimeApi::bind_loopback().await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", api.address());
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/init/error"))
        .header(
            "Lambda-Runtime-Function-Error-Type",
            "Runtime.ImportModuleError",
        )
        .body(r#"{"errorMessage":"no module","errorType":"Runtime.ImportModuleError"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    match api.events.recv().await {
        Some(RuntimeEvent::InitError { error_type, .. }) => {
            assert_eq!(error_type.as_deref(), Some("Runtime.ImportModuleError"))
        }
        other => panic!("expected an init error, got {other:?}"),
    }
    let r = http
        .get(format!("http://{}/nothing", api.address()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn oversized_response_becomes_an_error() {
    let api = RuntimeApi::bind_loopback().await.unwrap();
    let base = format!("http://{}/2018-06-01/runtime", api.address());
    let http = reqwest::Client::new();
    let (inv, rx) = invocation("big", "{}");
    api.invocations.send(inv).await.unwrap();
    http.get(format!("{base}/invocation/next"))
        .send()
        .await
        .unwrap();
    let r = http
        .post(format!("{base}/invocation/big/response"))
        .body(vec![b'x'; 7 * 1024 * 1024])
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    match rx.await.unwrap() {
        Outcome::Error { error_type, .. } => {
            assert_eq!(error_type.as_deref(), Some("Function.ResponseSizeTooLarge"))
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Sends a raw HTTP/1.1 request (for chunked bodies with trailers, which
/// a bootstrap writes by hand) and returns the status line.
async fn raw_post(addr: &str, head: &str, pieces: &[&[u8]]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    for p in pieces {
        s.write_all(p).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn streaming_head(id: &str, content_type: &str) -> String {
    format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\n\
         Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\
         Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
         Content-Type: {content_type}\r\nConnection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn streamed_responses_reach_the_stream_part_by_part_or_buffered() {
    use lambdalite_runtime_api::StreamPart;
    let api = RuntimeApi::bind_loopback().await.unwrap();
    let addr = api.address();
    let http = reqwest::Client::new();
    let next = format!("http://{addr}/2018-06-01/runtime/invocation/next");

    // A caller taking the stream sees the head, then each chunk.
    let (mut inv, rx) = invocation("s-1", "{}");
    let (tx, mut parts) = tokio::sync::mpsc::channel(8);
    inv.stream = Some(tx);
    api.invocations.send(inv).await.unwrap();
    http.get(&next).send().await.unwrap();
    let status = raw_post(
        &addr,
        &streaming_head("s-1", "text/plain"),
        &[b"5\r\nhello\r\n", b"6\r\n world\r\n", b"0\r\n\r\n"],
    )
    .await;
    assert!(status.contains("202"), "{status}");
    assert_eq!(
        parts.recv().await,
        Some(StreamPart::Head {
            content_type: Some("text/plain".into())
        })
    );
    let mut body = Vec::new();
    while let Some(StreamPart::Chunk(b)) = parts.recv().await {
        body.extend_from_slice(&b);
    }
    assert_eq!(body, b"hello world");
    assert_eq!(rx.await.unwrap(), Outcome::Streamed);

    // Error trailers turn it into an error, with the body they carry.
    let (mut inv, rx) = invocation("s-2", "{}");
    let (tx, _parts) = tokio::sync::mpsc::channel(8);
    inv.stream = Some(tx);
    api.invocations.send(inv).await.unwrap();
    http.get(&next).send().await.unwrap();
    let error_body = r#"{"errorType":"Boom","errorMessage":"late"}"#;
    let trailer = format!(
        "0\r\nLambda-Runtime-Function-Error-Type: Boom\r\nLambda-Runtime-Function-Error-Body: {}\r\n\r\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, error_body)
    );
    raw_post(
        &addr,
        &streaming_head("s-2", "text/plain"),
        &[b"2\r\nab\r\n", trailer.as_bytes()],
    )
    .await;
    assert_eq!(
        rx.await.unwrap(),
        Outcome::Error {
            error_type: Some("Boom".into()),
            body: Bytes::from(error_body),
        }
    );

    // Without a stream to feed, the response is buffered.
    let (inv, rx) = invocation("s-3", "{}");
    api.invocations.send(inv).await.unwrap();
    http.get(&next).send().await.unwrap();
    raw_post(
        &addr,
        &streaming_head("s-3", "application/json"),
        &[b"3\r\n[1,\r\n", b"2\r\n2]\r\n", b"0\r\n\r\n"],
    )
    .await;
    assert_eq!(rx.await.unwrap(), Outcome::Response(Bytes::from("[1,2]")));
}
