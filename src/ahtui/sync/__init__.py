"""Sync between sites by signed, encrypted change bundles (to come; see DESIGN.md)."""
