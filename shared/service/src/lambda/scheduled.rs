//! The scheduled functions: `purge-expired` and `notifier`, invoked by EventBridge, each run's counts
//! written as metrics.

use std::time::Duration;

use super::*;

/// Runs a scheduled function's handler with the runtime's invocation span and, when installed, the
/// metrics flushed after each run.
async fn run_scheduled<F, R, T>(
    metrics: Option<&'static metrics_cloudwatch_embedded::Collector>,
    handler: F,
) -> Result<(), lambda_http::Error>
where
    F: FnMut(lambda_http::LambdaEvent<serde_json::Value>) -> R,
    R: std::future::Future<Output = Result<T, lambda_http::Error>>,
    T: serde::Serialize,
{
    use lambda_http::lambda_runtime::{self, service_fn};
    match metrics {
        Some(metrics) => metrics_cloudwatch_embedded::lambda::service::run(metrics, service_fn(handler)).await,
        None => lambda_runtime::run(service_fn(handler)).await,
    }
}

/// The `purge-expired` function: an EventBridge schedule invokes it; it needs the table only.
/// Each run's counts are metrics too (`Purged` by action), and the run itself (`PurgeRuns`), which
/// the alarm on a missing purge watches.
pub async fn run_purge() -> Result<(), lambda_http::Error> {
    use lambda_http::LambdaEvent;
    let metrics = observability("purge-expired");
    let table_name = required(TABLE_NAME).inspect_err(|error| {
        tracing::error!(error = %error, function = "purge-expired", "configuration incomplete; not starting");
    })?;
    let config = crate::aws::lambda_config(std::env::var("DYNAMODB_ENDPOINT").ok().as_deref(), Patience::Deployed)
        .ok_or(ConfigError::Missing("AWS_REGION"))
        .inspect_err(|error| {
            tracing::error!(error = %error, function = "purge-expired", "configuration incomplete; not starting");
        })?;
    let table = DynamoTable::new(crate::xray::dynamodb(&config), table_name);
    let purge = Arc::new(crate::app::purge::Purge::new(Records::new(Arc::new(table)), Arc::new(SystemClock)));
    run_scheduled(metrics, move |_event: LambdaEvent<serde_json::Value>| {
        let purge = purge.clone();
        async move {
            let counts = purge.run(None).await.map_err(lambda_http::Error::from)?;
            crate::metrics::purge_run(&counts);
            Ok::<_, lambda_http::Error>(counts)
        }
    })
    .await
}

/// Messages one notifier run sends at most, at [`NOTIFIER_PACE`]: about 42 s of the function's 120 s.
const NOTIFIER_BUDGET: u64 = 500;
/// One send per 1/12 s: under SES's default sending rate (14 a second in a new account's
/// production access), so a burst is spread over runs instead of throttled into parked messages.
const NOTIFIER_PACE: Duration = Duration::from_micros(83_334);

/// The `notifier` function: an EventBridge schedule invokes it every minute. It needs the table,
/// the SES sender (`SES_SENDER`, an address of the identity the policy allows) and the SMS
/// provider's endpoint from the secret named by `SMS_SECRET_ID` (`{ "baseUrl", "apiKey" }`), read
/// once at start; a missing one stops it at start. Each run logs its counts as CloudWatch metrics
/// (embedded metric format) for the alarms: failures, parked messages, age of the oldest unsent.
pub async fn run_notifier() -> Result<(), lambda_http::Error> {
    use lambda_http::LambdaEvent;
    let metrics = observability("notifier");
    let notifier = notifier_from_env().await.inspect_err(|error| {
        tracing::error!(error = %error, function = "notifier", "configuration incomplete; not starting");
    })?;
    let notifier = Arc::new(notifier);
    run_scheduled(metrics, move |_event: LambdaEvent<serde_json::Value>| {
        let notifier = notifier.clone();
        async move {
            let counts = notifier.run(Some(NOTIFIER_BUDGET)).await.map_err(lambda_http::Error::from)?;
            println!("{}", notifier_metrics(&counts, time::OffsetDateTime::now_utc()));
            Ok::<_, lambda_http::Error>(counts)
        }
    })
    .await
}

async fn notifier_from_env() -> Result<crate::app::notifier::Notifier, ConfigError> {
    use crate::notices::ses::SesMail;
    use crate::notices::sms::{HttpSms, SMS_TIMEOUT};
    use crate::secrets::SecretSource;
    let table_name = required(TABLE_NAME)?;
    let sender = required(SES_SENDER)?;
    let sms_secret = required(SMS_SECRET_ID)?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok();
    let config =
        crate::aws::lambda_config(endpoint.as_deref(), Patience::Deployed).ok_or(ConfigError::Missing("AWS_REGION"))?;
    let secrets = SecretsManager::new(crate::xray::secrets_manager(&config));
    let secret = secrets.secrets(&[sms_secret.as_str()]).await?.into_iter().next().unwrap_or_default();
    let sms_endpoint = crate::secrets::upstream_endpoint(&secret, &sms_secret)?;
    let sms = HttpSms::new(&sms_endpoint, SMS_TIMEOUT)?;
    let templates = crate::notices::Templates::new();
    let table = DynamoTable::new(crate::xray::dynamodb(&config), table_name);
    Ok(crate::app::notifier::Notifier::new(
        Records::new(Arc::new(table)),
        Arc::new(SystemClock),
        Arc::new(SesMail::from_shared(&config, sender, None)),
        Arc::new(sms),
        Arc::new(templates),
    )
    .with_pace(NOTIFIER_PACE))
}

/// One run's counts as a CloudWatch embedded-metric-format log line (namespace
/// `IncheonLibraryMembership/Notices`), which CloudWatch turns into the metrics the alarms watch.
pub fn notifier_metrics(counts: &crate::app::notifier::NotifierCounts, at: time::OffsetDateTime) -> serde_json::Value {
    serde_json::json!({
        "_aws": {
            "Timestamp": at.unix_timestamp() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": "IncheonLibraryMembership/Notices",
                "Dimensions": [[]],
                "Metrics": [
                    { "Name": "Sent", "Unit": "Count" },
                    { "Name": "SendFailures", "Unit": "Count" },
                    { "Name": "ParkedMessages", "Unit": "Count" },
                    { "Name": "OldestUnsentAgeSeconds", "Unit": "Seconds" },
                ],
            }],
        },
        "Sent": counts.sent,
        "SendFailures": counts.failed,
        "ParkedMessages": counts.parked_total,
        "OldestUnsentAgeSeconds": counts.oldest_unsent_seconds,
    })
}
