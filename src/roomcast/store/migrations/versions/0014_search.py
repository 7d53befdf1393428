"""search: documents, and each engine's full-text index over them (FTS5 on SQLite,
tsvector + GIN with unaccent on PostgreSQL); people, clubs and published episodes of
before are indexed (transcripts: `roomcast reindex`)

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: what was said (most of the documents) apart from titles and texts, so that these
# are ranked among themselves and captions are read newest first without ranking them all;
# each twice, stemmed for English and not for the rest
STEMMED, PLAIN = "porter unicode61 remove_diacritics 2", "unicode61 remove_diacritics 2"
FTS = {
    "search_fts_en": STEMMED,
    "search_fts_any": PLAIN,
    "search_fts_said_en": STEMMED,
    "search_fts_said_any": PLAIN,
}
PG_CONFIGS = {
    "roomcast_en": ("english", "roomcast_english_stem"),
    "roomcast_simple": ("simple", "simple"),
}


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.String(24), nullable=False),
        sa.Column("field", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float(), nullable=True),
        sa.Column("times", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("stemmed", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("club_id", sa.Integer(), nullable=True),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
    )
    op.create_index("ix_search_docs_kind_ref", "search_docs", ["kind", "ref"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # `field` is indexed too ("0", "1", "2"): a title search reads only titles
        for table, tokenize in FTS.items():
            op.execute(
                f"CREATE VIRTUAL TABLE {table} USING fts5(body, field, content='search_docs', "
                f"content_rowid='id', tokenize='{tokenize}')"
            )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        # English stemming without stop words: FTS5's porter keeps them too, so that both
        # engines find the same ("again" in a quoted phrase counts)
        op.execute(
            "CREATE TEXT SEARCH DICTIONARY roomcast_english_stem "
            "(TEMPLATE = snowball, Language = english)"
        )
        for name, (base, dictionary) in PG_CONFIGS.items():
            op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})")
            op.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR asciiword, "
                "asciihword, hword_asciipart, hword, "
                f"hword_part, word WITH unaccent, {dictionary}"
            )
        op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector")
        # the same split as on SQLite: one index for titles and texts, one for captions
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv) WHERE field < 2")
        op.execute(
            "CREATE INDEX ix_search_docs_said_tsv ON search_docs USING gin (tsv) WHERE field = 2"
        )
    _index_what_exists(sqlite)


def _index_what_exists(sqlite: bool) -> None:
    """People, clubs and published episodes made before search: their titles and texts."""
    cols = "kind, ref, field, body, language, owner_id, club_id, members_only, stemmed, hidden"
    none = "CAST(NULL AS INTEGER)"
    by_language = "(language = 'en' OR language LIKE 'en-%')"
    person = "'person', CAST(id AS VARCHAR(24))"
    club = "'club', CAST(id AS VARCHAR(24))"
    for values, source in (
        (
            f"{person}, 0, display_name || ' @' || username, 'en', id, {none}, false, true, false",
            "users WHERE suspended_at IS NULL",
        ),
        (
            f"{person}, 1, bio, 'en', id, {none}, false, true, false",
            "users WHERE suspended_at IS NULL AND bio <> ''",
        ),
        (
            f"{club}, 0, name || ' @' || handle, language, {none}, id, false, {by_language}, false",
            "clubs WHERE deleted_at IS NULL",
        ),
        (
            f"{club}, 1, description, language, {none}, id, false, {by_language}, false",
            "clubs WHERE deleted_at IS NULL AND description <> ''",
        ),
        (
            f"'episode', id, 0, title, language, user_id, club_id, members_only, {by_language}, "
            "false",
            "episodes WHERE status = 'published'",
        ),
        (
            f"'episode', id, 1, notes, language, user_id, club_id, members_only, {by_language}, "
            "false",
            "episodes WHERE status = 'published' AND notes <> ''",
        ),
    ):
        # constants of this file only: nothing from outside is in these statements
        op.execute(f"INSERT INTO search_docs ({cols}) SELECT {values} FROM {source}")  # noqa: S608
    if sqlite:
        for table, which in (("search_fts_en", "stemmed"), ("search_fts_any", "NOT stemmed")):
            op.execute(
                f"INSERT INTO {table}(rowid, body, field) "  # noqa: S608
                f"SELECT id, body, field FROM search_docs WHERE {which}"
            )
    else:
        op.execute(
            "UPDATE search_docs SET tsv = to_tsvector(CASE WHEN stemmed THEN "
            "'roomcast_en' ELSE 'roomcast_simple' END::regconfig, body)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in FTS:
            op.execute(f"DROP TABLE IF EXISTS {table}")
    else:
        for name in PG_CONFIGS:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        op.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS roomcast_english_stem")
    op.drop_table("search_docs")
