//! Enums whose every variant has one name on the wire, its name in snake case
//! (`StaleRevision` is `stale_revision`, as serde's `rename_all = "snake_case"` writes it):
//! [`named_enum!`] declares the enum and gives it `ALL` (every variant, in order), `as_str`
//! (the name, made when compiling) and `from_name`, so no name is written by hand.

/// The length of `name` (an identifier in `CamelCase`) in snake case.
pub const fn snake_len(name: &str) -> usize {
    let bytes = name.as_bytes();
    let (mut i, mut len) = (0, 0);
    while i < bytes.len() {
        if i > 0 && bytes[i].is_ascii_uppercase() {
            len += 1;
        }
        len += 1;
        i += 1;
    }
    len
}

/// `name` (an identifier in `CamelCase`) in snake case, as bytes; `N` is [`snake_len`].
pub const fn snake<const N: usize>(name: &str) -> [u8; N] {
    let bytes = name.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut j) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_uppercase() {
            if i > 0 {
                out[j] = b'_';
                j += 1;
            }
            out[j] = b.to_ascii_lowercase();
        } else {
            out[j] = b;
        }
        i += 1;
        j += 1;
    }
    out
}

/// Declares `pub enum $ty` with the attributes given, and `ALL`, `as_str` and `from_name`.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident {
            $($(#[$vmeta:meta])* $variant:ident,)*
        }
    ) => {
        $(#[$meta])*
        pub enum $ty {
            $($(#[$vmeta])* $variant,)*
        }

        impl $ty {
            /// Every variant, in the order declared.
            pub const ALL: [$ty; [$(stringify!($variant)),*].len()] = [$($ty::$variant),*];

            /// The variant's name on the wire.
            #[inline]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => {
                        const LEN: usize = $crate::wire_name::snake_len(stringify!($variant));
                        const BYTES: [u8; LEN] = $crate::wire_name::snake(stringify!($variant));
                        const NAME: &str = match core::str::from_utf8(&BYTES) {
                            Ok(name) => name,
                            Err(_) => panic!("an identifier in snake case is UTF-8"),
                        };
                        NAME
                    })*
                }
            }

            /// The variant with this name on the wire.
            pub fn from_name(name: &str) -> Option<$ty> {
                $ty::ALL.into_iter().find(|v| v.as_str() == name)
            }
        }
    };
}

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::{snake, snake_len};
    use crate::audit::AuditAction;
    use crate::error_code::ErrorCode;
    use crate::notify::{Delivery, EventKind, Role};

    /// Each variant serializes as its name, and its name reads back as itself.
    fn named_as_serialized<T: Serialize + Copy + PartialEq + std::fmt::Debug>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        from_name: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            assert_eq!(serde_json::to_value(v).ok(), Some(as_str(v).into()));
            assert_eq!(from_name(as_str(v)), Some(v));
        }
        assert_eq!(from_name("no such name"), None);
    }

    #[test]
    fn names_are_in_snake_case() {
        const N: usize = snake_len("IpNotAllowed");
        assert_eq!(&snake::<N>("IpNotAllowed"), b"ip_not_allowed");
        assert_eq!(snake_len("Csrf"), 4);
        assert_eq!(crate::api::route::TokenAction::Reset.as_str(), "reset");
    }

    #[test]
    fn every_name_is_the_serialized_one() {
        named_as_serialized(&ErrorCode::ALL, ErrorCode::as_str, ErrorCode::from_name);
        named_as_serialized(
            &AuditAction::ALL,
            AuditAction::as_str,
            AuditAction::from_name,
        );
        named_as_serialized(&EventKind::ALL, EventKind::as_str, EventKind::from_name);
        named_as_serialized(&Delivery::ALL, Delivery::as_str, Delivery::from_name);
        named_as_serialized(&Role::ALL, Role::as_str, Role::from_name);
    }
}
