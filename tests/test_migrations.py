"""The schema comes only from migrations, and the migrations match the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import fresh_pg_url
from tracker import create_app
from tracker.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_app(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'mig.sqlite'}" if request.param == "sqlite" else fresh_pg_url("_mig")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_matches_models(empty_db_app):
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []
    tables = set(inspect(db.engine).get_table_names())
    assert {"unit", "period", "unit_result", "element_score", "plan", "action", "progress_entry"} <= tables


def test_downgrade_to_base_and_back(empty_db_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "unit_result" in inspect(db.engine).get_table_names()
