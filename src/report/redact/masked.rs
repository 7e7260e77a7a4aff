//! [`Masked`]: any serializable value, with every string in it masked as it
//! is serialized.
//!
//! The report model keeps texts as the notes, logs and git wrote them;
//! everything that leaves the model for the client's portal (page contexts,
//! `data/*.json`, the feed, the search index) is serialized through this
//! wrapper. Masking at the serializer, rather than field by field where the
//! model is built, means a new field, a new view or a new struct from
//! another stage cannot be forgotten: there is no list of fields to keep
//! up to date. Map keys are strings too and are masked alike.
//!
//! The wrapper forwards every call to the real serializer, wrapping each
//! nested value again, and changes only `serialize_str` (and `collect_str`,
//! which goes through it).

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

use super::Redactor;

/// `value`, serialized with every string masked by `redactor`.
pub struct Masked<'a, T: ?Sized> {
    value: &'a T,
    redactor: &'a Redactor,
}

impl<'a, T: ?Sized> Masked<'a, T> {
    pub fn new(value: &'a T, redactor: &'a Redactor) -> Self {
        Masked { value, redactor }
    }
}

impl<T: Serialize + ?Sized> Serialize for Masked<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(MaskingSerializer {
            inner: s,
            redactor: self.redactor,
        })
    }
}

struct MaskingSerializer<'a, S> {
    inner: S,
    redactor: &'a Redactor,
}

/// A compound serializer (sequence, map, struct …) whose elements are
/// masked.
struct Compound<'a, C> {
    inner: C,
    redactor: &'a Redactor,
}

impl<'a, C> Compound<'a, C> {
    fn masked<'v, T: ?Sized>(&self, value: &'v T) -> Masked<'v, T>
    where
        'a: 'v,
    {
        Masked::new(value, self.redactor)
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
}

impl<'a, S: Serializer> Serializer for MaskingSerializer<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(&self.redactor.mask(v))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Masked::new(value, self.redactor))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_struct(name, &Masked::new(value, self.redactor))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, &Masked::new(value, self.redactor))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_seq(len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_tuple(len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_tuple_struct(name, len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_tuple_variant(name, index, variant, len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_map(len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_struct(name, len)?,
            redactor: self.redactor,
        })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Compound {
            inner: self.inner.serialize_struct_variant(name, index, variant, len)?,
            redactor: self.redactor,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Sequences and tuples: each element masked.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<C: $trait> $trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                let value = self.masked(value);
                self.inner.$method(&value)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<C: SerializeMap> SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        let key = self.masked(key);
        self.inner.serialize_key(&key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let value = self.masked(value);
        self.inner.serialize_value(&value)
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        let (key, value) = (self.masked(key), self.masked(value));
        self.inner.serialize_entry(&key, &value)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// Structs: each field masked, under its name.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<C: $trait> $trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), C::Error> {
                let value = self.masked(value);
                self.inner.serialize_field(key, &value)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;
    use crate::report::redact::RedactSettings;

    #[derive(Serialize)]
    struct Page {
        title: String,
        author: Option<String>,
        tags: Vec<String>,
        by_person: BTreeMap<String, u32>,
        pair: (String, u32),
        kind: Kind,
        count: u32,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Note(String),
    }

    #[test]
    fn every_string_at_every_depth_is_masked_and_nothing_else_changes() {
        let settings: RedactSettings =
            toml::from_str("[[patterns]]\nname = \"engineers\"\nregex = \"王测试\"\n").unwrap();
        let r = Redactor::new(&settings).unwrap();
        let page = Page {
            title: "致电 13912345678".into(),
            author: Some("王测试".into()),
            tags: vec!["a@example.org".into(), "OFD".into()],
            by_person: [("王测试".to_string(), 2)].into(),
            pair: ("password=x1".into(), 7),
            kind: Kind::Note("王测试写".into()),
            count: 13912345,
        };
        let json = serde_json::to_value(Masked::new(&page, &r)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "title": "致电 139****5678",
                "author": "***",
                "tags": ["a************", "OFD"],
                "by_person": { "***": 2 },
                "pair": ["password=**", 7],
                "kind": { "note": "***写" },
                "count": 13912345,
            })
        );
        // The same through minijinja, as templates see it.
        let value = minijinja::Value::from(minijinja::value::Serde(Masked::new(&page, &r)));
        assert_eq!(value.get_attr("author").unwrap().to_string(), "***");
        // And unchanged with no rules.
        let none = Redactor::none();
        let plain = serde_json::to_value(Masked::new(&page, &none)).unwrap();
        assert_eq!(plain, serde_json::to_value(&page).unwrap());
    }
}
