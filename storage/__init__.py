"""The schema, its migrations and the SQL store, one code path for SQLite and PostgreSQL."""
