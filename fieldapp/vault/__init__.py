"""The encrypted local store (SQLCipher): keys, schema and migrations, records, change log, audit log."""
