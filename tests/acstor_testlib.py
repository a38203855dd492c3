"""Shared test support for acstor.edge: find the collection under test and build Ansible environments.

`make test` installs the built tarball into .collections/ and sets ACSTOR_COLLECTIONS_DIR to it,
so the tests exercise what users install. `make dev` links the work tree into .collections-dev/
for quick iteration. Import from here (`from acstor_testlib import ...`), not from conftest: pytest
loads every conftest.py under the same module name.
"""
import os
import sys
from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"


def _collections_dir():
    candidates = [os.environ.get("ACSTOR_COLLECTIONS_DIR"), REPO_ROOT / ".collections-dev", REPO_ROOT / ".collections"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "ansible_collections" / "acstor" / "edge").is_dir():
            return Path(candidate).resolve()
    raise RuntimeError(
        "acstor.edge is not installed for the tests: run `make dev` (work-tree link) or `make install` (tarball)"
    )


COLLECTIONS_DIR = _collections_dir()
if str(COLLECTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS_DIR))


def ansible_environment(**extra):
    """Environment for running ansible-playbook from tests against the collection under test."""
    env = dict(os.environ)
    venv_bin = Path(sys.executable).parent
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_COLLECTIONS_PATH"] = str(COLLECTIONS_DIR)
    env["ANSIBLE_CONFIG"] = str(REPO_ROOT / "ansible.cfg")
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env.update({k: str(v) for k, v in extra.items()})
    return env
