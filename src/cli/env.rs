//! Every environment variable mcpform reads, in one place.

/// Base URL of the LiteLLM proxy (`--proxy-url` wins).
pub const PROXY_URL: &str = "LITELLM_PROXY_URL";
/// Default name of the variable holding the proxy_admin key.
pub const API_KEY: &str = "LITELLM_API_KEY";
/// Key of the credential fingerprints (so that several operators agree); the admin key
/// is used when unset.
pub const FINGERPRINT_KEY: &str = "MCPFORM_FINGERPRINT_KEY";
/// Disables colour (<https://no-color.org>), read by anstream.
pub const NO_COLOR: &str = "NO_COLOR";
