//! [`DeclaredServer`]: a server as the files declare it, complete or not; what lint's
//! rules read. Only a complete one becomes a [`DesiredServer`], the input of plan.

use super::{
    DesiredServer, EnvRefProblem, EnvRefUse, Lifecycle, Origin, PartialSpec, Transport, proxy,
};

/// A declared server: every field that fits the model.
///
/// A field the file gives with a value of the wrong type or out of range, and a key
/// the model does not know, are left out of `spec` and listed in `unfit` (the schema
/// reports them). So a rule reads the fields that fit exactly as in a complete server,
/// but must not take a missing field for an absent one: see [`fits`](Self::fits).
#[derive(Debug, Clone)]
pub struct DeclaredServer {
    /// The fields that fit. `server_name` and `transport` are `None` when missing,
    /// `null` or unfit.
    pub spec: PartialSpec,
    /// Where.
    pub origin: Origin,
    /// Every well-formed `${env:…}` reference in the fields that fit.
    pub env_refs: Vec<EnvRefUse>,
    /// Every malformed one in the fields that fit.
    pub env_ref_problems: Vec<EnvRefProblem>,
    /// Top-level keys left out of `spec` because they do not fit, in file order.
    pub unfit: Vec<String>,
    /// `transport` as the file spells it: `http` for an OpenAPI server written the
    /// API's way, which `spec.transport` reads as `openapi`.
    pub transport_as_written: Option<Transport>,
}

impl DeclaredServer {
    /// Whether the field fits the model: absent, or given with a value of its type.
    /// A rule that concludes anything from a field being absent checks this first.
    pub fn fits(&self, field: &str) -> bool {
        !self.unfit.iter().any(|f| f == field)
    }

    /// Whether every one of `fields` fits.
    pub(crate) fn all_fit(&self, fields: &[&str]) -> bool {
        fields.iter().all(|f| self.fits(f))
    }

    /// Whether every field fits and both required ones are there: the server can be
    /// planned.
    pub(crate) fn is_complete(&self) -> bool {
        self.unfit.is_empty() && self.spec.server_name.is_some() && self.spec.transport.is_some()
    }

    /// The server, for plan, when it is complete ([`is_complete`](Self::is_complete)).
    pub(crate) fn into_desired(self) -> Option<DesiredServer> {
        if !self.unfit.is_empty() {
            return None;
        }
        Some(DesiredServer {
            spec: self.spec.complete()?,
            origin: self.origin,
            env_refs: self.env_refs,
            env_ref_problems: self.env_ref_problems,
        })
    }

    /// `server_name`, when it fits.
    pub fn name(&self) -> Option<&str> {
        self.spec.server_name.as_deref()
    }

    /// `transport`, when it fits.
    pub fn transport(&self) -> Option<Transport> {
        self.spec.transport
    }

    /// The server's name for messages: `server_name`, else where it is declared.
    pub fn label(&self) -> String {
        match self.name() {
            Some(name) => name.to_owned(),
            // `/servers/3` → `servers[3]`, as the schema's labels say it.
            None => match self.origin.pointer.rsplit_once('/') {
                Some((list, index)) => format!("{}[{index}]", list.trim_start_matches('/')),
                None => self.origin.pointer.clone(),
            },
        }
    }

    /// The alias the proxy will store, when it is known: the declared one, else the
    /// server name, with spaces turned into `_` as the proxy does.
    pub(crate) fn effective_alias(&self) -> Option<String> {
        let alias = self.spec.alias.value().map(String::as_str);
        match (alias, self.name()) {
            (Some(a), _) if !a.is_empty() => Some(proxy::normalise_name(a)),
            (_, Some(name)) if self.fits("alias") => Some(proxy::effective_alias(alias, name)),
            _ => None,
        }
    }

    /// Whether the file turns BYOK on.
    pub fn is_byok(&self) -> bool {
        self.spec.is_byok.get() == Some(true)
    }

    /// The lifecycle block, or the defaults.
    pub fn lifecycle(&self) -> Lifecycle {
        self.spec.lifecycle.value().cloned().unwrap_or_default()
    }
}
