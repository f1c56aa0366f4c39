-- Which process ran each ingest, so a later run can tell a run that is still going from one
-- whose process was killed: a `running` row whose process is gone is marked `crashed`.
ALTER TABLE ingest_runs ADD COLUMN pid INTEGER;
ALTER TABLE ingest_runs ADD COLUMN host VARCHAR;
