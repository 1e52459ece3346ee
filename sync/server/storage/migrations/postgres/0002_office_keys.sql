-- fieldapp county server, schema 2 (PostgreSQL): the county office's recovery public key (X25519, PEM), every version kept.
-- The newest version is handed to laptops at enrollment and in every pull, signed by the server key.
CREATE TABLE office_keys (
    version INTEGER PRIMARY KEY, public_key_pem TEXT NOT NULL, signature TEXT NOT NULL, set_at TEXT NOT NULL);
