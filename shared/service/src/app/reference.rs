//! Reference data: the consent documents, the nine institutions, and whether a username is free.

use membership_domain::username::Username;

use super::{Failure, Service};
use crate::records::ClaimKind;

impl Service {
    /// 아이디 중복확인: a name is free unless reserved, held, or retired after a withdrawal.
    pub async fn username_available(&self, raw: &str) -> Result<(Username, bool), Failure> {
        let username = Username::parse(raw)
            .map_err(|code| Failure::Validation(vec![membership_domain::FieldError::new("/username", code)]))?;
        if username.is_reserved() {
            return Ok((username, false));
        }
        let now = self.clock.now();
        let claim = self.records.claim(ClaimKind::Username, username.as_str(), now).await?;
        Ok((username, claim.is_none()))
    }
}
