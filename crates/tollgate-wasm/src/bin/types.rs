//! Prints the TypeScript declarations of the `@tollgate/core` package's data types: the
//! admin API's types and the list filter from `tollgate-core`, then the package's own
//! shapes. `cargo xtask package` writes them to `types.d.ts`.

fn main() {
    print!(
        "// Generated from the Rust types by `cargo xtask package`; do not edit.\n\n{}{}",
        tollgate_core::typescript::declarations(),
        tollgate_wasm::shapes::declarations()
    );
}
