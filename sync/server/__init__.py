"""The county sync server (FastAPI), with SQLite and PostgreSQL storage backends."""
