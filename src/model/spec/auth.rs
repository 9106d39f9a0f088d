//! `auth_type` and `oauth2_flow`: how the proxy authenticates to the upstream.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the proxy authenticates to the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum AuthType {
    None,
    ApiKey,
    BearerToken,
    Basic,
    Authorization,
    Oauth2,
    AwsSigv4,
    Token,
    Oauth2TokenExchange,
    Oauth2IdJag,
    TruePassthrough,
    OauthDelegate,
}

impl AuthType {
    /// The five static schemes through which the proxy sends a user's BYOK key.
    pub const fn carries_user_key(self) -> bool {
        matches!(
            self,
            AuthType::BearerToken
                | AuthType::ApiKey
                | AuthType::Token
                | AuthType::Basic
                | AuthType::Authorization
        )
    }

    /// Schemes for which the proxy stores per-user OAuth tokens, which it purges when
    /// the server's URL or OAuth settings change.
    pub const fn stores_user_oauth_tokens(self) -> bool {
        matches!(
            self,
            AuthType::Oauth2 | AuthType::Oauth2TokenExchange | AuthType::Oauth2IdJag
        )
    }

    /// The `credentials` keys the proxy holds (write-only) for this scheme: what an
    /// operator must supply again when adopting a server whose credentials cannot be
    /// read back.
    pub(crate) const fn credential_keys(self) -> &'static [&'static str] {
        match self {
            AuthType::ApiKey
            | AuthType::BearerToken
            | AuthType::Basic
            | AuthType::Authorization
            | AuthType::Token => &["auth_value"],
            AuthType::Oauth2 | AuthType::Oauth2TokenExchange | AuthType::Oauth2IdJag => {
                &["client_id", "client_secret"]
            }
            AuthType::AwsSigv4 => &["aws_access_key_id", "aws_secret_access_key"],
            AuthType::None | AuthType::TruePassthrough | AuthType::OauthDelegate => &[],
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::None => "none",
            AuthType::ApiKey => "api_key",
            AuthType::BearerToken => "bearer_token",
            AuthType::Basic => "basic",
            AuthType::Authorization => "authorization",
            AuthType::Oauth2 => "oauth2",
            AuthType::AwsSigv4 => "aws_sigv4",
            AuthType::Token => "token",
            AuthType::Oauth2TokenExchange => "oauth2_token_exchange",
            AuthType::Oauth2IdJag => "oauth2_id_jag",
            AuthType::TruePassthrough => "true_passthrough",
            AuthType::OauthDelegate => "oauth_delegate",
        }
    }
}

/// OAuth grant: `client_credentials` or `authorization_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum OAuth2Flow {
    ClientCredentials,
    AuthorizationCode,
}
