"""The import check fails on the importer lines that matter and lets only the ignore-file notice through."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))

from import_check import problems  # noqa: E402  pylint: disable=wrong-import-position

LOG = """Importing with galaxy-importer 0.4.44
WARNING: Could not get role description, no role metadata found
ERROR: Error running ansible-doc: cmd="ansible-doc --type filter --json acstor.edge.fleet_batch_verdict"
WARNING: Ignore files skip ansible-test sanity tests, found ignore-2.19.txt with 4 statement(s)
Loading filter fleet
WARNING: No changelog found. Add a CHANGELOG.rst or CHANGELOG.md file in the collection root or docs/ dir
"""


def test_errors_and_warnings_are_problems_but_the_ignore_file_notice_is_not():
    assert problems(LOG) == [
        "WARNING: Could not get role description, no role metadata found",
        'ERROR: Error running ansible-doc: cmd="ansible-doc --type filter --json acstor.edge.fleet_batch_verdict"',
        "WARNING: No changelog found. Add a CHANGELOG.rst or CHANGELOG.md file in the collection root or docs/ dir",
    ]


def test_a_clean_log_has_no_problem():
    assert (
        problems(
            "Importing with galaxy-importer 0.4.44\nLoading filter fleet\n"
            "WARNING: Ignore files skip ansible-test sanity tests, found ignore-2.21.txt with 1 statement(s)\n"
        )
        == []
    )
