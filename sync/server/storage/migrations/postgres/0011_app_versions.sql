-- fieldapp county server, schema 11 (postgres): server settings (the minimum app version laptops need, where
-- to get the new one) and the app packages the county offers for download, each signed by the server key.
CREATE TABLE server_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE app_releases (
    platform TEXT NOT NULL, version TEXT NOT NULL, file_name TEXT NOT NULL, size BIGINT NOT NULL,
    sha256 TEXT NOT NULL, signature TEXT NOT NULL, published_at TEXT NOT NULL, PRIMARY KEY (platform, version));
-- The data epoch names this database's history; a restore from backup gives it a new one, and laptops
-- that see it change send again what they still hold (docs/deploy.md, "Backup and restore").
INSERT INTO server_settings (name, value, updated_at) VALUES ('data_epoch', md5(random()::text || clock_timestamp()::text), now()::text);
