"""A tiny programme installed only for tests: a case, two steps, its own
migration and pages, plugged into the spine by declarations alone (the
recipe in docs/architecture.md)."""
