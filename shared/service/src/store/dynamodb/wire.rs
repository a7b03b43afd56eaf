//! The DynamoDB wire form of the store's port: conditions as expressions, items as attribute
//! maps (serde_dynamo), pages, and the SDK's errors as `StoreError`s.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use crate::store::{
    Condition, Item, Key, StoreError, IN_PROGRESS, LOCKED_UNTIL, MEMBER_ID, PK, SK, STATUS, TTL, VERSION,
};

pub(super) type Attributes = HashMap<String, AttributeValue>;

/// A condition as DynamoDB writes it: the expression and its placeholders.
#[derive(Default)]
pub(super) struct Expression {
    pub(super) text: Option<String>,
    pub(super) names: HashMap<String, String>,
    pub(super) values: Attributes,
}

pub(super) fn expression(condition: Condition) -> Expression {
    let mut expr = Expression::default();
    match condition {
        Condition::Always => {}
        Condition::Absent => expr.text = Some("attribute_not_exists(#pk)".into()),
        Condition::Present => expr.text = Some("attribute_exists(#pk)".into()),
        Condition::AbsentOrHeldBy(member_id) => {
            expr.text = Some("attribute_not_exists(#pk) OR #member = :member".into());
            expr.names.insert("#member".into(), MEMBER_ID.into());
            expr.values.insert(":member".into(), AttributeValue::S(member_id));
        }
        Condition::AbsentOrExpired { now } => {
            expr.text = Some("attribute_not_exists(#pk) OR #ttl <= :now".into());
            expr.names.insert("#ttl".into(), TTL.into());
            expr.values.insert(":now".into(), AttributeValue::N(now.to_string()));
        }
        Condition::Claimable { now } => {
            expr.text = Some(
                "attribute_not_exists(#pk) OR #ttl <= :now OR (#status = :in_progress AND #locked <= :now)".into(),
            );
            expr.names.insert("#ttl".into(), TTL.into());
            expr.names.insert("#status".into(), STATUS.into());
            expr.names.insert("#locked".into(), LOCKED_UNTIL.into());
            expr.values.insert(":now".into(), AttributeValue::N(now.to_string()));
            expr.values.insert(":in_progress".into(), AttributeValue::S(IN_PROGRESS.into()));
        }
        Condition::Version(version) => {
            expr.text = Some("#version = :version".into());
            expr.names.insert("#version".into(), VERSION.into());
            expr.values.insert(":version".into(), AttributeValue::N(version.to_string()));
        }
    }
    if expr.text.as_deref().is_some_and(|text| text.contains("#pk")) {
        expr.names.insert("#pk".into(), PK.into());
    }
    expr
}

/// A condition set on any of the SDK's write builders (`Put`, `Delete`, `PutItem`, `DeleteItem`),
/// which share these setters but no trait.
macro_rules! conditioned {
    ($builder:expr, $condition:expr) => {{
        let expr = expression($condition);
        $builder
            .set_condition_expression(expr.text)
            .set_expression_attribute_names((!expr.names.is_empty()).then_some(expr.names))
            .set_expression_attribute_values((!expr.values.is_empty()).then_some(expr.values))
    }};
}

pub(super) use conditioned;

pub(super) fn attributes_of(item: Item) -> Result<Attributes, StoreError> {
    serde_dynamo::to_item(Value::Object(item.0)).map_err(|e| StoreError::Malformed(e.to_string()))
}

pub(super) fn item_from(attributes: Attributes) -> Result<Item, StoreError> {
    match serde_dynamo::from_item(attributes).map_err(|e| StoreError::Malformed(e.to_string()))? {
        Value::Object(map) => Ok(Item(map)),
        _ => Err(StoreError::Malformed("item is not a map".into())),
    }
}

pub(super) fn built(error: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Malformed(error.to_string())
}

/// Adds a page of results to `items`; the key to start the next page from, if there is one.
pub(super) fn next_page(
    items: &mut Vec<Item>,
    page: Option<Vec<Attributes>>,
    last_evaluated_key: Option<Attributes>,
) -> Result<Option<Attributes>, StoreError> {
    for attributes in page.unwrap_or_default() {
        items.push(item_from(attributes)?);
    }
    Ok(last_evaluated_key.filter(|key| !key.is_empty()))
}

pub(super) fn key_attributes(key: &Key) -> Attributes {
    HashMap::from([(PK.into(), AttributeValue::S(key.pk.clone())), (SK.into(), AttributeValue::S(key.sk.clone()))])
}

/// Everything but a failed condition is "unavailable": throttling, timeouts, network faults. The
/// request is answered 503 and, as nothing was written, may be tried again.
///
/// A request DynamoDB refuses as invalid (`ValidationException`: an item over 400 KB, a transaction
/// over 100 writes) is no outage and no retry would help: `Malformed`, as the embedded store
/// answers the same request.
pub(super) fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if error.as_service_error().and_then(|e| e.code()) == Some("ValidationException") {
        let message = error.as_service_error().and_then(|e| e.message()).unwrap_or("validation failed");
        return StoreError::Malformed(format!("DynamoDB refused the request: {message}"));
    }
    StoreError::Unavailable(Box::new(error))
}

/// A single write's failure: its condition did not hold, or DynamoDB could not be reached.
pub(super) fn write_failure<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") {
        StoreError::ConditionFailed { index: None }
    } else {
        unavailable(error)
    }
}
