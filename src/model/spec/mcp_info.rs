//! `mcp_info`: free-form server metadata with a few known keys.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::field::NotNull;

/// Server metadata (LiteLLM's `mcp_info`): the known keys below plus any custom ones.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct McpInfo {
    /// Display name; the proxy lists `server_name` here when absent.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub server_name: NotNull<String>,
    /// Description; when present the proxy lists it as the server's description, so
    /// keep it equal to `description` or leave it out.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub description: NotNull<String>,
    /// Logo shown in the dashboard.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    #[schemars(example = &"https://example.com/logo.png")]
    pub logo_url: NotNull<String>,
    /// Cost per call, for spend tracking.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub mcp_server_cost_info: NotNull<CostInfo>,
    /// MCP protocol version to speak upstream (`auto` negotiates); `2026-07-28` needs
    /// http or stdio.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub protocol_version: NotNull<ProtocolVersion>,
    /// Do not validate tool output against the tool's declared output schema.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub skip_tool_output_validation: NotNull<bool>,
    /// Custom metadata.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Cost of calling the server's tools.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostInfo {
    /// Cost of one call to any tool.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub default_cost_per_query: NotNull<f64>,
    /// Cost of one call, per tool name.
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub tool_name_to_cost_per_query: NotNull<BTreeMap<String, f64>>,
}

/// MCP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum ProtocolVersion {
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "2024-11-05")]
    V2024_11_05,
    #[serde(rename = "2025-03-26")]
    V2025_03_26,
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}
