//! The `Table` port on Amazon DynamoDB: conditional puts and deletes, `TransactWriteItems` for
//! all-or-nothing writes, strongly consistent reads. Items are mapped with serde_dynamo.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, Put, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, KeysAndAttributes, WriteRequest};
use aws_sdk_dynamodb::Client;

mod wire;

use self::wire::{
    attributes_of, built, conditioned, expression, item_from, key_attributes, next_page, unavailable, write_failure,
    Attributes,
};
use super::definition::TableDefinition;
use super::{Item, Key, StoreError, Table, Write, DUE_INDEX, DUE_PK, DUE_SK, PK, SK};

#[derive(Clone)]
pub struct DynamoTable {
    client: Client,
    name: String,
}

impl DynamoTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Opens the connection to DynamoDB (a read of a key that holds nothing), so that the first
    /// request finds it open. A failure is only logged: the request will try again.
    pub async fn warm_up(&self) {
        if let Err(error) = self.get(&Key::new("WARM#UP", "WARM#UP")).await {
            tracing::warn!(error = %error, "DynamoDB not reachable during init");
        }
    }

    /// Creates the table as `template.yaml` defines it, unless it exists; waits until it is active.
    pub async fn create_if_missing(&self, definition: &TableDefinition) -> Result<(), StoreError> {
        if self.client.describe_table().table_name(&self.name).send().await.is_ok() {
            return Ok(());
        }
        let key_schema = |elements: &[super::definition::KeyElement]| -> Result<Vec<KeySchemaElement>, StoreError> {
            elements
                .iter()
                .map(|k| {
                    KeySchemaElement::builder()
                        .attribute_name(&k.attribute_name)
                        .key_type(KeyType::from(k.key_type.as_str()))
                        .build()
                        .map_err(built)
                })
                .collect()
        };
        let mut request = self.client.create_table().table_name(&self.name).billing_mode(BillingMode::PayPerRequest);
        for attribute in &definition.attribute_definitions {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&attribute.attribute_name)
                    .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                    .build()
                    .map_err(built)?,
            );
        }
        request = request.set_key_schema(Some(key_schema(&definition.key_schema)?));
        for index in &definition.global_secondary_indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(&index.key_schema)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(index.projection.projection_type.as_str()))
                            .build(),
                    )
                    .build()
                    .map_err(built)?,
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(error) if error.as_service_error().and_then(|e| e.code()) == Some("ResourceInUseException") => {}
            Err(error) => return Err(unavailable(error)),
        }
        if let Some(ttl) = &definition.time_to_live_specification {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(&ttl.attribute_name)
                .enabled(ttl.enabled)
                .build()
                .map_err(built)?;
            // Enabling TTL twice (a concurrent creator) is refused; either way it is enabled.
            let _ =
                self.client.update_time_to_live().table_name(&self.name).time_to_live_specification(spec).send().await;
        }
        for _ in 0..100 {
            let described = self.client.describe_table().table_name(&self.name).send().await.map_err(unavailable)?;
            let active = described.table().and_then(|t| t.table_status()).map(|s| s.as_str() == "ACTIVE");
            if active.unwrap_or(false) {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(StoreError::Malformed(format!("table {} did not become active", self.name)))
    }

    /// Every item of the table, page by page: for tests and inspection only (the service itself
    /// never scans).
    #[cfg(feature = "test-support")]
    pub async fn scan_all(&self) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Attributes> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.name)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            start = next_page(&mut items, output.items, output.last_evaluated_key)?;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// BatchWriteItem in chunks of 25, sending what DynamoDB leaves unprocessed again with backoff.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(25) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                if attempt > 0 {
                    if attempt > 8 {
                        return Err(StoreError::Unavailable("batch writes left unprocessed".into()));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(6))).await;
                }
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.name, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = output.unprocessed_items.and_then(|mut left| left.remove(&self.name)).unwrap_or_default();
                attempt += 1;
            }
        }
        Ok(())
    }

    fn transact_item(&self, write: Write) -> Result<TransactWriteItem, StoreError> {
        Ok(match write {
            Write::Put { item, condition } => {
                let put =
                    conditioned!(Put::builder().table_name(&self.name).set_item(Some(attributes_of(item)?)), condition)
                        .build()
                        .map_err(built)?;
                TransactWriteItem::builder().put(put).build()
            }
            Write::Delete { key, condition } => {
                let delete = conditioned!(
                    Delete::builder().table_name(&self.name).set_key(Some(key_attributes(&key))),
                    condition
                )
                .build()
                .map_err(built)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            Write::Check { key, condition } => {
                let expr = expression(condition);
                let check = ConditionCheck::builder()
                    .table_name(&self.name)
                    .set_key(Some(key_attributes(&key)))
                    .condition_expression(
                        expr.text.unwrap_or_else(|| "attribute_exists(#pk) OR attribute_not_exists(#pk)".into()),
                    )
                    .set_expression_attribute_names(Some({
                        let mut names = expr.names;
                        names.insert("#pk".into(), PK.into());
                        names
                    }))
                    .set_expression_attribute_values((!expr.values.is_empty()).then_some(expr.values))
                    .build()
                    .map_err(built)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let items = writes.into_iter().map(|w| self.transact_item(w)).collect::<Result<Vec<_>, _>>()?;
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(error) => {
                let reasons = error
                    .as_service_error()
                    .and_then(|e| match e {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                            Some(c.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_owned()).collect::<Vec<_>>())
                        }
                        _ => None,
                    });
                match reasons {
                    Some(reasons) => {
                        if let Some(index) = reasons.iter().position(|code| code == "ConditionalCheckFailed") {
                            Err(StoreError::ConditionFailed { index: Some(index) })
                        } else if reasons.iter().any(|code| code == "TransactionConflict") {
                            Err(StoreError::Conflict)
                        } else {
                            Err(unavailable(error))
                        }
                    }
                    None if error.as_service_error().and_then(|e| e.code()) == Some("TransactionConflictException") => {
                        Err(StoreError::Conflict)
                    }
                    None => Err(unavailable(error)),
                }
            }
        }
    }
}

#[async_trait]
impl Table for DynamoTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key_attributes(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(item_from).transpose()
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        if keys.len() > super::GET_MANY_LIMIT {
            return Err(StoreError::Malformed(format!("{} keys in one batch read", keys.len())));
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: HashMap<Key, Item> = HashMap::with_capacity(keys.len());
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(keys.iter().map(key_attributes).collect()))
            .consistent_read(true)
            .build()
            .map_err(built)?;
        // DynamoDB may leave keys unprocessed (throttling, 16 MB): asked again, with a back-off.
        for attempt in 0..=8u32 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(6))).await;
            }
            let output =
                self.client.batch_get_item().request_items(&self.name, pending).send().await.map_err(unavailable)?;
            for attributes in output.responses.and_then(|mut tables| tables.remove(&self.name)).unwrap_or_default() {
                let item = item_from(attributes)?;
                if let Some(key) = item.key() {
                    found.insert(key, item);
                }
            }
            match output.unprocessed_keys.and_then(|mut left| left.remove(&self.name)) {
                Some(left) if !left.keys.is_empty() => pending = left,
                _ => return Ok(keys.iter().map(|key| found.remove(key)).collect()),
            }
        }
        Err(StoreError::Unavailable("batch reads left unprocessed".into()))
    }

    async fn write(&self, mut writes: Vec<Write>) -> Result<(), StoreError> {
        if writes.len() != 1 || matches!(writes[0], Write::Check { .. }) {
            return self.transact(writes).await;
        }
        match writes.remove(0) {
            Write::Put { item, condition } => conditioned!(
                self.client.put_item().table_name(&self.name).set_item(Some(attributes_of(item)?)),
                condition
            )
            .send()
            .await
            .map(|_| ())
            .map_err(write_failure),
            Write::Delete { key, condition } => conditioned!(
                self.client.delete_item().table_name(&self.name).set_key(Some(key_attributes(&key))),
                condition
            )
            .send()
            .await
            .map(|_| ())
            .map_err(write_failure),
            Write::Check { .. } => unreachable!("a lone check goes through a transaction"),
        }
    }

    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Attributes> = None;
        while items.len() < limit {
            let output = self
                .client
                .query()
                .table_name(&self.name)
                .index_name(DUE_INDEX)
                .key_condition_expression("#duePk = :duePk AND #dueSk BETWEEN :from AND :to")
                .expression_attribute_names("#duePk", DUE_PK)
                .expression_attribute_names("#dueSk", DUE_SK)
                .expression_attribute_values(":duePk", AttributeValue::S(due_pk.to_owned()))
                .expression_attribute_values(":from", AttributeValue::S(from.to_owned()))
                .expression_attribute_values(":to", AttributeValue::S(to.to_owned()))
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            start = next_page(&mut items, output.items, output.last_evaluated_key)?;
            if start.is_none() {
                break;
            }
        }
        Ok(items)
    }

    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder().set_key(Some(key_attributes(key))).build().map_err(built)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.batch_write(requests).await
    }

    #[cfg(feature = "test-support")]
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let requests = items
            .into_iter()
            .map(|item| {
                let put = aws_sdk_dynamodb::types::PutRequest::builder()
                    .set_item(Some(attributes_of(item)?))
                    .build()
                    .map_err(built)?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.batch_write(requests).await
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Attributes> = None;
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.name)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()));
            request = if sk_prefix.is_empty() {
                request.key_condition_expression("#pk = :pk")
            } else {
                request
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", SK)
                    .expression_attribute_values(":prefix", AttributeValue::S(sk_prefix.to_owned()))
            };
            let output = request
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            start = next_page(&mut items, output.items, output.last_evaluated_key)?;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}
