"""Fixtures for the long reliability suite (make faults): lab VMs, one at a time, always stopped."""

import json
import os
import time
from pathlib import Path

import pytest

from lablib import REPO_ROOT

RESULTS = REPO_ROOT / "tests" / "output" / "reliability-results.json"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor, netns)")


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: needs an edgelab VM")


@pytest.fixture(scope="session")
def results():
    """Rows for docs/reliability.md, written to tests/output/reliability-results.json as the suite goes."""
    rows = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}

    def add(case, **row):
        row["at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        rows[case] = row
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n")

    return add


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return Path(tmp_path_factory.mktemp("reliability"))
