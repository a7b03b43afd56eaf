//! AWS X-Ray: each call a function makes — DynamoDB, Secrets Manager, SES, KMS and every upstream
//! system — is a subsegment of the invocation's trace, and carries the trace header
//! (`X-Amzn-Trace-Id`, with the subsegment as parent) so the callee joins the same trace.
//!
//! `xray-lite` writes the subsegments to the daemon Lambda runs beside an actively traced function
//! (`AWS_XRAY_DAEMON_ADDRESS`, UDP: nothing waits for it) under the invocation's trace
//! (`_X_AMZN_TRACE_ID`, which the Lambda runtime sets for each invocation); `xray-lite-aws-sdk`'s
//! interceptor records an SDK call. The SDK clients are built once per process and the trace
//! changes per invocation, so [`TraceAwsCalls`], one interceptor on every client, makes a fresh
//! `xray-lite-aws-sdk` interceptor for the current trace at each attempt and keeps it in the
//! attempt's own configuration bag (concurrent calls do not share it). Without the daemon's
//! address (local-api, tests that do not listen for segments) nothing is sent and no header added.

use std::sync::{Arc, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use xray_lite::{Context, DaemonClient, RemoteNamespace, SubsegmentContext, SubsegmentSession};
use xray_lite_aws_sdk::ContextExt;

/// The trace header of a call.
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

/// The daemon's client, made once per process (a UDP socket); `None` outside an actively traced
/// function.
fn daemon() -> Option<DaemonClient> {
    static DAEMON: OnceLock<Option<DaemonClient>> = OnceLock::new();
    DAEMON.get_or_init(|| DaemonClient::from_lambda_env().ok()).clone()
}

/// The current invocation's trace, when there is one to record under.
fn current() -> Option<SubsegmentContext<DaemonClient>> {
    SubsegmentContext::from_lambda_env(daemon()?).ok()
}

/// Opens the daemon's client at start, so the first call does not pay for the socket.
pub fn init() {
    let _ = daemon();
}

/// The SDK interceptor every AWS client of the functions gets ([`traced`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct TraceAwsCalls;

/// One attempt's interceptor, for the trace current when the attempt started.
#[derive(Debug, Clone)]
struct Attempt(Arc<dyn Intercept>);

impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

impl Intercept for TraceAwsCalls {
    fn name(&self) -> &'static str {
        "TraceAwsCalls"
    }

    fn read_before_attempt(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(trace) = current() else { return Ok(()) };
        let (service, operation) =
            cfg.load::<Metadata>().map(|m| (m.service().to_owned(), m.name().to_owned())).unwrap_or_default();
        let attempt = Attempt(Arc::new(trace.intercept_operation(service, operation)));
        attempt.0.read_before_attempt(context, components, cfg)?;
        cfg.interceptor_state().store_put(attempt);
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Attempt>().cloned() {
            Some(attempt) => attempt.0.modify_before_transmit(context, components, cfg),
            None => Ok(()),
        }
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Attempt>().cloned() {
            Some(attempt) => attempt.0.read_after_attempt(context, components, cfg),
            None => Ok(()),
        }
    }
}

/// A DynamoDB client whose calls are traced.
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(config).interceptor(TraceAwsCalls).build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A Secrets Manager client whose calls are traced.
pub fn secrets_manager(config: &aws_config::SdkConfig) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(config).interceptor(TraceAwsCalls).build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// A KMS client whose calls (the ID token's `Sign`, the JWKS's `GetPublicKey`) are traced.
pub fn kms(config: &aws_config::SdkConfig) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::config::Builder::from(config).interceptor(TraceAwsCalls).build();
    aws_sdk_kms::Client::from_conf(config)
}

/// An SES client whose calls are traced.
pub fn ses(config: &aws_config::SdkConfig) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::config::Builder::from(config).interceptor(TraceAwsCalls).build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// One call to an upstream system as a subsegment (`remote` namespace, named for the system; no
/// URL, which could name a path with an id in it). Ends when dropped.
pub struct UpstreamSegment(Option<SubsegmentSession<DaemonClient, RemoteNamespace>>);

impl UpstreamSegment {
    pub fn begin(system: &'static str, method: &'static str) -> Self {
        Self(current().map(|trace| trace.enter_subsegment(RemoteNamespace::new(system, method, system))))
    }

    /// The trace header the call carries, with this subsegment as its parent.
    pub fn header(&self) -> Option<String> {
        self.0.as_ref().and_then(SubsegmentSession::x_amzn_trace_id)
    }

    pub fn status(&mut self, status: u16) {
        if let Some(namespace) = self.0.as_mut().and_then(SubsegmentSession::namespace_mut) {
            namespace.response_status(status);
        }
    }
}
