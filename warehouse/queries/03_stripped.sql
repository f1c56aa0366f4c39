-- What cleaning removed, by kind: the audit trail of boilerplate stripping.
SELECT s.kind, count(*) AS blocks, any_value(s.text) AS example
FROM stripped_blocks s
GROUP BY s.kind
ORDER BY blocks DESC, s.kind
