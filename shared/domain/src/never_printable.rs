//! Test-only proof that a type holding a secret input cannot be printed with `{}` nor serialized:
//! `assert_never_printable!(T)` compiles only while `T` implements neither `Display` nor `Serialize`
//! (a call to `item` is ambiguous exactly when both impls of a trait below apply).

pub trait AmbiguousIfDisplay<A> {
    fn item() {}
}
impl<T: ?Sized> AmbiguousIfDisplay<()> for T {}
pub struct Displayable;
impl<T: ?Sized + std::fmt::Display> AmbiguousIfDisplay<Displayable> for T {}

pub trait AmbiguousIfSerialize<A> {
    fn item() {}
}
impl<T: ?Sized> AmbiguousIfSerialize<()> for T {}
pub struct Serializable;
impl<T: ?Sized + serde::Serialize> AmbiguousIfSerialize<Serializable> for T {}

macro_rules! assert_never_printable {
    ($type:ty) => {{
        <$type as $crate::never_printable::AmbiguousIfDisplay<_>>::item();
        <$type as $crate::never_printable::AmbiguousIfSerialize<_>>::item();
    }};
}
pub(crate) use assert_never_printable;

/// Compiles only for types that wipe themselves when dropped.
pub fn assert_wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
