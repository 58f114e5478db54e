//! gomon-core's whole Store conformance suite on PostgreSQL, each case on a
//! fresh database of its own.

mod support;

gomon_core::conformance_tests!(support::new_store);
