"""The schema the migrations build is the one the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import make_engine, migrate, ours
from storage.models import Base


def test_migrations_and_models_agree(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"include_name": ours}), Base.metadata
        )
    engine.dispose()
    assert differences == []
