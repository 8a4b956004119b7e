"""Use cases on plain values; callers own the transaction."""
