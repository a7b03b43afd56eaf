//! The table's definition, read from the `MembershipTable` resource of `template.yaml`, so the
//! local server and the tests create exactly the table that is deployed.

use serde::Deserialize;

const TEMPLATE: &str = include_str!("../../../../template.yaml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    pub time_to_live_specification: Option<TimeToLive>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    pub projection_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLive {
    pub attribute_name: String,
    pub enabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Template {
    resources: std::collections::BTreeMap<String, Resource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    #[serde(rename = "Type")]
    kind: String,
    #[serde(default)]
    properties: serde_norway::Value,
}

#[derive(Debug, thiserror::Error)]
#[error("template.yaml has no usable MembershipTable: {0}")]
pub struct DefinitionError(String);

impl TableDefinition {
    pub fn from_template() -> Result<Self, DefinitionError> {
        Self::parse(TEMPLATE)
    }

    pub fn parse(template: &str) -> Result<Self, DefinitionError> {
        let template: Template = serde_norway::from_str(template).map_err(|e| DefinitionError(e.to_string()))?;
        let resource = template
            .resources
            .get("MembershipTable")
            .filter(|r| r.kind == "AWS::DynamoDB::Table")
            .ok_or_else(|| DefinitionError("no AWS::DynamoDB::Table named MembershipTable".into()))?;
        serde_norway::from_value(resource.properties.clone()).map_err(|e| DefinitionError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deployed_table_has_the_keys_the_store_uses() {
        let table = TableDefinition::from_template().unwrap();
        let keys: Vec<_> = table.key_schema.iter().map(|k| (k.attribute_name.as_str(), k.key_type.as_str())).collect();
        assert_eq!(keys, [(super::super::PK, "HASH"), (super::super::SK, "RANGE")]);
        assert_eq!(table.time_to_live_specification.unwrap().attribute_name, super::super::TTL);
        assert!(table.global_secondary_indexes.iter().any(|index| index.index_name == super::super::DUE_INDEX));
    }
}
