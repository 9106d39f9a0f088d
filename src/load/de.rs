//! serde straight from the tree: the typed model is read without building JSON first.
//!
//! This is the fast path for valid files. Errors here carry no position; `lint` then
//! runs the JSON Schema over that one server to say precisely what is wrong.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::tree::{Entry, Node, Value, float_spelling};

/// Why a tree did not fit the target type (no position: the schema reports those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(pub String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl<'de> Deserializer<'de> for &'de Node {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            Value::Float(f) => visitor.visit_borrowed_str(float_spelling(*f)),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(Items(items.iter())),
            Value::Map(entries) => visitor.visit_map(Entries {
                iter: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => Err(de::Error::custom("expected a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// serde's derived structs also accept a list of field values; YAML files must
    /// spell fields out, as the schema says.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.value {
            Value::Map(_) => self.deserialize_any(visitor),
            _ => Err(de::Error::custom("expected a mapping")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Node>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0.next().map(|n| seed.deserialize(n)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    iter: std::slice::Iter<'a, Entry>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some(e) => {
                self.value = Some(&e.value);
                let key: de::value::BorrowedStrDeserializer<'de, DeError> =
                    de::value::BorrowedStrDeserializer::new(&e.key);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::custom("a value without a key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use crate::load::load_text;

    #[derive(Debug, Deserialize, PartialEq)]
    struct T {
        a: Option<String>,
        b: Vec<u32>,
        #[serde(default)]
        c: Option<E>,
        d: f64,
        #[serde(flatten)]
        rest: serde_json::Map<String, serde_json::Value>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum E {
        #[serde(rename = "x-y")]
        XY,
    }

    #[test]
    fn reads_typed_values_from_the_tree() {
        let loaded = load_text(
            "t.yaml",
            "a: ~\nb: [1, 2]\nc: x-y\nd: 3\nextra: {k: true}\n",
        );
        let root = loaded.documents[0].root.as_ref().unwrap();
        let t = T::deserialize(root).unwrap();
        assert_eq!(t.a, None);
        assert_eq!(t.b, [1, 2]);
        assert_eq!(t.c, Some(E::XY));
        assert_eq!(t.d, 3.0);
        assert_eq!(t.rest["extra"], serde_json::json!({"k": true}));
    }

    #[test]
    fn mismatches_are_errors_not_panics() {
        for bad in [
            "a: 1\nb: []\nd: 1\n",
            "b: [-1]\nd: 1\n",
            "b: []\nd: x\n",
            "b: []\nd: 1\nc: z\n",
        ] {
            let loaded = load_text("t.yaml", bad);
            let root = loaded.documents[0].root.as_ref().unwrap();
            assert!(T::deserialize(root).is_err(), "{bad}");
        }
    }
}
