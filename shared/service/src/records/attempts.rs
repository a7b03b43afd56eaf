//! Certification attempts of a member on one Asia/Seoul day (`MEMBER#<id>` / `ATTEMPTS#<date>`).

use membership_domain::calendar::CalendarDate;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{epoch, item_of, member_partition, record_of};
use super::{Records, Retry, UPDATE_ATTEMPTS};
use crate::store::{Condition, Key, StoreError, Write};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptCount {
    pub count: u32,
    pub version: u64,
}

fn attempts_key(member_id: &str, day: &CalendarDate) -> Key {
    Key::new(member_partition(member_id), format!("ATTEMPTS#{day}"))
}

impl Records {
    /// Takes one of the day's attempts if fewer than `limit` are taken; `false` when none is left.
    /// `expires` is when the count may go (the day after).
    pub async fn take_attempt(
        &self,
        member_id: &str,
        day: &CalendarDate,
        limit: u32,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.change_attempts(member_id, day, expires, now, |count| (count < limit).then_some(count + 1)).await
    }

    /// Gives an attempt back (the upstream could not answer: such a request does not count).
    pub async fn return_attempt(
        &self,
        member_id: &str,
        day: &CalendarDate,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.change_attempts(member_id, day, expires, now, |count| Some(count.saturating_sub(1))).await.map(|_| ())
    }

    async fn change_attempts(
        &self,
        member_id: &str,
        day: &CalendarDate,
        expires: OffsetDateTime,
        now: OffsetDateTime,
        change: impl Fn(u32) -> Option<u32>,
    ) -> Result<bool, StoreError> {
        let key = attempts_key(member_id, day);
        let mut retry = Retry::new(UPDATE_ATTEMPTS);
        loop {
            retry.attempt()?;
            let current = self.live(&key, now).await?.map(record_of::<AttemptCount>).transpose()?;
            let (count, condition) = match &current {
                Some(a) => (a.count, Condition::Version(a.version)),
                None => (0, Condition::AbsentOrExpired { now: epoch(now) }),
            };
            let Some(next) = change(count) else { return Ok(false) };
            let write = if next == 0 {
                // No attempt left counted: the count goes, as if none had been taken.
                Write::Delete { key: key.clone(), condition }
            } else {
                let version = current.map_or(0, |a| a.version + 1);
                Write::Put { item: item_of(&key, &AttemptCount { count: next, version }, Some(expires))?, condition }
            };
            match self.table.write(vec![write]).await {
                Ok(()) => return Ok(true),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
    }
}
