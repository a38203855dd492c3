"""pytest hooks and fixtures shared by every test directory (helpers live in acstor_testlib)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from acstor_testlib import SHARED_REFERENCE, ansible_environment  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def ansible_env():
    return ansible_environment


@pytest.fixture(scope="session")
def shared_reference():
    """Path to ../shared/reference when present (CI has it), else None."""
    return SHARED_REFERENCE if SHARED_REFERENCE.is_dir() else None
