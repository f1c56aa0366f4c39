"""Stories (layer 4): different reports of one event, clustered and re-clustered.

Reports are found through what survives a rewrite (names, places, numbers, dates, quoted
words), scored with inverse document frequency and gated by date window, relevance and
topics. Story names come from the earliest member by (published time, article id); at the end
of a run ``recluster_run`` re-clusters the stories with the final key weights (the whole
warehouse while it is small, see ``full_recluster_max``; ``recluster_all`` does it on demand),
so the same articles give the same partitions whatever order, batches or runs they came in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import duckdb
import numpy as np

from ipwire.ids import stable_id
from ipwire.records import Article
from ipwire.settings import DedupSettings
from ipwire.tasks.dedup.batch import _add_batch_doc, _Overlay, _own_keys_vs
from ipwire.tasks.dedup.features import compute_features
from ipwire.tasks.dedup.index import _Index, _own_keys
from ipwire.tasks.dedup.ordering import _LAST_DAY, _cluster_key, _doc_key, _order_key
from ipwire.tasks.dedup.scoring import (
    _group,
    _is_rewrite,
    _joinable,
    _link_threshold,
    _pair_score,
    _story_candidates,
    _union,
    _Weigher,
)
from ipwire.tasks.dedup.stored_index import _INDEXES, _index_key, warehouse_index


def _component(
    view: _Overlay,
    start: list[tuple[int, int]],
    skip: set[str],
    weigher: _Weigher,
    settings: DedupSettings,
) -> tuple[list[tuple[int, int]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """Every article connected to ``start`` by a story link (a score at or above the link
    threshold, scored from both sides), a shared story or a shared duplicate root, up to
    ``story_max_component`` articles; and the links found. Stored rows of articles in
    ``skip`` (re-ingested in this batch) are left out."""
    seen: set[tuple[int, int]] = set()
    links: list[tuple[tuple[int, int], tuple[int, int]]] = []
    frontier = sorted(start)
    stored = view.indexes[0]
    while frontier and len(seen) < settings.story_max_component:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        ix_no, doc = node
        index = view.indexes[ix_no]
        keys, kinds = index.story_keys_of(doc)
        found: list[tuple[int, int]] = []
        for score, jx, other in _story_candidates(
            view.indexes, keys.tolist(), kinds.tolist(), weigher, settings
        ):
            oindex = view.indexes[jx]
            if (jx, other) == node or oindex.article_id[other] in skip and jx == 0:
                continue
            if score < min(
                settings.story_text_key_floor,
                settings.story_threshold,
                settings.story_threshold_untopical,
            ):
                break  # best first: no later candidate can link
            score = _pair_score(score, (view.indexes, node, (jx, other)), settings)
            if score >= _link_threshold(int(index.tmask[doc]), int(oindex.tmask[other]), settings):
                found.append((jx, other))
                links.append((node, (jx, other)))
        sid = index.story_of(doc) if ix_no == 0 else None
        if sid:
            found += [m for m in view.members(view.resolve_story(sid)) if m[0] == 0]
        root = view.resolve_root(index.root_id[doc])
        at = view.doc_of(root)
        if at is not None:
            found.append(at)
            if at[0] == 0 and stored.story_of(at[1]):
                found += [m for m in view.members(stored.story_of(at[1])) if m[0] == 0]
        for other in found:
            if other not in seen and not (
                other[0] == 0 and view.indexes[0].article_id[other[1]] in skip
            ):
                frontier.append(other)
    return sorted(seen), links


def _recluster(
    view: _Overlay, nodes: list[tuple[int, int]], weigher: _Weigher, settings: DedupSettings
) -> dict[tuple[int, int], str]:
    """Story ids of a connected set of articles, from their pairwise scores alone.

    Copies (same duplicate root) form a unit. Units are taken in a fixed order, by their
    earliest member's (published day, article id); a unit joins every story built so far with
    a linking pair (score at or above the link threshold), a mean score over all member pairs
    of at least ``story_mean_threshold`` (average linkage) and the gates passed (window,
    relevance, topics). Then a unit whose mean score over the rest of its story fell below
    ``story_mean_threshold`` as the story grew is taken out (``_trimmed``), and the units
    taken out are clustered again among themselves. A story's id comes from its earliest
    member. The result depends on the set of articles only, not on the order or batches
    they arrived in."""
    info = {}
    for node in nodes:
        index = view.indexes[node[0]]
        keys, kinds = index.story_keys_of(node[1])
        w = weigher.weights(keys.tolist(), kinds.tolist())
        wmap = {k: x for k, x in zip(keys.tolist(), w.tolist(), strict=True) if x > 0}
        info[node] = (wmap, float(sum(wmap.values())), int(index.tmask[node[1]]))

    def key_score(a: tuple[int, int], b: tuple[int, int]) -> float:
        wa, ta, _ = info[a]
        wb, tb, _ = info[b]
        if ta <= 0 or tb <= 0:
            return 0.0
        if len(wb) < len(wa):
            wa, wb = wb, wa
        return sum(x for k, x in wa.items() if k in wb) / math.sqrt(ta * tb)

    units: dict[str, list[tuple[int, int]]] = {}
    for node in nodes:
        root = view.resolve_root(view.indexes[node[0]].root_id[node[1]])
        units.setdefault(root, []).append(node)
    order = sorted(
        units.values(), key=lambda u: min(_cluster_key(view.indexes[i], d) for i, d in u)
    )

    cache: dict[tuple[int, int], tuple[float, bool, bool]] = {}

    def unit_score(i: int, j: int) -> tuple[float, bool, bool]:
        """The best pair of copies of units ``i`` and ``j``: a report is as close as its
        best-kept copy (an all-caps or truncated copy loses names it still stands for). And
        whether a pair links, and whether a pair is a rewrite (see ``_is_rewrite``)."""
        pair = (min(i, j), max(i, j))
        if pair not in cache:
            keyed = [(key_score(a, b), a, b) for a in order[i] for b in order[j]]
            scores = [(_pair_score(k, (view.indexes, a, b), settings), a, b) for k, a, b in keyed]
            linked = any(
                x >= _link_threshold(info[a][2], info[b][2], settings) for x, a, b in scores
            )
            rewrite = any(_is_rewrite(k, (view.indexes, a, b), settings) for k, a, b in keyed)
            cache[pair] = (max(x for x, _, _ in scores), linked, rewrite)
        return cache[pair]

    clusters = _trimmed(_greedy(view, order, unit_score, settings), unit_score, settings)
    evicted = [[u] for c in clusters if len(c) == 1 for u in c]
    while True:  # units evicted from a story may still make one of their own
        singles = sorted(u for c in evicted for u in c)
        regrouped = _trimmed(
            _greedy(view, order, unit_score, settings, singles), unit_score, settings
        )
        if len(regrouped) == len(singles):
            break
        clusters = [c for c in clusters if len(c) > 1] + regrouped
        evicted = [c for c in regrouped if len(c) == 1]
    out: dict[tuple[int, int], str] = {}
    for units_no in clusters:
        members = [node for u in units_no for node in order[u]]
        first = min(_doc_key(view.indexes[i], d) for i, d in members)
        sid = stable_id("story", first[1])
        for node in members:
            out[node] = sid
    return out


UnitScore = Callable[[int, int], tuple[float, bool, bool]]


def _greedy(
    view: _Overlay,
    order: list[list[tuple[int, int]]],
    unit_score: UnitScore,
    settings: DedupSettings,
    todo: list[int] | None = None,
) -> list[list[int]]:
    """Stories of the units ``todo`` (numbers into ``order``, all by default), taken in
    order: a unit joins every story built so far with a linking pair, a mean unit score of
    at least ``story_mean_threshold`` and the gates passed."""
    clusters: list[list[int]] = []  # stories as lists of unit numbers
    groups: list[tuple] = []
    for u in range(len(order)) if todo is None else todo:
        group = _group(view, order[u])
        scored = []
        for c_no, units_in in enumerate(clusters):
            if not units_in:
                continue
            found = [unit_score(u, other) for other in units_in]
            mean = sum(x for x, _, _ in found) / len(found)
            if any(ok for _, ok, _ in found) and mean >= settings.story_mean_threshold:
                scored.append((-max(x for x, _, _ in found), c_no, any(r for _, _, r in found)))
        chosen = []
        for _, c_no, rewrite in sorted(scored):
            if _joinable(group, groups[c_no], settings.story_window_days, rewrite):
                chosen.append(c_no)
                group = _union(group, groups[c_no])
        if not chosen:
            clusters.append([u])
            groups.append(group)
            continue
        keep = min(chosen)
        for c_no in chosen:
            if c_no != keep:
                clusters[keep].extend(clusters[c_no])
                clusters[c_no] = []
                groups[c_no] = (_LAST_DAY, -_LAST_DAY, {0, 1}, set())  # never joinable
        clusters[keep].append(u)
        groups[keep] = group
    return [sorted(c) for c in clusters if c]


def _trimmed(
    clusters: list[list[int]], unit_score: UnitScore, settings: DedupSettings
) -> list[list[int]]:
    """The stories with every unit that no longer matches its story as a whole taken out
    (its mean score over the other units below ``story_mean_threshold``), worst first, each
    as a story of its own. A story grows one unit at a time, each matching the story as it
    was then; a chain of such steps can end far from where it began (last year's agreement
    and this year's renewal, through the reports in between)."""
    out: list[list[int]] = []
    for cluster in clusters:
        kept = list(cluster)
        while len(kept) > 2:
            means = [
                (sum(unit_score(u, v)[0] for v in kept if v != u) / (len(kept) - 1), -u)
                for u in kept
            ]
            worst, neg_u = min(means)
            if worst >= settings.story_mean_threshold:
                break
            kept.remove(-neg_u)
            out.append([-neg_u])
        out.append(kept)
    return out


def assign_stories(
    conn: duckdb.DuckDBPyConnection,
    articles: list[Article],
    settings: DedupSettings | None = None,
) -> None:
    """Set ``story_id`` (layer 4), in place, after classification.

    Each article is scored against the warehouse and its batch; the articles connected to
    the batch through story links (a score of at least ``story_threshold``, or
    ``story_threshold_untopical`` when either side has no topic), shared stories or shared
    duplicate roots are re-clustered together from their pairwise scores in a fixed order
    (see ``_recluster``). Stored articles whose story changes are carried as ("member",
    article id, story id) merges on the batch's articles of that component, for ``persist``
    to re-point. So the stories depend on the set of articles, not on input order or
    batching."""
    s = settings or DedupSettings()
    stored = warehouse_index(conn, s)
    batch = _Index(s, capacity=max(16, len(articles)))
    view = _Overlay(stored, batch)
    ordered = sorted(articles, key=_order_key)
    for art in ordered:  # chains merged by find_duplicates in this batch
        for layer, old, new in art.dedup_merges:
            if layer == "root":
                view.root_alias[old] = new
    for n, art in enumerate(ordered):
        art.story_id = None
        _add_batch_doc(batch, n, art, compute_features(art, s), with_story=True)
        root = view.doc_of(view.resolve_root(art.duplicate_of)) if art.duplicate_of else None
        if art.duplicate_of is None:
            batch.n_story_docs += 1
        batch.story_df.add_many(
            _own_keys(batch, n, None) if root is None else _own_keys_vs(batch, n, view, root)
        )
    skip = {art.article_id for art in ordered}
    weigher = _Weigher(view.indexes, s)
    start = [(1, n) for n in range(len(ordered))]
    for art in ordered:  # the stored chains this batch merged into an article's chain
        for layer, old, _ in art.dedup_merges:
            found = view.doc_of(old) if layer == "root" else None
            if found is not None and found[0] == 0 and old not in skip:
                start.append(found)
    nodes, links = _component(view, start, skip, weigher, s)
    for members in _split(view, nodes, links):
        stories = _recluster(view, members, weigher, s)
        repoints = []
        for (ix_no, doc), sid in sorted(stories.items()):
            if ix_no == 1:
                ordered[doc].story_id = sid
            else:
                current = stored.story_of(doc)
                current = view.resolve_story(current) if current else None
                if current != sid:
                    repoints.append(("member", stored.article_id[doc], sid))
        for ix_no, doc in members:
            if ix_no == 1:
                kept = [m for m in ordered[doc].dedup_merges if m[0] not in ("story", "member")]
                ordered[doc].dedup_merges = kept + repoints
    for n, art in enumerate(ordered):  # beyond the component cap: a story of its own
        if art.story_id is None:
            art.story_id = stable_id("story", art.article_id)
            batch.story_id[n] = art.story_id


def _split(
    view: _Overlay,
    nodes: list[tuple[int, int]],
    links: list[tuple[tuple[int, int], tuple[int, int]]],
) -> list[list[tuple[int, int]]]:
    """Connected components of ``nodes`` (story links, shared duplicate roots, shared stored
    stories), so each is clustered on its own."""
    parent = {node: node for node in nodes}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: tuple[int, int], b: tuple[int, int]) -> None:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    for a, b in links:
        join(a, b)
    by_root: dict[str, tuple[int, int]] = {}
    by_story: dict[str, tuple[int, int]] = {}
    for node in nodes:
        index = view.indexes[node[0]]
        root = view.resolve_root(index.root_id[node[1]])
        join(by_root.setdefault(root, node), node)
        if node[0] == 0 and index.story_of(node[1]):
            sid = view.resolve_story(index.story_of(node[1]))
            join(by_story.setdefault(sid, node), node)
    comps: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for node in nodes:
        comps.setdefault(find(node), []).append(node)
    return list(comps.values())


def recluster_touched(
    conn: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    settings: DedupSettings | None = None,
) -> int:
    """Re-cluster, once a run has loaded all its batches, every story component touched by
    the run's articles with the final key weights; return the number of articles re-pointed.

    Batches are clustered with the document frequencies known at the time, which grow as the
    warehouse does, so a component clustered early kept weights that a later batch changed.
    Re-clustering with the end-of-run weights (same fixed order, same gates, see
    ``_recluster``) makes the stories depend on what is stored, not on the order the articles
    came in. Each component is bounded by ``story_max_component``. Changed rows
    (``articles.story_id``, ``dedup_signatures.story_id``) are re-pointed in one transaction
    and logged as "member" merges, like ``persist`` does."""
    s = settings or DedupSettings()
    if not article_ids:
        return 0
    stored = warehouse_index(conn, s)
    view = _Overlay(stored, _Index(s, capacity=16))
    weigher = _Weigher(view.indexes, s)
    todo = sorted({(0, stored.by_article[a]) for a in set(article_ids) if a in stored.by_article})
    todo = [node for node in todo if stored.live[node[1]]]
    done: set[tuple[int, int]] = set()
    moves: dict[str, tuple[str, str]] = {}  # article id -> (new story id, touched article)
    for start in todo:
        if start in done:
            continue
        nodes, links = _component(view, [start], set(), weigher, s)
        done.update(nodes)
        for members in _split(view, nodes, links):
            stories = _recluster(view, members, weigher, s)
            for (_, doc), sid in sorted(stories.items()):
                current = stored.story_of(doc)
                current = view.resolve_story(current) if current else None
                if current != sid:
                    moves[stored.article_id[doc]] = (sid, stored.article_id[start[1]])
    if not moves:
        return 0
    from ipwire.tasks.dedup.persist import write_story_moves

    write_story_moves(conn, moves)
    warehouse_index(conn, s)  # learn the moves now (member merges)
    return len(moves)


def recluster_all(conn: duckdb.DuckDBPyConnection, settings: DedupSettings | None = None) -> int:
    """Re-cluster every stored article with key weights read afresh from the warehouse;
    return the number of articles re-pointed. The stories then depend only on what is
    stored: the same articles give the same stories whatever the order, batches or runs
    they came in. Costs an index load plus a story lookup per article."""
    s = settings or DedupSettings()
    # reloaded, so the key counts follow the final duplicate roots (counts kept up to date
    # batch by batch still hold a chain's keys as they were before a root merge)
    _INDEXES.pop(_index_key(conn, s), None)
    stored = warehouse_index(conn, s)
    live = np.flatnonzero(stored.live[: stored.cap])
    return recluster_touched(conn, [stored.article_id[d] for d in live.tolist()], s)


def recluster_run(
    conn: duckdb.DuckDBPyConnection,
    article_ids: list[str],
    settings: DedupSettings | None = None,
) -> int:
    """The end-of-run story pass: the whole warehouse while it holds at most
    ``full_recluster_max`` articles (exact order independence), else the components of the
    run's articles and of their closest stored candidates (whose weights the run changed
    most); return the number of articles re-pointed."""
    s = settings or DedupSettings()
    if not article_ids:
        return 0
    stored = warehouse_index(conn, s)
    if stored.n_live <= s.full_recluster_max:
        return recluster_all(conn, s)
    view = [stored, _Index(s, capacity=16)]
    weigher = _Weigher(view, s)
    touched = set(article_ids)
    for aid in sorted(set(article_ids)):
        doc = stored.by_article.get(aid)
        if doc is None or not stored.live[doc]:
            continue
        keys, kinds = stored.story_keys_of(doc)
        for _, ix_no, other in _story_candidates(view, keys.tolist(), kinds.tolist(), weigher, s):
            if ix_no == 0:
                touched.add(stored.article_id[other])
    return recluster_touched(conn, sorted(touched), s)
