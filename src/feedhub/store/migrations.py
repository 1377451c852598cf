"""Every schema change, for every backend, in one numbered list.

A release that changes the schema appends a :class:`Migration` with the next
version and the statements for each backend; nothing else changes.  A backend
applies the pending ones in one transaction when a store is opened (``feedhub
store migrate`` does only that) and refuses a store newer than this list.

Both backends keep the same columns, so ``feedhub store copy`` moves rows as
they are.  On PostgreSQL the text columns that order or match (``id``, tags)
use the "C" collation: ids sort by code point there exactly as SQLite sorts
them, so archive sitemaps come out byte-identical on either backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StoreError


@dataclass(frozen=True, slots=True)
class Migration:
    #: The schema version this migration brings a store to (1, 2, …).
    version: int
    #: One line for ``feedhub store migrate``.
    description: str
    #: The statements for each backend, run in order in one transaction.
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


_V1_SQLITE = """
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    section TEXT,
    lang_key TEXT NOT NULL,          -- lower-cased BCP 47 tag, for RFC 4647 basic filtering
    published_us INTEGER NOT NULL,   -- UTC microseconds since the epoch: exact ordering and windows
    url TEXT NOT NULL,
    lastmod TEXT NOT NULL,           -- W3C date-time of updated-else-published, ready for sitemaps
    digest BLOB NOT NULL,            -- hash of doc: unchanged re-ingest writes nothing
    seq INTEGER NOT NULL,            -- change counter value of the last write
    doc TEXT NOT NULL                -- the article as import-contract JSON
) WITHOUT ROWID;
CREATE INDEX articles_by_seq ON articles (seq);
CREATE INDEX articles_by_time ON articles (status, published_us DESC, id);
CREATE INDEX articles_by_section ON articles (section, status, published_us DESC, id);
CREATE INDEX articles_by_lang ON articles (lang_key, status, published_us DESC, id);
CREATE TABLE article_tags (
    tag TEXT NOT NULL,
    article_id TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_by_article ON article_tags (article_id);
CREATE INDEX article_tags_by_time ON article_tags (tag, published_us DESC, article_id)
"""

_V1_POSTGRESQL = """
CREATE TABLE articles (
    id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT NOT NULL,
    section TEXT COLLATE "C",
    lang_key TEXT COLLATE "C" NOT NULL,
    published_us BIGINT NOT NULL,
    url TEXT NOT NULL,
    lastmod TEXT NOT NULL,
    digest BYTEA NOT NULL,
    seq BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX articles_by_seq ON articles (seq);
CREATE INDEX articles_by_time ON articles (status, published_us DESC, id);
CREATE INDEX articles_by_section ON articles (section, status, published_us DESC, id);
CREATE INDEX articles_by_lang ON articles (lang_key, status, published_us DESC, id);
CREATE TABLE article_tags (
    tag TEXT COLLATE "C" NOT NULL,
    article_id TEXT COLLATE "C" NOT NULL,
    published_us BIGINT NOT NULL,
    PRIMARY KEY (tag, article_id)
);
CREATE INDEX article_tags_by_article ON article_tags (article_id);
CREATE INDEX article_tags_by_time ON article_tags (tag, published_us DESC, article_id)
"""

# pglz compression of the JSON docs was half the cost of a PostgreSQL ingest batch; lz4 halves
# that for 10 % more disk (bench/bench_store.py).  A server built without lz4 keeps pglz.
_LZ4_DOCS = """DO $$ BEGIN
    EXECUTE 'ALTER TABLE articles ALTER COLUMN doc SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
    NULL;
END $$"""


def _split(script: str) -> tuple[str, ...]:
    # None of these scripts has a ";" inside a literal or comment.
    return tuple(s.strip() for s in script.split(";") if s.strip())


#: How many change-counter values the change log spans; an incremental build from an older token
#: cannot know every version it replaced, so it rebuilds in full (``feedhub.plan``).
CHANGE_LOG_SPAN = 100_000

# Incremental builds (issue 15) must know where an article WAS: an update that moves it out of a
# section, a tag or a feed's newest N would otherwise leave it in the published files.  A trigger
# keeps the facets of every version an upsert or a tombstone replaces, so no write path can forget.
_CHANGES_SQLITE = (
    """CREATE TABLE article_changes (
    seq INTEGER NOT NULL,            -- the change counter value of the write that replaced this version
    article_id TEXT NOT NULL,
    status TEXT NOT NULL,
    section TEXT,
    lang_key TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    tags TEXT,                       -- JSON arrays taken from the replaced doc
    authors TEXT,
    PRIMARY KEY (seq, article_id)
) WITHOUT ROWID""",
    f"""CREATE TRIGGER articles_keep_replaced AFTER UPDATE OF seq ON articles WHEN OLD.seq <> NEW.seq BEGIN
    INSERT OR REPLACE INTO article_changes VALUES (NEW.seq, OLD.id, OLD.status, OLD.section, OLD.lang_key,
        OLD.published_us, json_extract(OLD.doc, '$.tags'), json_extract(OLD.doc, '$.authors'));
    DELETE FROM article_changes WHERE seq <= NEW.seq - {CHANGE_LOG_SPAN};
END""",
)

_CHANGES_POSTGRESQL = (
    """CREATE TABLE article_changes (
    seq BIGINT NOT NULL,
    article_id TEXT COLLATE "C" NOT NULL,
    status TEXT NOT NULL,
    section TEXT COLLATE "C",
    lang_key TEXT COLLATE "C" NOT NULL,
    published_us BIGINT NOT NULL,
    tags TEXT,
    authors TEXT,
    PRIMARY KEY (seq, article_id)
)""",
    f"""CREATE FUNCTION feedhub_keep_replaced() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO article_changes VALUES (NEW.seq, OLD.id, OLD.status, OLD.section, OLD.lang_key, OLD.published_us,
        (OLD.doc::jsonb -> 'tags')::text, (OLD.doc::jsonb -> 'authors')::text) ON CONFLICT DO NOTHING;
    DELETE FROM article_changes WHERE seq <= NEW.seq - {CHANGE_LOG_SPAN};
    RETURN NULL;
END $$""",
    """CREATE TRIGGER articles_keep_replaced AFTER UPDATE ON articles FOR EACH ROW
    WHEN (OLD.seq IS DISTINCT FROM NEW.seq) EXECUTE FUNCTION feedhub_keep_replaced()""",
)

# Author feeds (``[[feed_families]] by = "author"``) need the same index tags have.  The table is
# filled from the docs already stored, so an upgraded store serves author feeds at once.
_V3_SQLITE = """
CREATE TABLE article_authors (
    author TEXT NOT NULL,
    article_id TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    PRIMARY KEY (author, article_id)
) WITHOUT ROWID;
CREATE INDEX article_authors_by_article ON article_authors (article_id);
CREATE INDEX article_authors_by_time ON article_authors (author, published_us DESC, article_id);
INSERT OR IGNORE INTO article_authors (author, article_id, published_us)
    SELECT json_extract(x.value, '$.name'), a.id, a.published_us
    FROM articles a, json_each(a.doc, '$.authors') x
    WHERE json_extract(x.value, '$.name') IS NOT NULL
"""

_V3_POSTGRESQL = """
CREATE TABLE article_authors (
    author TEXT COLLATE "C" NOT NULL,
    article_id TEXT COLLATE "C" NOT NULL,
    published_us BIGINT NOT NULL,
    PRIMARY KEY (author, article_id)
);
CREATE INDEX article_authors_by_article ON article_authors (article_id);
CREATE INDEX article_authors_by_time ON article_authors (author, published_us DESC, article_id);
INSERT INTO article_authors (author, article_id, published_us)
    SELECT DISTINCT x ->> 'name', a.id, a.published_us
    FROM articles a, jsonb_array_elements(coalesce(a.doc::jsonb -> 'authors', '[]'::jsonb)) x
    WHERE x ->> 'name' IS NOT NULL
    ON CONFLICT DO NOTHING
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "articles and their tags", _split(_V1_SQLITE), (*_split(_V1_POSTGRESQL), _LZ4_DOCS)),
    Migration(2, "a log of replaced versions, for incremental builds", _CHANGES_SQLITE, _CHANGES_POSTGRESQL),
    Migration(3, "article authors (author feeds)", _split(_V3_SQLITE), _split(_V3_POSTGRESQL)),
)

#: The version this feedhub writes and reads.
SCHEMA_VERSION = MIGRATIONS[-1].version


def pending(current: int, where: str) -> list[Migration]:
    """The migrations a store at version *current* still needs, oldest first.

    Raises :class:`StoreError` for a store written by a newer feedhub: reading it could
    misread columns, and writing it could break the newer release."""
    if current > SCHEMA_VERSION:
        raise StoreError(f"store {where}: schema version {current} is newer than this feedhub ({SCHEMA_VERSION}); upgrade feedhub")
    return [m for m in MIGRATIONS if m.version > current]

