"""Structure rules: jobs get the app from the worker that runs them, and the app's packages do
not import each other in a circle through jobs."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_only_the_worker_entry_point_builds_the_app():
    for path in (ROOT / "jobs").glob("*.py"):
        if path.name == "worker.py":
            continue
        assert "tracker.create_app" not in _imports(path), path.name


def test_a_job_outside_an_application_context_says_how_to_run_it():
    from jobs.context import NoApplication, app_context
    with pytest.raises(NoApplication, match="jobs.worker"):
        with app_context():
            pass


def test_monitoring_is_its_own_package():
    followup_views = (ROOT / "tracker" / "followup" / "views.py").read_text(encoding="utf-8")
    assert "/rtl/pemantauan" not in followup_views
    assert (ROOT / "tracker" / "monitoring" / "queries.py").is_file()


def test_web_and_worker_processes_freeze_their_startup_objects(tmp_path):
    """wsgi.py (every gunicorn process) moves start-up objects out of the cycle collector's
    reach; a third of the monitoring page's time went to collections walking them..."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
           "SECRET_KEY": "t", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c",
                          "import gc, wsgi; print(gc.get_freeze_count(), *gc.get_threshold())"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, young, older, oldest = map(int, out.stdout.strip().splitlines()[-1].split())
    assert frozen > 10_000
    # ... and examines the youngest generation less often than Python's default (700): most of
    # a request's objects are then freed before any collection walks them.
    from tracker import GC_YOUNG_THRESHOLD
    assert (young, older, oldest) == (GC_YOUNG_THRESHOLD, 10, 10) and young >= 10_000
