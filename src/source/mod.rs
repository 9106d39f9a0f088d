//! source: the ground floor. Files as mcpform read them ([`SourceFile`], addressed by
//! [`FileId`] in a [`Sources`] table) and positions inside them ([`Pos`], [`Span`]).
//!
//! Every other room may use it; it uses none of them.

mod file;
mod span;

pub use file::{FileId, SourceFile, Sources};
pub use span::{Pos, Span};
