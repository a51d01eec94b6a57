"""The full-text index of the archive: SQLite FTS5, or a PostgreSQL ``tsvector`` with a GIN index.

Only versions staff may see are ever in it (passed every gate, numbered). ``minutes_search`` records
what is indexed, one row per version keyed by :func:`service.domain.search.sort_key` (newest meeting
highest, so "newest first" is a walk down the key and a year is a key range). On SQLite the stems
(Snowball, made here) go into the contentless FTS5 table ``minutes_fts`` under the same rowid, with
the workplace as a word of its own column, and the readable workplaces are a term of the match. On
PostgreSQL the row holds ``vector``: the workplace word plus ``to_tsvector('swedish'|'english', text)``
under GIN; the readable workplaces are tested on ``workplace_id`` (index ``(workplace_id, key)``, migration
0008), so a reader's common word is a short walk newest first, not an intersection of posting lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from service.archive.claims import MinutesState
from service.archive.db import Database, MinutesRow
from service.domain import search as domain

SHOWN_STATES = (MinutesState.STRUCTURED, MinutesState.SIGNED, MinutesState.DISTRIBUTING,
                MinutesState.DISTRIBUTED)
"""States of a version staff see (``service.steps.gates.PASSED``; the archive layer cannot import it)."""

BATCH = 2000
"""Versions indexed per statement when the whole index is rebuilt."""

CATCH_UP = 500
"""Most versions stored without the index that one search adds to it."""

FTS_TABLE = "minutes_fts"
"""The SQLite FTS5 table (contentless; its shadow tables share the prefix)."""

OWN_TABLES = ("minutes_search", FTS_TABLE)
"""Tables of the index, made by migration 0006 and not among the models (prefixes)."""

OWN_INDEXES = ("ix_minutes_listing", "ix_minutes_latest")
"""Indexes on ``minutes`` migration 0006 makes for the lists."""

_meta = MetaData()
entries = Table(
    "minutes_search", _meta,
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("minutes_id", Integer, nullable=False, unique=True),
    Column("workplace_id", String(64), nullable=False),
    Column("language", String(8), nullable=False),
)
"""What the index holds: one row per indexed version (PostgreSQL adds ``vector``)."""

_CONFIGS = {"sv": "swedish", "en": "english"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001 - alembic hook
    """Leave the index's own tables and indexes out of a comparison with the models."""
    if type_ == "table" and name and name.startswith(OWN_TABLES):
        return False
    return not (type_ == "index" and name in OWN_INDEXES)


def _shown(minutes=MinutesRow.__table__) -> object:  # noqa: ANN001
    return minutes.c.state.in_([str(s) for s in SHOWN_STATES]) & (minutes.c.version > 0)


def _is_pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _language(workplace_id: str, data_language: str, languages: Mapping[str, str] | None) -> str:
    found = (languages or {}).get(workplace_id) or data_language or "sv"
    return found if found in _CONFIGS else "sv"


# --------------------------------------------------------------------------- writing


def _add(s: Session, rows: list[tuple[int, str, str, str, str]], languages: Mapping[str, str] | None,
         *, bulk: bool = False) -> int:
    """Index versions given as (id, workplace_id, meeting_date, text, language hint); skip known ones.

    On PostgreSQL the GIN index first collects new entries in a pending list that every search reads
    through (up to 4 MB, hundreds of pages, until a vacuum); outside a rebuild (``bulk``) the list is kept
    to its smallest, 64 kB, so a search stays a few page reads however the minutes came in.
    """
    if not rows:
        return 0
    known = set(s.scalars(select(entries.c.minutes_id).where(entries.c.minutes_id.in_([r[0] for r in rows]))))
    fresh = [r for r in rows if r[0] not in known]
    if not fresh:
        return 0
    records = [{"key": domain.sort_key(date, i), "minutes_id": i, "workplace_id": wp,
                "language": _language(wp, hint, languages)} for i, wp, date, _t, hint in fresh]
    if _is_pg(s):  # one statement: the database makes the vectors from the stored text
        if not bulk:
            s.execute(text("SELECT set_config('gin_pending_list_limit', '64', true)"))
        s.execute(text(
            "INSERT INTO minutes_search (key, minutes_id, workplace_id, language, vector)"
            " SELECT k.key, m.id, m.workplace_id, k.lang, setweight(to_tsvector('simple', 'w' ||"
            " encode(convert_to(m.workplace_id, 'UTF8'), 'hex')), 'D') || to_tsvector(CASE k.lang"
            " WHEN 'en' THEN 'english' ELSE 'swedish' END::regconfig, m.search_text)"
            " FROM unnest(CAST(:ids AS integer[]), CAST(:keys AS bigint[]), CAST(:langs AS text[]))"
            " AS k(id, key, lang) JOIN minutes AS m ON m.id = k.id ON CONFLICT DO NOTHING"
        ), {"ids": [r["minutes_id"] for r in records], "keys": [r["key"] for r in records],
            "langs": [r["language"] for r in records]})
    else:
        s.execute(entries.insert(), records)
        texts = {r[0]: r[3] for r in fresh}
        s.execute(
            text(f"INSERT INTO {FTS_TABLE} (rowid, body, wp) VALUES (:key, :body, :wp)"),
            [{"key": r["key"], "body": domain.stemmed(texts[r["minutes_id"]], r["language"]),
              "wp": domain.workplace_token(r["workplace_id"])} for r in records],
        )
    return len(fresh)


def _hint(workplace_id: str, data: str, languages: Mapping[str, str] | None) -> str:
    """Return the language the stored minutes say they are in ('' when they do not), unless known."""
    import json

    if languages and workplace_id in languages:
        return languages[workplace_id]
    try:
        meeting = json.loads(data).get("meeting") or {}
    except (ValueError, AttributeError):
        return ""
    return str(meeting.get("language") or "") if isinstance(meeting, dict) else ""


def index(s: Session, m: MinutesRow, language: str = "sv") -> None:
    """Add a version that just became visible to staff to the index (once; again is a no-op)."""
    s.flush()
    _add(s, [(m.id, m.workplace_id, m.meeting_date, m.search_text, language)], None)


def drop(s: Session, minutes_ids: Iterable[int]) -> int:
    """Take versions that are no longer shown out of the index; return how many were in it."""
    ids = list(minutes_ids)
    if not ids:
        return 0
    found = s.execute(select(entries).where(entries.c.minutes_id.in_(ids))).all()
    if not found:
        return 0
    if not _is_pg(s):
        texts = {i: t for i, t in s.execute(select(MinutesRow.id, MinutesRow.search_text)
                                            .where(MinutesRow.id.in_(ids)))}
        s.execute(  # a contentless table forgets a row when told exactly what it held
            text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, body, wp)"
                 " VALUES ('delete', :key, :body, :wp)"),
            [{"key": e.key, "body": domain.stemmed(texts.get(e.minutes_id, ""), e.language),
              "wp": domain.workplace_token(e.workplace_id)} for e in found],
        )
    s.execute(entries.delete().where(entries.c.minutes_id.in_(ids)))
    return len(found)


def _catch_up_statements():  # noqa: ANN202 - two Selects
    """Return the probe and the read of :func:`catch_up` (built once: building costs more than running)."""
    m = MinutesRow.__table__
    probe = select(select(func.coalesce(func.max(entries.c.minutes_id), 0)).scalar_subquery(),
                   select(func.coalesce(func.max(m.c.id), 0)).scalar_subquery())
    # A closed id range, and the state tested as an expression: even without statistics on ``minutes``
    # the plan is a walk of the primary key over the few new ids, never a scan of every version.
    shown = (m.c.state + "").in_([str(st) for st in SHOWN_STATES]) & (m.c.version > 0)
    read = (select(m.c.id, m.c.workplace_id, m.c.meeting_date, m.c.search_text, m.c.data)
            .where(m.c.id > bindparam("indexed"), m.c.id <= bindparam("stored"), shown)
            .order_by(m.c.id).limit(bindparam("limit")))
    return probe, read


_CATCH_UP = _catch_up_statements()


def catch_up(s: Session, languages: Mapping[str, str] | None = None, limit: int = CATCH_UP) -> int:
    """Index shown versions stored after the newest indexed one without passing :func:`index`."""
    probe, read = _CATCH_UP
    indexed, stored = s.execute(probe).one()  # two index probes: mostly nothing came in, and that is all
    if stored <= indexed:
        return 0
    rows = s.execute(read, {"indexed": indexed, "stored": stored, "limit": limit}).all()
    return _add(s, [(r[0], r[1], r[2], r[3], _hint(r[1], r[4], languages)) for r in rows], languages)


def reindex(db: Database, progress: Callable[[int, int], None] | None = None,
            languages: Mapping[str, str] | None = None) -> int:
    """Rebuild the whole index from the stored minutes; return how many versions it holds.

    ``progress(done, total)`` is called after every batch; ``languages`` maps workplace ids to their
    language (default: what the minutes say, else Swedish). Running it twice gives the same index.
    """
    m = MinutesRow.__table__
    with db.session() as s:
        ids = list(s.scalars(select(m.c.id).where(_shown(m)).order_by(m.c.id)))
        pg = _is_pg(s)
        if pg:
            s.execute(text("TRUNCATE minutes_search"))
        else:
            s.execute(entries.delete())
            s.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')"))
    total, done = len(ids), 0
    if progress is not None:
        progress(0, total)
    for start in range(0, total, BATCH):
        chunk = ids[start:start + BATCH]
        with db.session() as s:
            rows = s.execute(
                select(m.c.id, m.c.workplace_id, m.c.meeting_date, m.c.search_text, m.c.data)
                .where(m.c.id.in_(chunk), _shown(m))
            ).all()
            _add(s, [(r[0], r[1], r[2], r[3], _hint(r[1], r[4], languages)) for r in rows], languages,
                 bulk=True)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    with db.session() as s:
        if pg:  # fold the GIN index's pending list into it (else every search reads the list through),
            # and give the planner the statistics of both tables a search and a list read
            s.execute(text("SELECT gin_clean_pending_list(c.oid) FROM pg_class AS c WHERE c.oid ="
                           " to_regclass('ix_minutes_search_vector') AND pg_has_role(c.relowner, 'USAGE')"))
            s.execute(text("ANALYZE minutes_search, minutes"))
        else:
            s.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')"))
        held = int(s.scalar(select(func.count()).select_from(entries)) or 0)
    if not pg:  # fold the rebuilt index into the database file, so later reads need not search the WAL
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return held


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Found:
    """One page of hits."""

    ids: list[int]
    """Minutes ids of the page's hits, in order."""
    counted: int
    """Hits counted, at most ``HIT_CAP + 1``."""

    @property
    def over(self) -> bool:
        """Tell whether there were more hits than are counted (then listed newest first)."""
        return self.counted > domain.HIT_CAP

    @property
    def pages(self) -> int:
        """Return how many pages the counted hits fill."""
        return max(1, -(-min(self.counted, domain.HIT_CAP) // domain.PER_PAGE))


def find(s: Session, query: str, *, workplaces: Iterable[str] | None, year: int | None = None,
         page: int = 1, languages: Iterable[str] = ("sv",)) -> Found:
    """Return one page of the shown versions that match every word of ``query``.

    ``workplaces`` limits the hits to those workplaces (None: every one, for an admin); ``year`` to the
    meetings of one year. At most :data:`HIT_CAP` hits are ranked best first; when there are more they
    are listed newest first, so a common word costs no more than a rare one.
    """
    wanted = None if workplaces is None else sorted(set(workplaces))
    groups = domain.term_stems(query, languages)
    if not groups or wanted == []:
        return Found([], 0)
    low, high = domain.year_range(year) if year else (None, None)
    offset = (max(page, 1) - 1) * domain.PER_PAGE
    if offset >= domain.HIT_CAP:
        return Found([], 0)
    if _is_pg(s):
        keys, counted = _find_pg(s, query, wanted, low, high, offset, set(languages))
    else:
        keys, counted = _find_sqlite(s, groups, wanted, low, high, offset)
    return Found([domain.minutes_id_of(k) for k in keys], counted)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _page(s: Session, newest_sql: str, params: dict, offset: int,
          rank: Callable[[list[int]], list[int]]) -> tuple[list[int], int]:
    """Return one page of keys and the hits counted (at most ``HIT_CAP + 1``).

    One statement walks the hits newest first and stops after ``HIT_CAP + 1``: for a common word that
    is the page itself (no count over every hit), for a rare one the index's few hits. Only when all
    hits were counted does ``rank`` (given them, newest first) order them best first.
    """
    newest = list(s.execute(text(newest_sql), {**params, "cap": domain.HIT_CAP + 1}).scalars())
    counted = len(newest)
    if offset >= counted:
        return [], counted
    if counted > domain.HIT_CAP:
        return newest[offset:offset + domain.PER_PAGE], counted
    if counted == 1:
        return newest, counted
    return rank(newest), counted


def _find_sqlite(s: Session, groups: list[list[str]], wanted: list[str] | None, low: int | None,
                 high: int | None, offset: int) -> tuple[list[int], int]:
    match = " AND ".join("body : (" + " OR ".join(map(_quoted, g)) + ")" for g in groups)
    if wanted is not None:
        match += " AND wp : (" + " OR ".join(_quoted(domain.workplace_token(w)) for w in wanted) + ")"
    where = f"{FTS_TABLE} MATCH :match" + (" AND rowid BETWEEN :low AND :high" if low is not None else "")
    params = {"match": match, "low": low, "high": high}

    def rank(_newest: list[int]) -> list[int]:
        return list(s.execute(text(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {where} ORDER BY bm25({FTS_TABLE}, 1.0, 0.0), rowid DESC"
            " LIMIT :per OFFSET :offset"), {**params, "per": domain.PER_PAGE, "offset": offset}).scalars())

    return _page(s, f"SELECT rowid FROM {FTS_TABLE} WHERE {where} ORDER BY rowid DESC LIMIT :cap", params,
                 offset, rank)


FEW_WORKPLACES = 8
"""A reader of at most this many workplaces has each one's hits walked newest first, then merged."""


def _find_pg(s: Session, query: str, wanted: list[str] | None, low: int | None, high: int | None,
             offset: int, languages: set[str]) -> tuple[list[int], int]:
    """Return one page of keys and the hits counted, on PostgreSQL.

    The workplaces are tested on the column: a reader of a few has one branch per workplace, each
    walking the (workplace_id, key) index newest first (a common word) or intersecting its bitmap with
    the word's GIN entries (a rare one), merged in key order; more workplaces are one list the planner
    weighs. Ranking reads only the hits already found, by key.
    """
    configs = sorted({_CONFIGS.get(lang, "swedish") for lang in languages} or {"swedish"})
    tsq = "(" + " || ".join(f"plainto_tsquery('{c}', :q)" for c in configs) + ")"
    params: dict = {"q": query, "low": low, "high": high}
    match = f"vector @@ {tsq}" + (" AND key BETWEEN :low AND :high" if low is not None else "")
    if wanted is None:
        sql = f"SELECT key FROM minutes_search WHERE {match} ORDER BY key DESC LIMIT :cap"
    elif len(wanted) <= FEW_WORKPLACES:
        params.update({f"w{i}": w for i, w in enumerate(wanted)})
        sql = "SELECT key FROM (" + " UNION ALL ".join(
            f"(SELECT key FROM minutes_search WHERE workplace_id = :w{i} AND {match} ORDER BY key DESC"
            " LIMIT :cap)" for i in range(len(wanted))) + ") AS hits ORDER BY key DESC LIMIT :cap"
    else:
        params["wps"] = wanted
        sql = (f"SELECT key FROM minutes_search WHERE workplace_id = ANY(CAST(:wps AS text[])) AND {match}"
               " ORDER BY key DESC LIMIT :cap")
    # The statements are prepared after a few runs; a generic plan cannot tell a common word from a rare
    # one and bitmap-scans every hit of a common word, so each is planned for the words asked for. The
    # estimated cost of walking a whole index must not buy a JIT compilation (tens of ms) either.
    s.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
                   " set_config('jit', 'off', true)"))

    def rank(newest: list[int]) -> list[int]:
        return list(s.execute(text(
            f"SELECT key FROM minutes_search WHERE key = ANY(CAST(:keys AS bigint[]))"
            f" ORDER BY ts_rank(vector, {tsq}) DESC, key DESC LIMIT :per OFFSET :offset"),
            {"q": query, "keys": newest, "per": domain.PER_PAGE, "offset": offset}).scalars())

    return _page(s, sql, params, offset, rank)
