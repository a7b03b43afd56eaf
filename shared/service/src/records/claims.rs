//! Uniqueness claims (`USERNAME#`, `PERSON#`, `CHILD#`, `CARD#` / `CLAIM`): who holds a username, a
//! person, a child or a loan-card number; and the guardian links (`GUARDIAN#<person key>` / `CHILD#<id>`).

use membership_domain::member::{standing, Standing};
use membership_domain::username::Username;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::keys::{guardian_partition, member_key, record_of};
use super::{MemberRecord, Records};
use crate::store::{Key, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    Username,
    Person,
    Child,
    Card,
}

impl ClaimKind {
    fn prefix(self) -> &'static str {
        match self {
            ClaimKind::Username => "USERNAME#",
            ClaimKind::Person => "PERSON#",
            ClaimKind::Child => "CHILD#",
            ClaimKind::Card => "CARD#",
        }
    }

    pub fn key(self, value: &str) -> Key {
        Key::new(format!("{}{value}", self.prefix()), "CLAIM")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRef {
    pub kind: ClaimKind,
    pub key: String,
}

/// Who holds a person or child claim now.
#[derive(Debug)]
pub enum Holder {
    Free,
    Held(ClaimRecord),
    /// Claimed by a member withdrawn by time: free to take over (with a condition naming it).
    Lapsed {
        member_id: String,
    },
}

/// A uniqueness claim: who holds a username, a person, a child or a loan-card number.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRecord {
    pub member_id: String,
    /// For person and child claims: the holder's username, for the "already a member" hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    /// Usernames and loan-card numbers stay claimed after withdrawal, for good.
    #[serde(default)]
    pub retired: bool,
}

impl Records {
    pub async fn claim(
        &self,
        kind: ClaimKind,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<Option<ClaimRecord>, StoreError> {
        self.live(&kind.key(value), now).await?.map(record_of).transpose()
    }

    /// Who holds a person or child claim. A holder withdrawn by time (DOMAIN.md: a year past its
    /// renewal due) no longer holds it, whether or not the purge has run: the person may sign up
    /// again, and nothing of the old account is shown.
    pub async fn holder(&self, kind: ClaimKind, value: &str, now: OffsetDateTime) -> Result<Holder, StoreError> {
        let Some(claim) = self.claim(kind, value, now).await? else { return Ok(Holder::Free) };
        match self.member(&claim.member_id).await? {
            Some(member) if standing(member.consent_renewed_at, now) != Standing::Withdrawn => Ok(Holder::Held(claim)),
            _ => Ok(Holder::Lapsed { member_id: claim.member_id }),
        }
    }

    /// The member holding `username`, if any (a retired username holds none).
    pub async fn member_by_username(
        &self,
        username: &str,
        now: OffsetDateTime,
    ) -> Result<Option<MemberRecord>, StoreError> {
        match self.claim(ClaimKind::Username, username, now).await? {
            Some(claim) if !claim.retired => self.member(&claim.member_id).await,
            _ => Ok(None),
        }
    }

    /// The members a guardian signed up, read at once.
    pub async fn children_of(&self, guardian_person_key: &str) -> Result<Vec<MemberRecord>, StoreError> {
        let links = self.table.query(&guardian_partition(guardian_person_key), "CHILD#").await?;
        let keys: Vec<Key> = links
            .iter()
            .filter_map(|link| link.0.get(crate::store::MEMBER_ID).and_then(Value::as_str))
            .map(member_key)
            .collect();
        let mut children = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(crate::store::GET_MANY_LIMIT) {
            for item in self.table.get_many(chunk).await?.into_iter().flatten() {
                children.push(record_of(item)?);
            }
        }
        Ok(children)
    }
}
