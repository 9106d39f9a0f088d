//! The flags of every command that talks to the proxy (`plan`, later `apply` and
//! `export`), checked when they are parsed, and the [`ClientConfig`] they make.
//!
//! Checked at parse time, so that a bad value is a usage error (exit 1) and never a
//! panic or a silent default: `--timeout 1e20` panicked (exit 134) and `0`, `-5`, `inf`
//! and `NaN` became 30 s. The proxy URL and the admin key may hold secrets, so their
//! errors never repeat the value.

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Arg, Args, Command};

use crate::client::{ClientConfig, ProxyUrl, ProxyUrlError};
use crate::env;
use crate::escape::terminal_line;
use crate::secret::Secret;

/// The longest `--timeout`, in seconds: an hour is already more than any plan needs.
pub const MAX_TIMEOUT_SECS: f64 = 3600.0;

/// The most `--retries`.
pub const MAX_RETRIES: u32 = 10;

/// How to reach the proxy: flattened into each command that talks to it.
#[derive(Debug, Clone, Args)]
pub struct ProxyArgs {
    /// Base URL of the LiteLLM proxy (default: $LITELLM_PROXY_URL).
    #[arg(long, value_name = "URL", value_parser = ProxyUrlParser)]
    pub proxy_url: Option<ProxyUrl>,

    /// Name of the environment variable holding a proxy_admin key.
    #[arg(long, value_name = "NAME", default_value = env::API_KEY)]
    pub api_key_env: String,

    /// Seconds before a request to the proxy gives up, retries and waits included (at most 3600).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Retries of a read after connection errors, 429, 502, 503 and 504 (at most 10).
    #[arg(long, value_name = "N", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_RETRIES)))]
    pub retries: u32,
}

/// Why the flags and the environment do not make a client configuration. No variant
/// holds the URL as given or the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyArgsError {
    /// Neither `--proxy-url` nor `LITELLM_PROXY_URL`.
    #[error("no proxy URL: pass --proxy-url or set {variable}")]
    NoUrl {
        /// `LITELLM_PROXY_URL`.
        variable: &'static str,
    },
    /// `LITELLM_PROXY_URL` does not parse (`--proxy-url` is checked by clap).
    #[error("{variable}: {reason}")]
    Url {
        /// `LITELLM_PROXY_URL`.
        variable: &'static str,
        /// What is wrong.
        reason: ProxyUrlError,
    },
    /// The key variable is unset or empty.
    #[error("the environment variable {variable} is not set: it must hold a proxy_admin key")]
    NoKey {
        /// The variable's name (escaped).
        variable: String,
    },
    /// A space, line break, control or non-ASCII character in the key: it cannot be sent
    /// in a header, and reqwest's failure read as "cannot reach the proxy".
    #[error(
        "the admin key in {variable} contains a space, line break, control or non-ASCII character (the value is not shown); a key is printable ASCII: check how the variable is set (a trailing newline or carriage return from a file?)"
    )]
    KeyUnusable {
        /// The variable's name (escaped).
        variable: String,
    },
    /// The proxy URL contains the admin key (pasted into the wrong variable).
    #[error(
        "the proxy URL contains the admin key from {variable} (not shown): give the proxy's base address only"
    )]
    KeyInUrl {
        /// The key variable's name (escaped).
        variable: String,
    },
}

impl ProxyArgs {
    /// The client configuration of these flags, with the URL from `--proxy-url` or else
    /// `LITELLM_PROXY_URL` and the key from the variable named by `--api-key-env`, read
    /// through `env`; waits are announced on stderr.
    pub(crate) fn client_config(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ClientConfig, ProxyArgsError> {
        let base_url = match &self.proxy_url {
            Some(url) => url.clone(),
            None => {
                let text = env(env::PROXY_URL).ok_or(ProxyArgsError::NoUrl {
                    variable: env::PROXY_URL,
                })?;
                ProxyUrl::parse(&text).map_err(|reason| ProxyArgsError::Url {
                    variable: env::PROXY_URL,
                    reason,
                })?
            }
        };
        let api_key = self.api_key(env)?;
        let variable = terminal_line(&self.api_key_env).into_owned();
        let key = api_key.expose();
        // A short "key" would match by chance; the proxy's keys are far longer.
        if key.len() >= 8 && base_url.as_url().as_str().contains(key) {
            return Err(ProxyArgsError::KeyInUrl { variable });
        }
        let mut config = ClientConfig::new(base_url, api_key);
        config.timeout = self.timeout;
        config.connect_timeout = config.connect_timeout.min(self.timeout);
        config.retries = self.retries;
        config.notify = Some(Arc::new(|message: &str| eprintln!("note: {message}")));
        Ok(config)
    }

    /// The admin key, refused up front when it cannot travel in a header.
    fn api_key(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, ProxyArgsError> {
        let variable = terminal_line(&self.api_key_env).into_owned();
        let key = env(&self.api_key_env)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ProxyArgsError::NoKey {
                variable: variable.clone(),
            })?;
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ProxyArgsError::KeyUnusable { variable });
        }
        Ok(Secret::new(key))
    }
}

/// `--timeout`: a finite number of seconds, more than 0, at most [`MAX_TIMEOUT_SECS`].
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| "must be a number of seconds".to_owned())?;
    if !secs.is_finite() || secs <= 0.0 || secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "must be more than 0 and at most {MAX_TIMEOUT_SECS} seconds"
        ));
    }
    let budget = Duration::from_secs_f64(secs);
    if budget < Duration::from_millis(1) {
        return Err("must be at least 0.001 seconds".to_owned());
    }
    Ok(budget)
}

/// `--proxy-url`: a [`ProxyUrl`], with clap's usual usage error but never clap's
/// "invalid value '…'", which would repeat what was given (it may hold a secret).
#[derive(Clone, Debug)]
struct ProxyUrlParser;

impl TypedValueParser for ProxyUrlParser {
    type Value = ProxyUrl;

    fn parse_ref(
        &self,
        cmd: &Command,
        _arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<ProxyUrl, clap::Error> {
        let refuse = |message: String| cmd.clone().error(ErrorKind::ValueValidation, message);
        let text = value
            .to_str()
            .ok_or_else(|| refuse("--proxy-url: the proxy URL is not valid UTF-8".to_owned()))?;
        ProxyUrl::parse(text).map_err(|e| refuse(format!("--proxy-url: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        proxy: ProxyArgs,
    }

    fn parse(args: &[&str]) -> Result<ProxyArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("mcpform").chain(args.iter().copied())).map(|c| c.proxy)
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_are_todays() {
        let a = parse(&[]).expect("defaults");
        assert_eq!(a.timeout, Duration::from_secs(30));
        assert_eq!(a.retries, 3);
        assert_eq!(a.api_key_env, "LITELLM_API_KEY");
        assert!(a.proxy_url.is_none());
        assert_eq!(
            parse(&["--timeout", "0.3"]).expect("ok").timeout,
            Duration::from_millis(300)
        );
    }

    #[test]
    fn bad_timeouts_and_retries_are_usage_errors() {
        for t in ["1e20", "0", "-5", "inf", "NaN", "3601", "abc", "", "1e-300"] {
            let e = parse(&[&format!("--timeout={t}")]).expect_err(t);
            assert_eq!(e.kind(), ErrorKind::ValueValidation, "{t}");
        }
        assert!(parse(&["--timeout", "3600"]).is_ok());
        for r in ["11", "-1", "4294967296"] {
            assert!(parse(&[&format!("--retries={r}")]).is_err(), "{r}");
        }
        assert_eq!(parse(&["--retries", "10"]).expect("ok").retries, 10);
    }

    #[test]
    fn a_bad_proxy_url_flag_is_a_usage_error_that_does_not_echo_it() {
        for url in [
            "https://admin:pw-5150@h.example.com",
            "https://h.example.com/?key=pw-5150",
            "pw-5150",
        ] {
            let e = parse(&["--proxy-url", url]).expect_err(url);
            assert_eq!(e.kind(), ErrorKind::ValueValidation);
            let text = e.render().to_string();
            assert!(!text.contains("pw-5150"), "{text}");
            assert!(text.contains("--proxy-url"), "{text}");
        }
    }

    #[test]
    fn the_config_comes_from_the_flags_and_the_environment() {
        let a = parse(&["--timeout", "7", "--retries", "1"]).expect("args");
        let env = env_of(&[
            ("LITELLM_PROXY_URL", "http://127.0.0.1:4000/"),
            ("LITELLM_API_KEY", "sk-good-key-1"),
        ]);
        let c = a.client_config(&env).expect("config");
        assert_eq!(c.base_url.to_string(), "http://127.0.0.1:4000");
        assert_eq!(c.api_key.expose(), "sk-good-key-1");
        assert_eq!(
            (c.timeout, c.retries, c.connect_timeout),
            (Duration::from_secs(7), 1, Duration::from_secs(5))
        );
        assert!(c.notify.is_some());
        let flag = parse(&["--proxy-url", "https://p.example.com", "--timeout", "2"])
            .expect("args")
            .client_config(&env)
            .expect("config");
        assert_eq!(flag.base_url.to_string(), "https://p.example.com");
        assert_eq!(flag.connect_timeout, Duration::from_secs(2));
    }

    #[test]
    fn unusable_keys_are_refused_naming_the_variable_not_the_value() {
        let a = parse(&["--api-key-env", "MY_KEY"]).expect("args");
        for key in [
            "sk-abc\n",
            "sk-abc\r",
            "sk a",
            "sk-\u{1b}[2J",
            "sk-é",
            "\tsk",
        ] {
            let env = env_of(&[("LITELLM_PROXY_URL", "http://h.invalid"), ("MY_KEY", key)]);
            let e = a.client_config(&env).expect_err(key);
            assert_eq!(
                e,
                ProxyArgsError::KeyUnusable {
                    variable: "MY_KEY".into()
                }
            );
            assert!(!e.to_string().contains("sk-"), "{e}");
        }
        let env = env_of(&[("LITELLM_PROXY_URL", "http://h.invalid"), ("MY_KEY", "")]);
        assert!(matches!(
            a.client_config(&env),
            Err(ProxyArgsError::NoKey { .. })
        ));
    }

    #[test]
    fn url_errors_from_the_environment_and_a_pasted_key() {
        let a = parse(&[]).expect("args");
        let e = a
            .client_config(&env_of(&[("LITELLM_API_KEY", "sk-good-key-1")]))
            .expect_err("no url");
        assert_eq!(
            e.to_string(),
            "no proxy URL: pass --proxy-url or set LITELLM_PROXY_URL"
        );
        let e = a
            .client_config(&env_of(&[
                ("LITELLM_PROXY_URL", "http://u:pw-5150@h.invalid"),
                ("LITELLM_API_KEY", "sk-good-key-1"),
            ]))
            .expect_err("userinfo");
        assert!(e.to_string().starts_with("LITELLM_PROXY_URL: "), "{e}");
        assert!(!e.to_string().contains("pw-5150"));
        let e = a
            .client_config(&env_of(&[
                ("LITELLM_PROXY_URL", "http://h.invalid/sk-good-key-1"),
                ("LITELLM_API_KEY", "sk-good-key-1"),
            ]))
            .expect_err("key in url");
        assert!(matches!(e, ProxyArgsError::KeyInUrl { .. }));
        assert!(!e.to_string().contains("sk-good"), "{e}");
    }
}
