//! [`Field`]: a value that may be absent, explicitly `null`, or set; [`NotNull`]: one
//! that may be absent or set, never `null`.
//!
//! mcpform compares only what a file declares, so "not written" and "written as null"
//! must stay apart: `description: null` asks for no description; leaving the key out
//! leaves whatever the proxy has.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A declared-or-not, nullable field.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Field<T> {
    /// The key is not in the file.
    #[default]
    Absent,
    /// The key is there with `null`.
    Null,
    /// The key has a value.
    Value(T),
}

impl<T> Field<T> {
    /// Whether the key is missing (serde's `skip_serializing_if`).
    pub(crate) fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, if one is set.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A field that may be left out but not written as `null` (the proxy rejects `null`
/// for it). Its schema is `T`'s, not nullable; serialized, an absent one is skipped
/// (`#[serde(default, skip_serializing_if = "NotNull::is_absent")]` on the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotNull<T>(pub Option<T>);

// By hand: the derive would ask `T: Default`, and absent needs no `T`.
impl<T> Default for NotNull<T> {
    fn default() -> Self {
        NotNull(None)
    }
}

impl<T> NotNull<T> {
    /// Whether the key is missing (serde's `skip_serializing_if`).
    pub(crate) fn is_absent(&self) -> bool {
        self.0.is_none()
    }

    /// The value, if the file gives one.
    pub fn value(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<T: Copy> NotNull<T> {
    /// The value, copied.
    pub fn get(&self) -> Option<T> {
        self.0
    }
}

impl<T: Serialize> Serialize for NotNull<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NotNull<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Absent never gets here (`#[serde(default)]`); `null` must fail as a `T`.
        T::deserialize(deserializer).map(|v| NotNull(Some(v)))
    }
}

impl<T: JsonSchema> JsonSchema for NotNull<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // What `#[schemars(with = "T")]` gives: `T` inline, or a `$ref` to its definition.
        generator.subschema_for::<T>()
    }

    fn inline_schema() -> bool {
        true
    }
}

/// For an `Option<T>` field that must stay an `Option` (readers outside the model use
/// it as one): the same rules as [`NotNull`], through `deserialize_with`.
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(serializer),
            Field::Absent | Field::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(v) => Field::Value(v),
            None => Field::Null,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Field<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Option::<T>::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Option::<T>::json_schema(generator)
    }

    fn inline_schema() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct S {
        #[serde(default, skip_serializing_if = "Field::is_absent")]
        a: Field<String>,
    }

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct N {
        #[serde(default, skip_serializing_if = "NotNull::is_absent")]
        n: NotNull<u32>,
    }

    #[test]
    fn not_null_is_absent_or_a_value_never_null() {
        let absent: N = serde_json::from_str("{}").unwrap();
        assert!(absent.n.is_absent());
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        assert!(serde_json::from_str::<N>(r#"{"n":null}"#).is_err());
        let set: N = serde_json::from_str(r#"{"n":3}"#).unwrap();
        assert_eq!(set.n.get(), Some(3));
        assert_eq!(serde_json::to_string(&set).unwrap(), r#"{"n":3}"#);
    }

    #[test]
    fn absent_null_and_value_round_trip() {
        let absent: S = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.a, Field::Absent);
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        let null: S = serde_json::from_str(r#"{"a":null}"#).unwrap();
        assert_eq!(null.a, Field::Null);
        assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"a":null}"#);
        let set: S = serde_json::from_str(r#"{"a":"x"}"#).unwrap();
        assert_eq!(set.a.value().map(String::as_str), Some("x"));
    }
}
