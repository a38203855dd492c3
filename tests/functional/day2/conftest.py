"""Fixture of tests/functional/day2: a fleet of clusters on the ARM and Kubernetes test servers (day2_fleet.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from day2_fleet import HELM_DIR, SERVERS_DIR, Fleet  # noqa: E402  pylint: disable=wrong-import-position

from arm_server import ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def day2_fleet(tmp_path, ansible_env, shared_reference):
    if shared_reference is None:
        pytest.skip("../shared/reference is not present (the ARM test server validates against its OpenAPI specs)")
    if not (HELM_DIR / "helm").exists():
        completed = subprocess.run(
            ["bash", str(SERVERS_DIR / "get-helm.sh")], capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            pytest.skip(
                "helm v3 not available (tests/servers/get-helm.sh failed: {0})".format(completed.stderr.strip()[-200:])
            )
    arm = ArmTestServer(shared_reference, tmp_path / "arm").start()
    arm.state.add_role_definition("Storage Blob Data Owner")
    fleets = []

    def make(clusters):
        fleet = Fleet(tmp_path, ansible_env, arm, clusters)
        fleets.append(fleet)
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop()
    arm.stop()
