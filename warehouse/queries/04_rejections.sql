-- Inputs that could not be used in the latest run, with the reason.
SELECT r.source_ref, r.stage, r.reason, r.detail
FROM rejections r
WHERE r.run_id = (SELECT run_id FROM ingest_runs ORDER BY started_at DESC LIMIT 1)
ORDER BY r.source_ref
