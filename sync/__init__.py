"""Sync: protocol messages, the HTTP client, USB bundles, and the county server (:mod:`sync.server`)."""
