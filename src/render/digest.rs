//! The digest of any serializable value, for fingerprints: what a page is
//! made from, hashed without writing it out as text.
//!
//! A page's fingerprint only has to change whenever its data does. JSON
//! would do, but formatting every number and escaping every string of
//! every page on every build costs more than the rest of planning the site.
//! This serializer feeds BLAKE3 a binary form instead: each value a tag
//! byte then its payload, numbers as little-endian bytes, strings and bytes
//! with their length, and every compound closed by an end tag, so that two
//! different values of the same type never give the same bytes.

use serde::ser::{self, Serialize};

/// BLAKE3 of `value`'s serialized form.
pub fn digest<T: Serialize + ?Sized>(value: &T) -> blake3::Hash {
    let mut feed = Feed {
        hasher: blake3::Hasher::new(),
        buf: Vec::with_capacity(BUF),
    };
    match value.serialize(&mut feed) {
        Ok(()) => {
            feed.hasher.update(&feed.buf);
            feed.hasher.finalize()
        }
        // A value whose Serialize fails fails everywhere it is written: no
        // page can be made of it either.
        Err(e) => panic!("the model serializes: {e}"),
    }
}

/// Bytes gathered before they go to BLAKE3, which costs a call per update
/// whatever its size: most of what is fed here is a few bytes at a time.
const BUF: usize = 8 << 10;

struct Feed {
    hasher: blake3::Hasher,
    buf: Vec<u8>,
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

// One tag per kind of value; each tag is followed by bytes of one length,
// so that no two values write the same bytes.
const BOOL: u8 = 1;
const INT: u8 = 2;
const UINT: u8 = 3;
const FLOAT: u8 = 4;
const CHAR: u8 = 5;
const STR: u8 = 6;
const BYTES: u8 = 7;
const NONE: u8 = 8;
const SOME: u8 = 9;
const UNIT: u8 = 10;
const VARIANT: u8 = 11;
const NEWTYPE: u8 = 12;
const SEQ: u8 = 13;
const MAP: u8 = 14;
const STRUCT: u8 = 15;
const END: u8 = 16;
const INT128: u8 = 17;
const UINT128: u8 = 18;

impl Feed {
    fn put(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() > BUF {
            self.hasher.update(&self.buf);
            self.buf.clear();
        }
        if bytes.len() > BUF {
            self.hasher.update(bytes);
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn tag(&mut self, tag: u8) {
        self.put(&[tag]);
    }

    fn tagged(&mut self, tag: u8, bytes: &[u8]) {
        self.tag(tag);
        self.put(bytes);
    }

    fn text(&mut self, tag: u8, bytes: &[u8]) {
        self.tagged(tag, &(bytes.len() as u64).to_le_bytes());
        self.put(bytes);
    }

    fn variant(&mut self, index: u32, name: &str) {
        self.tagged(VARIANT, &index.to_le_bytes());
        self.text(STR, name.as_bytes());
    }
}

impl ser::Serializer for &mut Feed {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.tagged(BOOL, &[u8::from(v)]);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.tagged(INT, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        // As JSON writes it: a value that fits 64 bits is that value.
        match i64::try_from(v) {
            Ok(v) => self.serialize_i64(v),
            Err(_) => {
                self.tagged(INT128, &v.to_le_bytes());
                Ok(())
            }
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.tagged(UINT, &v.to_le_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        match u64::try_from(v) {
            Ok(v) => self.serialize_u64(v),
            Err(_) => {
                self.tagged(UINT128, &v.to_le_bytes());
                Ok(())
            }
        }
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.tagged(FLOAT, &v.to_bits().to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.tagged(CHAR, &u32::from(v).to_le_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.text(STR, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.text(BYTES, v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.tag(NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        self.tag(SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.tag(UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.variant(index, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.tag(NEWTYPE);
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.variant(index, variant);
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Error> {
        self.tag(SEQ);
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        self.tag(SEQ);
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.tag(SEQ);
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.variant(index, variant);
        self.tag(SEQ);
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Error> {
        self.tag(MAP);
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.tag(STRUCT);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.variant(index, variant);
        self.tag(STRUCT);
        Ok(self)
    }
}

/// A sequence's elements, a tuple's, a tuple struct's or variant's fields:
/// in order, then the end tag.
macro_rules! in_order {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Feed {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}

in_order!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Feed {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        self.tag(END);
        Ok(())
    }
}

/// A struct's or struct variant's fields, each named, so that a skipped
/// field (`skip_serializing_if`) cannot be taken for the next one.
macro_rules! named {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Feed {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
                self.text(STR, key.as_bytes());
                value.serialize(&mut **self)
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), Error> {
                self.text(NONE, key.as_bytes());
                Ok(())
            }
            fn end(self) -> Result<(), Error> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}

named!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::digest;

    #[derive(Debug, Serialize)]
    struct Page {
        title: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        #[serde(flatten)]
        extra: BTreeMap<String, f64>,
        rows: Vec<(u32, String)>,
    }

    /// Values that serialize to different JSON have different digests,
    /// and the same value always the same one.
    fn page() -> impl Strategy<Value = Page> {
        (
            ".{0,6}",
            proptest::option::of(".{0,4}"),
            proptest::collection::btree_map("[a-c]{1,2}", -2.0f64..2.0, 0..3),
            proptest::collection::vec((0u32..3, "[xy]{0,2}"), 0..4),
        )
            .prop_map(|(title, note, extra, rows)| Page {
                title,
                note,
                extra,
                rows,
            })
    }

    proptest! {
        #[test]
        fn digests_tell_values_apart_as_json_does(a in page(), b in page()) {
            let (ja, jb) = (serde_json::to_vec(&a).unwrap(), serde_json::to_vec(&b).unwrap());
            prop_assert_eq!(ja == jb, digest(&a) == digest(&b));
        }
    }

    #[test]
    fn nesting_and_lengths_are_part_of_the_digest() {
        // Strings that concatenate alike, and sequences that flatten alike.
        assert_ne!(digest(&("ab", "c")), digest(&("a", "bc")));
        assert_ne!(digest(&vec![vec![1], vec![]]), digest(&vec![vec![], vec![1]]));
        assert_ne!(digest(&Some(())), digest(&None::<()>));
        assert_ne!(digest(&1u32), digest(&1i32));
        assert_eq!(digest(&1u8), digest(&1u64));
        // 128-bit integers are the 64-bit one where JSON writes them alike
        // (one tag, one length), and their own kind where they do not.
        assert_eq!(digest(&5i128), digest(&5i64));
        assert_eq!(digest(&5u128), digest(&5u64));
        assert_ne!(digest(&(i128::from(i64::MAX) + 1)), digest(&i64::MIN));
        assert_ne!(digest(&u128::MAX), digest(&u64::MAX));
    }
}
