//! Notices to members (API.md, "Notices"): what each says, rendered from the template files under
//! `templates/notices`, and the two ways out, as ports: e-mail (Amazon SES v2, [`ses`]) and text
//! messages (an SMS provider over HTTP, [`sms`]). The outbox that holds them until sent is in
//! `records`; the notifier that sends them is `app::notifier`.
//!
//! A notice carries what it needs and nothing more: a date, a number of days, a time, the kind of
//! certification. Never a name, password, RRN, DLS credential, token or loan-card number.

pub mod ses;
pub mod sms;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The notices of API.md's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Notice {
    RenewalDue,
    Dormant,
    WithdrawalDue,
    Withdrawn,
    PasswordChanged,
    Certified,
}

impl Notice {
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::RenewalDue => "renewal-due",
            Notice::Dormant => "dormant",
            Notice::WithdrawalDue => "withdrawal-due",
            Notice::Withdrawn => "withdrawn",
            Notice::PasswordChanged => "password-changed",
            Notice::Certified => "certified",
        }
    }

    /// The urgent ones go by text message too: the last reminder before dormancy, the one before
    /// withdrawal, and a password change the member may not have made.
    pub fn urgent(self, params: &NoticeParams) -> bool {
        match self {
            Notice::RenewalDue => params.days == Some(7),
            Notice::WithdrawalDue | Notice::PasswordChanged => true,
            Notice::Dormant | Notice::Withdrawn | Notice::Certified => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeChannel {
    Email,
    Sms,
}

impl NoticeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeChannel::Email => "email",
            NoticeChannel::Sms => "sms",
        }
    }
}

/// The language of the member's last sign-in: notices are in Korean, with an English line for a
/// member who last signed in in English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLanguage {
    #[default]
    Ko,
    En,
}

impl NoticeLanguage {
    /// The language of the request being answered (`Accept-Language`).
    pub fn of_request() -> Self {
        match crate::http::messages::Lang::current() {
            crate::http::messages::Lang::En => NoticeLanguage::En,
            crate::http::messages::Lang::Ko => NoticeLanguage::Ko,
        }
    }
}

/// The values a notice's template shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeParams {
    /// Days left (`renewal-due`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// A date in Asia/Seoul, `YYYY-MM-DD`: when dormancy or withdrawal takes effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// A time in Asia/Seoul, `YYYY-MM-DD HH:MM`: when the password changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `citizen` or `student` (`certified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification: Option<String>,
}

impl NoticeParams {
    /// The Asia/Seoul date of `at`.
    pub fn date(at: time::OffsetDateTime) -> Self {
        Self { date: Some(membership_domain::calendar::seoul_date(at).to_string()), ..Self::default() }
    }

    /// The Asia/Seoul time of `at`, to the minute.
    pub fn time(at: time::OffsetDateTime) -> Self {
        let seoul = at.to_offset(time::macros::offset!(+9));
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        Self { at: seoul.format(&format).ok(), ..Self::default() }
    }
}

/// A notice as sent: the subject (e-mail only) and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: Option<String>,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("notice {notice} has no {channel} template")]
    NoTemplate { notice: &'static str, channel: &'static str },
    #[error("notice template failed to render")]
    Template(#[from] minijinja::Error),
}

/// The notice templates, parsed once. An e-mail template's first line is the subject.
pub struct Templates {
    env: minijinja::Environment<'static>,
}

const TEMPLATE_FILES: [(&str, &str); 9] = [
    ("renewal-due.email", include_str!("../../templates/notices/renewal-due.email.txt")),
    ("renewal-due.sms", include_str!("../../templates/notices/renewal-due.sms.txt")),
    ("dormant.email", include_str!("../../templates/notices/dormant.email.txt")),
    ("withdrawal-due.email", include_str!("../../templates/notices/withdrawal-due.email.txt")),
    ("withdrawal-due.sms", include_str!("../../templates/notices/withdrawal-due.sms.txt")),
    ("withdrawn.email", include_str!("../../templates/notices/withdrawn.email.txt")),
    ("password-changed.email", include_str!("../../templates/notices/password-changed.email.txt")),
    ("password-changed.sms", include_str!("../../templates/notices/password-changed.sms.txt")),
    ("certified.email", include_str!("../../templates/notices/certified.email.txt")),
];

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// The templates compiled into the binary (the unit tests render every one). One that does not
    /// parse is left out and logged: its notices are refused at send time, kept and alarmed.
    pub fn new() -> Self {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        for (name, source) in TEMPLATE_FILES {
            if let Err(error) = env.add_template(name, source) {
                tracing::error!(error = %error, template = name, "notice template does not parse");
            }
        }
        Self { env }
    }

    pub fn render(
        &self,
        notice: Notice,
        channel: NoticeChannel,
        language: NoticeLanguage,
        params: &NoticeParams,
    ) -> Result<Rendered, RenderError> {
        let name = format!("{}.{}", notice.as_str(), channel.as_str());
        let template = self
            .env
            .get_template(&name)
            .map_err(|_| RenderError::NoTemplate { notice: notice.as_str(), channel: channel.as_str() })?;
        let text = template.render(minijinja::context! {
            english => language == NoticeLanguage::En,
            days => params.days,
            date => params.date,
            at => params.at,
            certification => params.certification,
        })?;
        let text = text.trim().to_owned();
        Ok(match channel {
            NoticeChannel::Email => {
                let (subject, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
                Rendered { subject: Some(subject.trim().to_owned()), body: body.trim().to_owned() }
            }
            NoticeChannel::Sms => Rendered { subject: None, body: text },
        })
    }
}

/// Why a message did not go out. The difference decides what the notifier may do next.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The provider did not take it (a refusal, no connection): sending again cannot duplicate it.
    #[error("not sent: {0}")]
    NotSent(String),
    /// The request may have reached the provider (a timeout, a connection lost mid-way): it may
    /// have been sent, so it is never sent again without a person looking.
    #[error("outcome unknown: {0}")]
    Unknown(String),
}

/// One message out: `notice` labels it for the provider's own records (an SES message tag, the
/// SMS provider's tag); `reference` is the outbox message's id, which a provider that
/// deduplicates may use to drop a repeat.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub notice: Notice,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub reference: &'a str,
}

/// E-mail out. The reason of an error names the provider's error code, never an address.
#[async_trait]
pub trait MailSender: Send + Sync + 'static {
    async fn send(&self, message: Outgoing<'_>) -> Result<(), SendError>;
}

/// Text messages out (`subject` unused).
#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    async fn send(&self, message: Outgoing<'_>) -> Result<(), SendError>;
}

/// Stands in for a way out this process has none for: nothing is sent, and the notifier keeps
/// the message to retry.
pub struct Unconfigured;

#[async_trait]
impl MailSender for Unconfigured {
    async fn send(&self, _message: Outgoing<'_>) -> Result<(), SendError> {
        Err(SendError::NotSent("no mail sender configured".into()))
    }
}

#[async_trait]
impl SmsSender for Unconfigured {
    async fn send(&self, _message: Outgoing<'_>) -> Result<(), SendError> {
        Err(SendError::NotSent("no SMS provider configured".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_renders_in_korean_with_an_english_line_when_asked() {
        let templates = Templates::new();
        let params = NoticeParams {
            days: Some(7),
            date: Some("2028-03-01".into()),
            at: Some("2026-03-01 10:00".into()),
            certification: Some("incheon-student".into()),
        };
        for notice in [
            Notice::RenewalDue,
            Notice::Dormant,
            Notice::WithdrawalDue,
            Notice::Withdrawn,
            Notice::PasswordChanged,
            Notice::Certified,
        ] {
            let ko = templates.render(notice, NoticeChannel::Email, NoticeLanguage::Ko, &params).expect("renders");
            let en = templates.render(notice, NoticeChannel::Email, NoticeLanguage::En, &params).expect("renders");
            assert!(ko.subject.as_deref().is_some_and(|s| s.contains("도서관")), "{notice:?}: {ko:?}");
            assert!(!ko.body.is_empty() && !ko.body.contains("Sign in") && !ko.body.contains("Your"));
            assert!(en.body.starts_with(&ko.body) && en.body.len() > ko.body.len(), "{notice:?}");
            if notice.urgent(&params) {
                let sms = templates.render(notice, NoticeChannel::Sms, NoticeLanguage::Ko, &params).expect("sms");
                assert!(sms.subject.is_none() && sms.body.starts_with("[인천교육청도서관]"));
            }
        }
    }
}
