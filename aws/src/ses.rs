//! Notices through Amazon SES (v2 API), from the one sender identity the template names.

use crate::domain::Notice;
use crate::ports::{MailError, Mailer};
use async_trait::async_trait;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sesv2::Client;

pub struct SesMailer {
    client: Client,
    from: String,
}

impl SesMailer {
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Unavailable(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, notice: &Notice) -> Result<(), MailError> {
        let message = Message::builder()
            .subject(content(&notice.subject)?)
            .body(Body::builder().text(content(&notice.text)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(crate::domain::notice::sender(&self.from))
            .destination(
                Destination::builder()
                    .to_addresses(notice.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| MailError::Unavailable(DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }
}
