"""ipwire: India–Pakistan relations news, ingested nightly into DuckDB."""

__version__ = "0.1.0"
