"""The warehouse on DuckLake: a PostgreSQL catalog and Parquet files in a folder or on S3.

Addressed the way DuckLake itself is: `ducklake:postgres:dbname=ipwire host=… port=… user=…`
plus a data path. Every connection is an in-memory DuckDB with the lake attached as `lake` and
in use, so the same SQL runs on a `.duckdb` file and on a lake.

A lake has no primary keys, unique constraints, indexes or sequences. The numbered migrations
are translated here (keys dropped but remembered by `table_keys()`, indexes dropped, a sequence
becomes a row of `lake_sequences`), and the guarantees a key gave are kept by serialising the
writers that insert into the same key space: `run_batch(..., claims=[...])` updates one row per
claimed name in `lake_claims`, so two transactions claiming the same name conflict at commit,
one of them is run again, and its anti-join then sees the other's rows.
"""

from ipwire.warehouse.lake.address import (  # noqa: F401
    ALIAS,
    CLAIMS_TABLE,
    CONNECT_TIMEOUT,
    HELPER_TABLES,
    PREFIX,
    PROBE_TIMEOUT,
    SEQUENCES_TABLE,
    CatalogUnreachable,
    LakeAddress,
    LakeAddressError,
    LakeError,
    _columns,
    is_lake_address,
    mask_password,
    parse_address,
    parse_conninfo,
    s3_secret_sql,
)
from ipwire.warehouse.lake.connect import (  # noqa: F401
    BatchStats,
    attach,
    claim,
    connect_lake,
    data_path_of,
    ensure_claims,
    insert_new,
    is_conflict,
    is_lake,
    next_seq,
    probe_catalog,
    run_batch,
)
from ipwire.warehouse.lake.copy import (  # noqa: F401
    CopyReport,
    copy_warehouse,
    fingerprint,
    open_warehouse,
    table_fingerprint,
    warehouse_hash,
)
from ipwire.warehouse.lake.schema import (  # noqa: F401
    LOG_SQL,
    Translation,
    applied_versions,
    duplicate_keys,
    migrate,
    pending,
    strip_comments,
    table_keys,
    translate,
)
