//! The bucket's website configuration: GetBucketWebsite and
//! PutBucketWebsite, asked only where the settings have `website:`.

use super::*;
use crate::website::Website;

impl Bucket {
    /// The bucket's website configuration; `None` where it has none.
    pub async fn website(&self) -> Result<Option<Website>> {
        let answer = self
            .retried("read", "the website configuration", || async {
                let sent =
                    (self.send("GET", "", "website", &[], Payload::Signed(b""), Vec::new())).await;
                match sent {
                    Ok(answer) => Ok(Some(answer.text().await?)),
                    Err(S3Error::HttpFailWithBody(404, body))
                        if error_code(&body).as_deref() == Some("NoSuchWebsiteConfiguration") =>
                    {
                        Ok(None)
                    }
                    Err(err) => Err(err),
                }
            })
            .await?;
        let read = answer.map(|xml| Website::from_xml(&xml));
        read.transpose()
            .map_err(|why| anyhow!("the bucket's website configuration: {why}"))
    }

    /// Replaces the bucket's website configuration with `website`.
    pub async fn put_website(&self, website: &Website) -> Result<()> {
        let body = website.to_xml();
        let md5 = BASE64.encode(md5::compute(&body).0);
        self.retried("write", "the website configuration", || {
            let (body, md5) = (&body, &md5);
            async move {
                let headers = [
                    ("content-md5", md5.as_str()),
                    ("content-type", "application/xml"),
                ];
                let payload = Payload::Signed(body.as_bytes());
                (self.send("PUT", "", "website", &headers, payload, body.clone())).await?;
                Ok(())
            }
        })
        .await
    }
}
