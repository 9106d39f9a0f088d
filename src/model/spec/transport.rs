//! `transport`: how the proxy talks to a server.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Transport: `http`, `sse`, `openapi` or `stdio`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum Transport {
    Http,
    Sse,
    Openapi,
    Stdio,
}

impl Transport {
    /// The name in files and plans.
    pub const fn as_str(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::Sse => "sse",
            Transport::Openapi => "openapi",
            Transport::Stdio => "stdio",
        }
    }

    /// Whether BYOK makes sense (the user's key travels in an HTTP header).
    pub const fn supports_byok(self) -> bool {
        !matches!(self, Transport::Stdio)
    }
}
