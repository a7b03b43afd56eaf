//! What every deployed function needs from template.yaml, checked for each so a new function cannot
//! forget it: its build, the configuration shared/service/src/lambda.rs reads, and least-privilege
//! access to exactly what that configuration names.

use std::collections::BTreeSet;

use serde_norway::Value as Yaml;

use crate::sources::{self, reference, Template, TemplateFunction};

/// The environment variables shared/service/src/lambda.rs requires (`required("NAME")`).
fn required_environment() -> BTreeSet<String> {
    let source = sources::read("shared/service/src/lambda.rs");
    let names: BTreeSet<String> =
        source.split("required(\"").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect();
    assert!(names.contains("TABLE_NAME"), "lambda.rs reads TABLE_NAME through required(): {names:?}");
    names
}

/// Item-level actions on the table: a function may use some of these and nothing broader.
const TABLE_ACTIONS: [&str; 6] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
];

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
        assert!(
            setting("Timeout").as_u64().is_some_and(|t| t <= 29),
            "{} answers within API Gateway's 30 s",
            function.logical_id
        );
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
    let secrets = template.resources_of("AWS::SecretsManager::Secret");
    for function in template.functions() {
        let environment = template.environment(&function);
        for name in required_environment() {
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
}

/// For each `*_SECRET_ID` variable, the JSON field shared/service/src/secrets.rs reads from that
/// secret: lambda.rs gives `SecretIds { identity: required("IDENTITY_SECRET_ID")?, .. }`, secrets.rs
/// reads `key_field(source, &ids.identity, "resultKey")`.
fn secret_fields() -> Vec<(String, String)> {
    let lambda = sources::read("shared/service/src/lambda.rs");
    let secrets = sources::read("shared/service/src/secrets.rs");
    let fields: Vec<(String, String)> = lambda
        .split(": required(\"")
        .collect::<Vec<_>>()
        .windows(2)
        .filter_map(|pair| {
            let id = pair[0].rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next()?;
            let variable = pair[1].split('"').next()?;
            let field = secrets.split(&format!("&ids.{id}, \"")).nth(1)?.split('"').next()?;
            Some((variable.to_owned(), field.to_owned()))
        })
        .collect();
    assert!(fields.iter().any(|(v, f)| v == "PEPPER_SECRET_ID" && f == "pepper"), "secret fields read: {fields:?}");
    fields
}

#[test]
fn every_secret_generates_the_field_the_service_reads() {
    let template = Template::load();
    for function in template.functions() {
        let environment = template.environment(&function);
        for (variable, field) in secret_fields() {
            let secret = environment.get(&variable).and_then(reference).expect("checked with the configuration");
            let generated = &template.document["Resources"][secret.as_str()]["Properties"]["GenerateSecretString"];
            assert_eq!(generated["GenerateStringKey"].as_str(), Some(field.as_str()), "{secret} (read as {variable})");
        }
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
                    Some("secretsmanager") => {
                        assert_eq!(action, "secretsmanager:GetSecretValue", "{}", function.logical_id);
                        secrets_granted.extend(statement.resources.iter().cloned());
                    }
                    Some("kms") => {
                        assert_eq!(statement.resources, ["DataKey.Arn"], "{}: {action}", function.logical_id);
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
        let generated = &properties["GenerateSecretString"];
        // SecretKey::from_text wants at least 32 characters.
        assert!(generated["PasswordLength"].as_u64().is_some_and(|n| n >= 32), "{secret}");
        assert!(generated["GenerateStringKey"].as_str().is_some(), "{secret}");
    }
}
