-- fieldapp county server, schema 3 (PostgreSQL): 文号 (document serial number) blocks handed to devices.
-- One township's laptops draw their serial numbers from disjoint blocks, so no 文号 is issued twice.
CREATE TABLE serial_blocks (
    township_code TEXT NOT NULL, kind TEXT NOT NULL, year INTEGER NOT NULL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, device_id TEXT NOT NULL, reserved_at TEXT NOT NULL,
    PRIMARY KEY (township_code, kind, year, first_seq));
