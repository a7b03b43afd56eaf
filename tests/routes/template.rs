//! What every deployed function needs from template.yaml, checked for each so a new function cannot
//! forget it: its build, the configuration shared/service/src/lambda.rs reads, and least-privilege
//! access to exactly what that configuration names.

use std::collections::BTreeSet;

use membership::secrets::{API_KEY_FIELD, BASE_URL_FIELD, KEY_SECRETS};
use membership::upstream::UPSTREAM_TIMEOUT;
use serde_norway::Value as Yaml;

use crate::sources::{self, reference, LambdaSource, Template, TemplateFunction};

/// Item-level actions on the table: a function may use some of these and nothing broader (no Scan,
/// no table management). BatchWriteItem is the purge's and a long withdrawal's bulk delete.
const TABLE_ACTIONS: [&str; 7] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
];

/// The most a scheduled function may run (Lambda's limit).
const LAMBDA_MAX_TIMEOUT: u64 = 900;

struct Statement {
    actions: Vec<String>,
    resources: Vec<String>,
}

fn strings(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::Sequence(items) => items.iter().flat_map(strings).collect(),
        Yaml::String(text) => vec![text.clone()],
        other => reference(other).into_iter().collect(),
    }
}

fn statements(function: &TemplateFunction) -> Vec<Statement> {
    let policies = function.properties["Policies"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{} has no inline Policies", function.logical_id));
    policies
        .iter()
        .flat_map(|policy| {
            policy["Statement"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{}: only inline statements, no managed policies", function.logical_id))
                .clone()
        })
        .map(|statement| {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{}: {statement:?}", function.logical_id);
            Statement { actions: strings(&statement["Action"]), resources: strings(&statement["Resource"]) }
        })
        .collect()
}

#[test]
fn every_function_is_built_by_cargo_lambda_for_the_chosen_architecture() {
    let template = Template::load();
    let globals = &template.document["Globals"]["Function"];
    for function in template.functions() {
        let setting = |name: &str| {
            let own = &function.properties[name];
            if own.is_null() {
                globals[name].clone()
            } else {
                own.clone()
            }
        };
        assert_eq!(function.build_method, "rust-cargolambda", "{}", function.logical_id);
        assert_eq!(setting("Runtime").as_str(), Some("provided.al2023"), "{}", function.logical_id);
        assert_eq!(setting("Handler").as_str(), Some("bootstrap"), "{}", function.logical_id);
        // cargo lambda builds the workspace's binary named by BuildProperties.Binary from the root.
        assert_eq!(setting("CodeUri").as_str(), Some("."), "{}", function.logical_id);
        let architectures = strings(&setting("Architectures"));
        assert_eq!(architectures, ["Architecture"], "{} builds for the Architecture parameter", function.logical_id);
        assert!(setting("MemorySize").as_u64().is_some(), "{} has a memory size", function.logical_id);
        let timeout = setting("Timeout").as_u64().unwrap_or(0);
        if function.http_events.is_empty() {
            assert!(
                (1..=LAMBDA_MAX_TIMEOUT).contains(&timeout),
                "{} (scheduled) has a timeout Lambda allows",
                function.logical_id
            );
        } else {
            assert!((1..=29).contains(&timeout), "{} answers within API Gateway's 30 s", function.logical_id);
        }
        let environment = template.environment(&function);
        if LambdaSource::load().upstream_variables().iter().any(|variable| environment.contains_key(variable)) {
            assert!(
                timeout > UPSTREAM_TIMEOUT.as_secs(),
                "{} calls an upstream that gets {} s: its timeout must leave room for the answer",
                function.logical_id,
                UPSTREAM_TIMEOUT.as_secs()
            );
        }
        assert!(
            reference(&function.properties["LoggingConfig"]["LogGroup"])
                .is_some_and(|group| template.resources_of("AWS::Logs::LogGroup").contains(&group.as_str())),
            "{} logs to a log group of the template (with retention)",
            function.logical_id
        );
    }
    let parameter = &template.document["Parameters"]["Architecture"];
    assert_eq!(parameter["Default"].as_str(), Some("arm64"));
}

#[test]
fn every_function_gets_the_configuration_lambda_rs_requires() {
    let template = Template::load();
    let lambda = LambdaSource::load();
    let secrets = template.resources_of("AWS::SecretsManager::Secret");
    let mut used = BTreeSet::new();
    for function in template.functions() {
        let environment = template.environment(&function);
        let required = lambda.requires_for(&function.binary);
        assert!(required.contains("TABLE_NAME"), "{}: lambda.rs reads TABLE_NAME: {required:?}", function.logical_id);
        // Least privilege: a secret the function does not read is not named to it either.
        let named: BTreeSet<String> = environment.keys().filter(|name| name.ends_with("_SECRET_ID")).cloned().collect();
        let needed: BTreeSet<String> = required.iter().filter(|name| name.ends_with("_SECRET_ID")).cloned().collect();
        assert_eq!(named, needed, "{}: the secrets it is configured with (left), those it reads", function.logical_id);
        used.extend(required.iter().cloned());
        for name in required {
            let value = environment.get(&name).unwrap_or_else(|| panic!("{} lacks {name}", function.logical_id));
            let target = reference(value)
                .unwrap_or_else(|| panic!("{}: {name} should reference a resource", function.logical_id));
            if name == "TABLE_NAME" {
                assert_eq!(target, "MembershipTable", "{}: {name}", function.logical_id);
            } else if name.ends_with("_SECRET_ID") {
                assert!(
                    secrets.contains(&target.as_str()),
                    "{}: {name} names {target}, not a secret",
                    function.logical_id
                );
            }
        }
    }
    assert_eq!(used, lambda.all_required(), "every variable lambda.rs requires is required by some function");
}

/// For each key secret's `*_SECRET_ID` variable, the JSON field shared/service/src/secrets.rs reads
/// from that secret (`membership::secrets::KEY_SECRETS`, what the service itself reads by).
fn secret_fields() -> Vec<(String, String)> {
    let fields: Vec<(String, String)> =
        KEY_SECRETS.iter().map(|secret| (secret.variable.to_owned(), secret.field.to_owned())).collect();
    assert!(fields.iter().any(|(v, f)| v == "PEPPER_SECRET_ID" && f == "pepper"), "secret fields read: {fields:?}");
    fields
}

#[test]
fn every_secret_generates_the_field_the_service_reads() {
    let template = Template::load();
    for function in template.functions() {
        let environment = template.environment(&function);
        for (variable, field) in secret_fields() {
            // Which function reads which secret is checked with the configuration.
            let Some(secret) = environment.get(&variable).and_then(reference) else { continue };
            let generated = &template.document["Resources"][secret.as_str()]["Properties"]["GenerateSecretString"];
            assert_eq!(generated["GenerateStringKey"].as_str(), Some(field.as_str()), "{secret} (read as {variable})");
        }
    }
}

/// The JSON fields `upstream_endpoint` (shared/service/src/secrets.rs) reads.
fn upstream_fields() -> Vec<String> {
    let fields: Vec<String> = [BASE_URL_FIELD, API_KEY_FIELD].map(str::to_owned).to_vec();
    assert!(fields.contains(&"apiKey".to_owned()) && fields.contains(&"baseUrl".to_owned()), "{fields:?}");
    fields
}

/// The residency and DLS secrets start as a placeholder the functions accept: the operator's base
/// URL (an https parameter) and a generated API key, to be replaced with the system's own key.
#[test]
fn every_upstream_secret_holds_a_base_url_parameter_and_a_generated_api_key() {
    let template = Template::load();
    let lambda = LambdaSource::load();
    let upstream = lambda.upstream_variables();
    assert!(!upstream.is_empty(), "lambda.rs reads upstream endpoints from secrets");
    let mut seen = BTreeSet::new();
    for function in template.functions() {
        let environment = template.environment(&function);
        for variable in upstream.iter().filter(|variable| environment.contains_key(*variable)) {
            let secret = reference(&environment[variable]).expect("checked with the configuration");
            let generated = &template.document["Resources"][secret.as_str()]["Properties"]["GenerateSecretString"];
            assert_eq!(
                generated["GenerateStringKey"].as_str(),
                Some("apiKey"),
                "{secret}: a generated placeholder key"
            );
            let json = reference(&generated["SecretStringTemplate"])
                .unwrap_or_else(|| panic!("{secret}: SecretStringTemplate is a !Sub of the base URL parameter"));
            for field in upstream_fields().iter().filter(|field| *field != "apiKey") {
                let marker = format!("\"{field}\":\"${{");
                let parameter = json
                    .split(&marker)
                    .nth(1)
                    .and_then(|rest| rest.split('}').next())
                    .unwrap_or_else(|| panic!("{secret}: {field} comes from a parameter: {json}"));
                let pattern = template.document["Parameters"][parameter]["AllowedPattern"].as_str().unwrap_or("");
                assert!(pattern.starts_with("^https://"), "{secret}: parameter {parameter} allows only https URLs");
            }
            seen.insert(variable.clone());
        }
    }
    assert_eq!(seen, upstream, "every upstream secret is read by some function");
}

/// purge-expired and the notifier have no route: an EventBridge schedule invokes them (hourly, and
/// every minute), and a failed delivery alarms like a failed run.
#[test]
fn scheduled_functions_run_hourly_and_alarm_when_they_cannot() {
    let template = Template::load();
    for (package, ..) in sources::SCHEDULED {
        let function = template
            .functions()
            .into_iter()
            .find(|f| f.binary == package)
            .unwrap_or_else(|| panic!("template.yaml has no function for {package}"));
        assert!(function.http_events.is_empty(), "{package} has no HTTP route");
        let events = function.properties["Events"].as_mapping().expect("the function has Events");
        let schedules: Vec<(String, &Yaml)> = events
            .iter()
            .filter(|(_, event)| event["Type"].as_str() == Some("Schedule"))
            .map(|(name, event)| (name.as_str().unwrap_or("").to_owned(), &event["Properties"]))
            .collect();
        assert_eq!(schedules.len(), 1, "{package}: one Schedule event");
        let (name, schedule) = &schedules[0];
        // The notifier runs every minute: a retry's backoff starts at a minute (API.md, Notices).
        let rate = if package == "notifier" { "rate(1 minute)" } else { "rate(1 hour)" };
        assert_eq!(schedule["Schedule"].as_str(), Some(rate), "{package}: API.md, Scheduled job");
        assert_ne!(schedule["State"].as_str(), Some("DISABLED"), "{package}: the schedule is enabled");
        // SAM names the rule <function><event>.
        let rule = format!("{}{name}", function.logical_id);
        let alarmed = template.resources().any(|(_, resource)| {
            let properties = &resource["Properties"];
            resource["Type"].as_str() == Some("AWS::CloudWatch::Alarm")
                && properties["Namespace"].as_str() == Some("AWS/Events")
                && properties["MetricName"].as_str() == Some("FailedInvocations")
                && properties["Dimensions"].as_sequence().is_some_and(|dimensions| {
                    dimensions.iter().any(|d| reference(&d["Value"]).as_deref() == Some(rule.as_str()))
                })
        });
        assert!(alarmed, "{package}: an alarm on the FailedInvocations of rule {rule}");
    }
}

#[test]
fn every_function_may_touch_only_its_table_and_the_secrets_it_reads() {
    let template = Template::load();
    for function in template.functions() {
        let environment = template.environment(&function);
        let secrets_read: BTreeSet<String> = environment
            .iter()
            .filter(|(name, _)| name.ends_with("_SECRET_ID"))
            .filter_map(|(_, value)| reference(value))
            .collect();
        let mut secrets_granted = BTreeSet::new();
        let mut table_actions = BTreeSet::new();
        for statement in statements(&function) {
            for action in &statement.actions {
                assert!(
                    !action.contains('*') || action.starts_with("kms:"),
                    "{}: wildcard action {action}",
                    function.logical_id
                );
                match action.split(':').next() {
                    Some("dynamodb") => {
                        assert!(
                            TABLE_ACTIONS.contains(&action.as_str()),
                            "{}: {action} is broader than item access",
                            function.logical_id
                        );
                        for resource in &statement.resources {
                            assert!(
                                resource == "MembershipTable.Arn"
                                    || resource.starts_with("${MembershipTable.Arn}/index/"),
                                "{}: {action} on {resource}, not the table",
                                function.logical_id
                            );
                        }
                        table_actions.insert(action.clone());
                    }
                    // BatchGetSecretValue names no resource; what it returns is filtered by the
                    // GetSecretValue grants.
                    Some("secretsmanager") if action == "secretsmanager:BatchGetSecretValue" => {
                        assert_eq!(statement.resources, ["*"], "{}: {action}", function.logical_id);
                    }
                    Some("secretsmanager") => {
                        assert_eq!(action, "secretsmanager:GetSecretValue", "{}", function.logical_id);
                        secrets_granted.extend(statement.resources.iter().cloned());
                    }
                    // Single sign-on signs ID tokens with its own key, and may do nothing else with it.
                    Some("kms") if action == "kms:Sign" || action == "kms:GetPublicKey" => {
                        assert_eq!(statement.resources, ["IdTokenSigningKey.Arn"], "{}: {action}", function.logical_id);
                    }
                    Some("kms") => {
                        assert_eq!(statement.resources, ["DataKey.Arn"], "{}: {action}", function.logical_id);
                    }
                    // Notices: SendEmail, from the configured identity only.
                    Some("ses") => {
                        assert_eq!(action, "ses:SendEmail", "{}", function.logical_id);
                        assert_eq!(
                            statement.resources,
                            ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SesIdentity}"],
                            "{}: {action} on the configured identity only",
                            function.logical_id
                        );
                    }
                    _ => panic!("{}: unexpected action {action}", function.logical_id),
                }
            }
        }
        assert_eq!(
            secrets_granted, secrets_read,
            "{}: GetSecretValue exactly on the secrets it is configured with",
            function.logical_id
        );
        assert!(!table_actions.is_empty(), "{}: every function uses the table", function.logical_id);
    }
}

#[test]
fn every_function_has_error_and_throttle_alarms() {
    let template = Template::load();
    let alarms: Vec<(String, String)> = template
        .resources()
        .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::CloudWatch::Alarm"))
        .filter(|(_, resource)| resource["Properties"]["Namespace"].as_str() == Some("AWS/Lambda"))
        .flat_map(|(_, resource)| {
            let metric = resource["Properties"]["MetricName"].as_str().unwrap_or("").to_owned();
            resource["Properties"]["Dimensions"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|d| d["Name"].as_str() == Some("FunctionName"))
                .filter_map(|d| reference(&d["Value"]))
                .map(move |function| (function, metric.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    for function in template.functions() {
        for metric in ["Errors", "Throttles"] {
            assert!(
                alarms.contains(&(function.logical_id.clone(), metric.to_owned())),
                "{} has no {metric} alarm",
                function.logical_id
            );
        }
    }
}

#[test]
fn the_data_at_rest_is_encrypted_with_the_rotating_key() {
    let template = Template::load();
    let key = &template.document["Resources"]["DataKey"]["Properties"];
    assert_eq!(key["EnableKeyRotation"].as_bool(), Some(true));
    let table = &template.document["Resources"]["MembershipTable"]["Properties"];
    assert_eq!(table["SSESpecification"]["SSEType"].as_str(), Some("KMS"));
    assert_eq!(reference(&table["SSESpecification"]["KMSMasterKeyId"]).as_deref(), Some("DataKey"));
    assert_eq!(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(), Some(true));
    assert_eq!(table["DeletionProtectionEnabled"].as_bool(), Some(true));
    for secret in template.resources_of("AWS::SecretsManager::Secret") {
        let properties = &template.document["Resources"][secret]["Properties"];
        assert_eq!(reference(&properties["KmsKeyId"]).as_deref(), Some("DataKey"), "{secret}");
        // The clients of single sign-on are the operator's list, starting empty: nothing to generate.
        if properties["SecretString"].as_str() == Some("[]") {
            continue;
        }
        let generated = &properties["GenerateSecretString"];
        // SecretKey::from_text wants at least 32 characters.
        assert!(generated["PasswordLength"].as_u64().is_some_and(|n| n >= 32), "{secret}");
        assert!(generated["GenerateStringKey"].as_str().is_some(), "{secret}");
    }
}
