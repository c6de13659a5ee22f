//! S3ScriptStore and S3LineageSink against moto.

use crate::support;
use lineage_aws::{Encryption, S3LineageSink, S3ScriptStore};
use lineage_domain::ports::{LineageSink, ScriptStore};
use lineage_domain::ErrorKind;

#[tokio::test]
async fn object_text_reads_and_refuses_large_objects() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    let script = "import sys\nprint('orders')\n";
    support::put_object(&c, &bucket, "scripts/orders.py", script.as_bytes()).await;
    support::put_object(&c, &bucket, "big/blob.txt", &vec![b'x'; 5000]).await;
    let store = S3ScriptStore::new(c.s3.clone());

    let text = store
        .object_text(&format!("s3://{bucket}/scripts/orders.py"), 1024)
        .await
        .expect("text");
    assert_eq!(text, script);
    // s3a:// is the same object
    let text = store
        .object_text(&format!("s3a://{bucket}/scripts/orders.py"), script.len())
        .await
        .expect("exactly the limit is fine");
    assert_eq!(text, script);

    let e = store
        .object_text(&format!("s3://{bucket}/big/blob.txt"), 4096)
        .await
        .expect_err("too large");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
    assert!(e.message.contains("5000"), "names the size: {e}");
    assert!(e.message.contains("4096"), "names the limit: {e}");

    let e = store
        .object_text(&format!("s3://{bucket}/scripts/missing.py"), 1024)
        .await
        .expect_err("missing");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let e = store
        .object_text(&format!("s3://{}/x.py", support::unique("no-bucket")), 1024)
        .await
        .expect_err("missing bucket");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let e = store
        .object_text("https://example.com/x", 10)
        .await
        .expect_err("bad url");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}

#[tokio::test]
async fn sink_writes_json_encrypted_under_the_prefix() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    let sink = S3LineageSink::new(c.s3.clone(), &bucket).with_prefix("/lineage/");
    let key = "retail/jr_1.json";
    assert_eq!(
        sink.location(key),
        format!("s3://{bucket}/lineage/retail/jr_1.json")
    );
    sink.put_document(key, br#"{"a":1}"#).await.expect("put");
    let head =
        c.s3.head_object()
            .bucket(&bucket)
            .key("lineage/retail/jr_1.json")
            .send()
            .await
            .expect("head");
    assert_eq!(head.content_type(), Some("application/json"));
    assert_eq!(
        head.server_side_encryption().map(|s| s.as_str()),
        Some("AES256")
    );
    assert_eq!(
        sink.document(key).await.expect("get").as_deref(),
        Some(&br#"{"a":1}"#[..])
    );

    let kms = S3LineageSink::new(c.s3.clone(), &bucket)
        .with_encryption(Encryption::Kms(Some("alias/lineage".into())));
    kms.put_document("k.json", b"{}").await.expect("put kms");
    let head =
        c.s3.head_object()
            .bucket(&bucket)
            .key("k.json")
            .send()
            .await
            .expect("head");
    assert_eq!(
        head.server_side_encryption().map(|s| s.as_str()),
        Some("aws:kms")
    );

    let missing = S3LineageSink::new(c.s3.clone(), support::unique("no-bucket"));
    let e = missing
        .put_document("x.json", b"{}")
        .await
        .expect_err("no bucket");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
}
