//! `checksum:` on moto: every object (single PUT, multipart upload, twin)
//! keeps the checksum asked for, read back with HEAD; a change of algorithm
//! rewrites each in place; and an object another tool uploaded in other
//! parts, whose ETag cannot tell, is adopted by its checksum.

use std::process::Command;

use crate::harness::*;

/// What Python's standard library (and boto3, in moto's venv) makes of
/// `script`, run with the server's endpoint as `ENDPOINT`.
fn python(server: &Server, script: &str) -> String {
    let out = Command::new(moto_venv().join("bin/python"))
        .arg("-c")
        .arg(script)
        .env("ENDPOINT", server.endpoint())
        .env("BUCKET", BUCKET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The checksum an object keeps, as a HEAD with checksum mode shows it:
/// `crc32 <value> FULL_OBJECT`.
fn kept(server: &Server, key: &str) -> String {
    python(
        server,
        &format!(
            "import boto3, os\n\
             s3 = boto3.client('s3', endpoint_url=os.environ['ENDPOINT'], region_name='us-east-1', \
             aws_access_key_id='a', aws_secret_access_key='b')\n\
             h = s3.head_object(Bucket=os.environ['BUCKET'], Key={key:?}, ChecksumMode='ENABLED')\n\
             kept = [k for k in h if k.startswith('Checksum') and k != 'ChecksumType']\n\
             print(' '.join([kept[0][8:].lower(), h[kept[0]], h.get('ChecksumType', '')] if kept else []))"
        ),
    )
}

/// The checksum of `bytes`, as S3 writes it, from Python's own zlib and hashlib.
fn checksum_of(server: &Server, algorithm: &str, bytes: &[u8]) -> String {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    python(
        server,
        &format!(
            "import base64, hashlib, zlib\n\
             data = open({:?}, 'rb').read()\n\
             raw = zlib.crc32(data).to_bytes(4, 'big') if {algorithm:?} == 'crc32' \
             else hashlib.sha256(data).digest()\n\
             print(base64.b64encode(raw).decode())",
            file.path().to_str().unwrap()
        ),
    )
}

/// 12 MiB that are not all alike: two of svn2s3's parts.
fn big() -> Vec<u8> {
    (0..12 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

#[test]
fn every_object_keeps_the_checksum_asked_for_and_a_change_rewrites_them() {
    let server = Server::moto();
    let repo = Repo::new();
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { margin: 0 }\n");
    repo.write("media/big.bin", big());
    let rev = repo.commit("site");
    let config = repo.wc.with_extension("yaml");
    std::fs::write(&config, "checksum: crc32\ngzip: true\n").unwrap();
    let config = ["--config", config.to_str().unwrap()];
    publish(&server, &repo, &config);

    let objects = server.objects();
    for key in [
        "index.html",
        "css/site.css",
        "css/site.gz.css",
        "media/big.bin",
    ] {
        let want = checksum_of(&server, "crc32", &objects[key].body);
        // moto names the type of a multipart object's only.
        assert_eq!(
            kept(&server, key).trim_end_matches(" FULL_OBJECT"),
            format!("crc32 {want}"),
            "{key}"
        );
    }
    // Of the whole object, not of its parts' checksums.
    assert!(kept(&server, "media/big.bin").ends_with(" FULL_OBJECT"));
    verify(&server, &repo, &config).expect(0);

    // Another algorithm: every object is rewritten in place (CopyObject,
    // S3 computing the new checksum), none uploaded.
    std::fs::write(config[1], "checksum: sha256\ngzip: true\n").unwrap();
    let run = publish(&server, &repo, &config);
    assert!(
        run.stdout.contains("4 rewritten") && run.stdout.contains("0 uploaded"),
        "{}",
        run.stdout
    );
    for key in ["index.html", "css/site.gz.css", "media/big.bin"] {
        let want = checksum_of(&server, "sha256", &objects[key].body);
        assert!(
            kept(&server, key).starts_with(&format!("sha256 {want}")),
            "{key}"
        );
    }
    verify(&server, &repo, &config).expect(0);
    Mirror {
        twins: &[".css"],
        ..Mirror::default()
    }
    .check(&server, &repo, rev);

    // A setting S3 has no such algorithm for is named.
    std::fs::write(config[1], "checksum: crc16\n").unwrap();
    let run = finish(repo.with_home(&mut svn2s3(
        &server,
        &[&["publish", repo.wc.to_str().unwrap()], &config[..]].concat(),
    )));
    run.expect(2);
    assert!(
        run.stderr
            .contains("checksum: \"crc16\" is not one of md5, crc32"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_object_in_other_parts_is_adopted_by_its_checksum() {
    let repo = Repo::new();
    repo.write("media/big.bin", big());
    let rev = repo.commit("site");
    let wc = repo.wc.to_str().unwrap();
    let upload_elsewhere = |server: &Server| {
        // Another tool's multipart upload, in 5 MiB parts (three, where
        // svn2s3 sends two), with no svn2s3 metadata; moto keeps the
        // whole object's CRC32.
        python(
            server,
            &format!(
                "import boto3, os\n\
                 from boto3.s3.transfer import TransferConfig\n\
                 s3 = boto3.client('s3', endpoint_url=os.environ['ENDPOINT'], \
                 region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')\n\
                 b, k = os.environ['BUCKET'], 'media/big.bin'\n\
                 data = open({:?}, 'rb').read()\n\
                 up = s3.create_multipart_upload(Bucket=b, Key=k, \
                 ContentType='application/octet-stream', ChecksumAlgorithm='CRC32', \
                 ChecksumType='FULL_OBJECT')['UploadId']\n\
                 size = 5 * 1024 * 1024\n\
                 parts = [dict(PartNumber=n + 1, ETag=s3.upload_part(Bucket=b, Key=k, \
                 UploadId=up, PartNumber=n + 1, Body=data[n * size:(n + 1) * size])['ETag']) \
                 for n in range(3)]\n\
                 s3.complete_multipart_upload(Bucket=b, Key=k, UploadId=up, \
                 MultipartUpload=dict(Parts=parts))\n\
                 print(s3.head_object(Bucket=b, Key=k)['ETag'])",
                repo.wc.join("media/big.bin").to_str().unwrap()
            ),
        )
    };
    let action = |stdout: &str| {
        let report: serde_json::Value = serde_json::from_str(stdout).unwrap();
        report["actions"][0]["action"].as_str().unwrap().to_owned()
    };

    // Without a checksum, its ETag (of three parts) cannot tell: uploaded.
    let server = Server::moto();
    let etag = upload_elsewhere(&server);
    assert!(etag.ends_with("-3\""), "{etag}");
    let run = publish(&server, &repo, &["--json"]);
    assert_eq!(action(&run.stdout), "upload");

    // With `checksum: crc32`, its CRC of the whole object tells: in place.
    let server = Server::moto();
    upload_elsewhere(&server);
    let config = repo.wc.with_extension("yaml");
    std::fs::write(&config, "checksum: crc32\n").unwrap();
    let run = finish(repo.with_home(&mut svn2s3(
        &server,
        &[
            "publish",
            wc,
            "--json",
            "--config",
            config.to_str().unwrap(),
        ],
    )));
    run.expect(0);
    assert_eq!(action(&run.stdout), "in_place", "{}", run.stdout);
    Mirror::default().check(&server, &repo, rev);
}

#[test]
fn s3s_fs_takes_each_algorithms_values_which_it_checks() {
    // s3s-fs refuses a PutObject whose checksum is not its bytes'
    // (BadDigest). It keeps none for a multipart upload nor computes one
    // for a copy (moto's test above has those), so every file here goes
    // in one PUT, into a bucket of its own for each algorithm.
    let repo = Repo::new();
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("css/site.css", "body { margin: 0 }\n");
    repo.write("media/bytes.bin", &big()[..3 * 1024 * 1024]);
    let rev = repo.commit("site");
    let config = repo.wc.with_extension("yaml");
    for algorithm in ["crc32", "crc32c", "sha256", "crc64nvme", "md5"] {
        let server = Server::start();
        std::fs::write(&config, format!("checksum: {algorithm}\ngzip: true\n")).unwrap();
        let config = ["--config", config.to_str().unwrap()];
        publish(&server, &repo, &config);
        verify(&server, &repo, &config).expect(0);
        Mirror {
            twins: &[".css"],
            ..Mirror::default()
        }
        .check(&server, &repo, rev);
    }
}

#[test]
fn an_r2_store_is_sent_only_what_it_takes() {
    let server = Server::moto();
    let proxy = crate::proxy::Proxy::start(server.port, 1, 0.0);
    let repo = Repo::new();
    repo.write("index.html", "<h1>home</h1>\n");
    repo.write("media/big.bin", big());
    let rev = repo.commit("site");
    let config = repo.wc.with_extension("yaml");
    std::fs::write(
        &config,
        "store: r2\nacl: public-read\nstorage_class: STANDARD_IA\nsse: AES256\nchecksum: crc32\n",
    )
    .unwrap();
    let (wc, config) = (repo.wc.to_str().unwrap(), config.to_str().unwrap());
    let endpoint = proxy.endpoint();
    let run = finish(&mut svn2s3_at(
        &endpoint,
        &["publish", wc, "--config", config],
    ));
    run.expect(0);
    assert!(
        run.stderr
            .contains("is in Cloudflare R2, which takes no acl, sse: left out"),
        "{}",
        run.stderr
    );
    let seen = proxy.seen();
    for request in &seen {
        for refused in ["x-amz-acl", "x-amz-server-side-encryption"] {
            assert_eq!(
                request.header(refused),
                None,
                "{} {}",
                request.method,
                request.target
            );
        }
    }
    // What it takes goes: the class, and the checksum of a single PUT.
    let page = crate::proxy::put_of(&seen, "index.html");
    assert_eq!(page.header("x-amz-storage-class"), Some("STANDARD_IA"));
    assert!(page.header("x-amz-checksum-crc32").is_some());
    // A multipart upload's CRC32 is of its parts' on R2.
    let started = (seen.iter())
        .find(|request| request.method == "POST" && request.target.ends_with("?uploads"))
        .unwrap();
    assert_eq!(started.header("x-amz-checksum-type"), Some("COMPOSITE"));
    let completed = (seen.iter())
        .find(|request| request.method == "POST" && request.target.contains("uploadId="))
        .unwrap();
    assert_eq!(completed.header("x-amz-checksum-crc32"), None);
    let composite = kept(&server, "media/big.bin");
    assert!(
        composite.starts_with("crc32 ") && composite.ends_with(" COMPOSITE"),
        "{composite}"
    );

    let verified = finish(&mut svn2s3_at(
        &endpoint,
        &["verify", wc, "--config", config],
    ));
    verified.expect(0);
    Mirror::default().check(&server, &repo, rev);
}
