//! `credentials`: the upstream secrets (LiteLLM's `MCPCredentials`), write-only on the proxy.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::field::NotNull;

/// Credentials for the upstream (LiteLLM's `MCPCredentials`). Secret values
/// (`auth_value`, `client_secret`, AWS keys, private keys) must be `${env:NAME}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// The static token or key sent with `auth_type` bearer_token, api_key, token,
    /// basic or authorization. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    #[schemars(example = &"${env:GITHUB_MCP_TOKEN}")]
    pub auth_value: NotNull<String>,
    /// OAuth client id.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub client_id: NotNull<String>,
    /// OAuth client secret. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub client_secret: NotNull<String>,
    /// OAuth scopes to request.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub scopes: NotNull<Vec<String>>,
    /// How the proxy authenticates at the token endpoint.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub token_endpoint_auth_method: NotNull<TokenEndpointAuthMethod>,
    /// Redirect URIs of a dynamically registered client.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub redirect_uris: NotNull<Vec<String>>,
    /// Issuer of a dynamically registered client.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub dcr_issuer: NotNull<String>,
    /// Registration server of a dynamically registered client.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub dcr_server_url: NotNull<String>,
    /// AWS SigV4 access key id. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_access_key_id: NotNull<String>,
    /// AWS SigV4 secret access key. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_secret_access_key: NotNull<String>,
    /// AWS STS session token. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_session_token: NotNull<String>,
    /// AWS region for SigV4 signing.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    #[schemars(example = &"us-east-1")]
    pub aws_region_name: NotNull<String>,
    /// AWS service name for SigV4 signing.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_service_name: NotNull<String>,
    /// IAM role ARN to assume.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_role_name: NotNull<String>,
    /// Session name for AssumeRole.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub aws_session_name: NotNull<String>,
    /// Legacy place of the top-level `audience` field.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub audience: NotNull<String>,
    /// Legacy place of the top-level `token_exchange_endpoint` field.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub token_exchange_endpoint: NotNull<String>,
    /// Legacy place of the top-level `subject_token_type` field.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub subject_token_type: NotNull<String>,
    /// Legacy place of the top-level `token_exchange_profile` field.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub token_exchange_profile: NotNull<String>,
    /// ID-JAG: resource authorization server token endpoint.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub id_jag_resource_token_endpoint: NotNull<String>,
    /// ID-JAG: RFC 8707 resource indicator.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub id_jag_resource: NotNull<String>,
    /// ID-JAG: which token leg 1 presents (`login_assertion` or `refresh_token`).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub id_jag_subject_source: NotNull<String>,
    /// ID-JAG: client id at the resource authorization server.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub id_jag_resource_client_id: NotNull<String>,
    /// ID-JAG: client secret at the resource authorization server. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub id_jag_resource_client_secret: NotNull<String>,
    /// RFC 8707 resource indicator for the upstream OAuth legs (`auto` derives it from `url`).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub upstream_resource: NotNull<String>,
    /// Header that carries the credential upstream (default `Authorization`).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub upstream_token_header: NotNull<String>,
    /// PEM private key for a private-key-JWT client assertion. Secret: `${env:NAME}`.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub client_private_key: NotNull<String>,
    /// Key id advertised in the client assertion.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub client_private_key_id: NotNull<String>,
    /// Signing algorithm of the client assertion (default RS256).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub client_assertion_signing_alg: NotNull<String>,
}

/// A string member's value, when set.
fn v(member: &NotNull<String>) -> Option<&str> {
    member.value().map(String::as_str)
}

impl Credentials {
    /// Each key whose value is a secret and must come from the environment, with its
    /// value when set: read from the members themselves, so a rule that checks them
    /// cannot silently check nothing.
    pub(crate) fn secrets(&self) -> [(&'static str, Option<&str>); 7] {
        [
            ("auth_value", v(&self.auth_value)),
            ("client_secret", v(&self.client_secret)),
            ("aws_access_key_id", v(&self.aws_access_key_id)),
            ("aws_secret_access_key", v(&self.aws_secret_access_key)),
            ("aws_session_token", v(&self.aws_session_token)),
            (
                "id_jag_resource_client_secret",
                v(&self.id_jag_resource_client_secret),
            ),
            ("client_private_key", v(&self.client_private_key)),
        ]
    }

    /// Whether `key` is one whose value is a secret.
    pub(crate) fn is_secret_key(key: &str) -> bool {
        Credentials::default()
            .secrets()
            .iter()
            .any(|(k, _)| *k == key)
    }
}

/// `client_secret_basic` or `client_secret_post`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum TokenEndpointAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_secret_is_read_from_the_member_serde_names_so() {
        // Every secret key set to its own name: the model must know each key (it refuses
        // unknown ones), and each must read back from its own member.
        let keys: Vec<&str> = Credentials::default()
            .secrets()
            .iter()
            .map(|(k, _)| *k)
            .collect();
        let all: serde_json::Map<String, serde_json::Value> = keys
            .iter()
            .map(|k| ((*k).to_owned(), (*k).into()))
            .collect();
        let creds: Credentials = serde_json::from_value(all.into()).unwrap();
        for (key, value) in creds.secrets() {
            assert_eq!(value, Some(key));
        }
        assert!(Credentials::is_secret_key("client_secret"));
        assert!(!Credentials::is_secret_key("client_id"));
    }
}
