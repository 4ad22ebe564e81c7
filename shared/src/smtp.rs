//! A small SMTP client: how the local stack hands notices to its mail sink (a real SMTP
//! server, aiosmtpd, started by `make up` and the tests). Deployed stacks use Amazon SES
//! ([`crate::aws::ses`]); both sit behind the same `Mailer` port.

use crate::domain::Notice;
use crate::ports::{MailError, Mailer};
use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct SmtpMailer {
    address: String,
    from: String,
}

impl SmtpMailer {
    pub fn new(address: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            from: from.into(),
        }
    }
}

fn failed(e: impl std::fmt::Display) -> MailError {
    MailError::Unavailable(format!("SMTP: {e}"))
}

/// Reads one reply (all its lines); its code must be `expected`.
async fn reply<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    expected: &str,
) -> Result<(), MailError> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.map_err(failed)? == 0 {
            return Err(failed("connection closed"));
        }
        if !line.starts_with(expected) {
            return Err(failed(format!(
                "expected {expected}, got {}",
                line.trim_end()
            )));
        }
        // "250-..." continues, "250 ..." ends the reply.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

/// The message in RFC 5322 form, UTF-8 text (8BITMIME), lines ending CRLF, dots stuffed.
fn message(from: &str, n: &Notice) -> String {
    let mut body = String::new();
    for line in n.text.lines() {
        if line.starts_with('.') {
            body.push('.');
        }
        body.push_str(line);
        body.push_str("\r\n");
    }
    // The subject may have diacritics: an RFC 2047 encoded word.
    use base64::Engine;
    let subject = base64::engine::general_purpose::STANDARD.encode(n.subject.as_bytes());
    // A date and a unique id, as RFC 5322 asks (mail filters distrust messages without).
    let date = chrono::Utc::now().to_rfc2822();
    let domain = from.rsplit_once('@').map_or("cazier.local", |(_, d)| d);
    let id = hex::encode(rand::random::<[u8; 16]>());
    format!(
        "From: {}\r\nTo: {}\r\nSubject: =?UTF-8?B?{subject}?=\r\nDate: {date}\r\n\
         Message-ID: <{id}@{domain}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}.\r\n",
        crate::domain::notice::sender(from),
        n.to.as_str()
    )
}

/// A sink that does not answer within this long is treated as down: the issue goes on.
const EXCHANGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, notice: &Notice) -> Result<(), MailError> {
        tokio::time::timeout(EXCHANGE_TIMEOUT, self.exchange(notice))
            .await
            .map_err(|_| failed("no answer in time"))?
    }
}

impl SmtpMailer {
    async fn exchange(&self, notice: &Notice) -> Result<(), MailError> {
        let stream = TcpStream::connect(&self.address).await.map_err(failed)?;
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        reply(&mut reader, "220").await?;
        let commands = [
            ("EHLO cazier.local\r\n".to_owned(), "250"),
            (
                format!("MAIL FROM:<{}> BODY=8BITMIME\r\n", self.from),
                "250",
            ),
            (format!("RCPT TO:<{}>\r\n", notice.to.as_str()), "250"),
            ("DATA\r\n".to_owned(), "354"),
            (message(&self.from, notice), "250"),
            ("QUIT\r\n".to_owned(), "221"),
        ];
        for (command, expected) in commands {
            write.write_all(command.as_bytes()).await.map_err(failed)?;
            reply(&mut reader, expected).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    #[test]
    fn messages_are_stuffed_and_encoded() {
        let n = Notice {
            to: Email::parse("a@example.ro").unwrap(),
            subject: "Certificatul este gata".into(),
            text: "line\n.starts with a dot".into(),
        };
        let m = message("no-reply@cazier.test", &n);
        assert!(m.contains("\r\n..starts with a dot\r\n"));
        assert!(m.contains("Subject: =?UTF-8?B?"));
        assert!(m.starts_with("From: \"Cazier judiciar online\" <no-reply@cazier.test>\r\n"));
        assert!(m.contains("\r\nDate: ") && m.contains("\r\nMessage-ID: <"));
        assert!(m.contains("@cazier.test>\r\n"));
        assert!(m.ends_with("\r\n.\r\n"));
    }
}
