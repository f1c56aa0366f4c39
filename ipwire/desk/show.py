"""`ipwire show`: one article with everything that explains it, as a dict and as text.

Why was it labelled relevant, which sentences set its tone, what did cleaning cut, which copies
were folded into it, how did its text change, and who else reported the same event.
"""

from __future__ import annotations

import textwrap
from typing import Any

import duckdb

from ipwire.desk.search import headline_of


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict]:
    cur = conn.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def find(conn: duckdb.DuckDBPyConnection, ref: str) -> str | list[str] | None:
    """The article id `ref` names (id, URL, source path or id prefix); a list when ambiguous."""
    ref = ref.strip()
    exact = conn.execute(
        "SELECT article_id FROM articles WHERE article_id = $r OR url = $r"
        " OR canonical_url = $r OR source_ref = $r ORDER BY article_id = $r DESC LIMIT 1",
        {"r": ref},
    ).fetchone()
    if exact:
        return exact[0]
    if len(ref) >= 6 and all(c in "0123456789abcdef" for c in ref.lower()):
        ids = [
            a
            for (a,) in conn.execute(
                "SELECT article_id FROM articles WHERE starts_with(article_id, ?) LIMIT 20",
                [ref.lower()],
            ).fetchall()
        ]
        if len(ids) == 1:
            return ids[0]
        if ids:
            return ids
    return None


def article(conn: duckdb.DuckDBPyConnection, article_id: str) -> dict[str, Any]:
    """Everything about one article, JSON-ready (plain values, lists and dicts)."""
    a = _rows(conn, "SELECT * FROM articles WHERE article_id = ?", [article_id])[0]
    chain_id = a["duplicate_of"] or article_id
    labels = _rows(conn, "SELECT * FROM chains WHERE chain_id = ?", [chain_id])
    lab = labels[0] if labels else {}
    evidence = _rows(
        conn,
        "SELECT label, sentence FROM article_evidence WHERE article_id = ? ORDER BY label, ord",
        [article_id],
    )
    out: dict[str, Any] = {
        "article_id": article_id,
        "title": a["title"] or headline_of(a["body"]),
        "outlet": a["outlet"],
        "country": a["outlet_country"],
        "author": a["author"],
        "url": a["url"],
        "canonical_url": a["canonical_url"],
        "source": f"{a['source_kind']} {a['source_ref']}",
        "published_at": a["published_at"],
        "fetched_at": str(a["fetched_at"]),
        "language": a["language"],
        "word_count": a["word_count"],
        "revision": a["revision"],
        "labels": {
            "relevance": _label(a["relevance"], lab.get("relevance"), lab.get("relevance_source")),
            "is_relevant": lab.get("is_relevant", a["is_relevant"]),
            "relevance_reason": a["relevance_reason"],
            "relevance_evidence": [e["sentence"] for e in evidence if e["label"] == "relevance"],
            "tone": _label(a["tone"], lab.get("tone"), lab.get("tone_source")),
            "tone_evidence": [e["sentence"] for e in evidence if e["label"] == "tone"],
            "topics_source": lab.get("topics_source", "machine"),
            "effective_topics": list(lab.get("topics") or []),
            "classifier_version": a["classifier_version"],
        },
        "topics": _rows(
            conn,
            "SELECT topic, round(score, 3) AS score, evidence FROM article_topics"
            " WHERE article_id = ? ORDER BY score DESC",
            [article_id],
        ),
        "actors": _rows(
            conn,
            "SELECT actor, kind, mentions FROM article_actors WHERE article_id = ?"
            " ORDER BY mentions DESC, actor",
            [article_id],
        ),
        "corrections": _rows(
            conn,
            "SELECT c.article_id, field, CAST(value AS VARCHAR) AS value, note, analyst,"
            ' CAST("at" AS VARCHAR) AS "at" FROM label_corrections c'
            " JOIN articles a USING (article_id)"
            ' WHERE coalesce(a.duplicate_of, a.article_id) = ? ORDER BY "at"',
            [chain_id],
        ),
        "stripped": _rows(
            conn,
            "SELECT kind, text FROM stripped_blocks WHERE article_id = ? ORDER BY ord",
            [article_id],
        ),
        "chain": _rows(
            conn,
            "SELECT article_id, outlet, published_at, dup_reason,"
            " round(dup_similarity, 3) AS similarity, article_id = ? AS this"
            " FROM articles WHERE article_id = ? OR duplicate_of = ?"
            " ORDER BY duplicate_of IS NOT NULL, published_at NULLS LAST, article_id",
            [article_id, chain_id, chain_id],
        ),
        "revisions": _rows(
            conn,
            "SELECT revision, CAST(fetched_at AS VARCHAR) AS fetched_at, title, diff"
            " FROM article_revisions WHERE article_id = ? ORDER BY revision",
            [article_id],
        ),
        "story_id": a["story_id"],
        "story": _rows(
            conn,
            "SELECT article_id, outlet, outlet_country AS country,"
            " CAST(published_date AS VARCHAR) AS published, headline AS title, n_copies AS copies,"
            " tone"
            " FROM chains WHERE story_id = ? AND chain_id <> ?"
            " ORDER BY published_date DESC NULLS LAST, fetched_at DESC LIMIT 20",
            [a["story_id"], chain_id],
        )
        if a["story_id"]
        else [],
        "body": a["body"],
    }
    return out


def _label(machine: float | None, effective: float | None, source: str | None) -> dict:
    return {
        "value": None if effective is None else round(effective, 3),
        "source": source or "machine",
        "machine": None if machine is None else round(machine, 3),
    }


def as_text(a: dict[str, Any], width: int = 100_000) -> str:
    """The article for a terminal: sections with short headings, sentences in full by default."""

    def cut(text: str | None) -> str:
        text = " ".join((text or "").split())
        return text if len(text) <= width else text[: width - 1] + "…"

    lab = a["labels"]
    rel, tone = lab["relevance"], lab["tone"]
    where = a["outlet"] or "unknown outlet"
    where += f" ({a['country']})" if a["country"] else ""
    lines = [
        a["title"] or "(no title)",
        f"{where}  published {a['published_at'] or 'unknown'}  fetched {a['fetched_at'][:19]}",
        f"id {a['article_id']}  {a['url'] or a['source']}",
        "",
        f"== Relevance {_fmt_label(rel)}  "
        f"{'relevant' if lab['is_relevant'] else 'not relevant'}"
        + (f" ({lab['relevance_reason']})" if lab["relevance_reason"] else ""),
    ]
    lines += [f"  - {cut(s)}" for s in lab["relevance_evidence"]]
    lines.append(f"== Tone {_fmt_label(tone)}  (−1 conflict … +1 cooperation)")
    lines += [f"  - {cut(s)}" for s in lab["tone_evidence"]]
    topics_head = "== Topics"
    if lab["topics_source"] == "analyst":
        topics_head += f"  (analyst: {', '.join(lab['effective_topics']) or 'none'})"
    lines.append(topics_head)
    for t in a["topics"]:
        lines.append(f"  {t['topic']} {t['score']}")
        lines += [f"    - {cut(s)}" for s in (t["evidence"] or [])]
    if a["actors"]:
        lines.append("== Actors")
        lines.append(
            "  " + "; ".join(f"{x['actor']} ({x['kind']}, {x['mentions']})" for x in a["actors"])
        )
    if a["corrections"]:
        lines.append("== Analysts' corrections")
        for c in a["corrections"]:
            lines.append(
                f"  {c['at'][:19]} {c['analyst'] or '?'}: {c['field']} = {c['value']}"
                + (f" ({c['note']})" if c["note"] else "")
            )
    lines.append(f"== Stripped by cleaning ({len(a['stripped'])} blocks)")
    lines += [f"  [{s['kind']}] {cut(s['text'])}" for s in a["stripped"]]
    if len(a["chain"]) > 1:
        lines.append(f"== Duplicate chain ({len(a['chain'])} articles)")
        for c in a["chain"]:
            how = f"{c['dup_reason']} {c['similarity']}" if c["dup_reason"] else "first copy"
            mark = " <- this" if c["this"] else ""
            lines.append(
                f"  {c['article_id']}  {c['outlet'] or '?'}  {c['published_at'] or 'undated'}"
                f"  {how}{mark}"
            )
    if len(a["revisions"]) > 1:
        lines.append(f"== Revisions ({len(a['revisions'])})")
        for r in a["revisions"]:
            lines.append(f"  revision {r['revision']} fetched {r['fetched_at'][:19]}")
            if r["diff"]:
                lines.append(textwrap.indent(r["diff"].rstrip(), "    "))
    if a["story"]:
        lines.append(f"== Same story ({len(a['story'])} other reports, newest first)")
        for s in a["story"]:
            lines.append(
                f"  {s['published'] or 'undated'}  {s['outlet'] or '?'}"
                f"{' (' + s['country'] + ')' if s['country'] else ''}  {s['article_id']}"
                f"  {cut(s['title'] or '')}"
            )
    lines.append("== Text")
    lines.append(textwrap.indent(a["body"].strip(), "  "))
    return "\n".join(lines)


def _fmt_label(label: dict) -> str:
    if label["value"] is None:
        return "none"
    text = f"{label['value']:+.2f}" if label["value"] < 0 else f"{label['value']:.2f}"
    if label["source"] == "analyst":
        text += f" (analyst; machine {label['machine']})"
    return text
