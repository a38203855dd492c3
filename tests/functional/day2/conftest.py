"""Fixture of tests/functional/day2: a fleet of clusters on the ARM and Kubernetes test servers (day2_fleet.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from day2_fleet import HELM_DIR, Fleet  # noqa: E402  pylint: disable=wrong-import-position

from acstor_testlib import fetch_helm  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def day2_fleet(tmp_path, ansible_env, shared_reference):
    if shared_reference is None:
        pytest.skip("../shared/reference is not present (the ARM test server validates against its OpenAPI specs)")
    if not (HELM_DIR / "helm").exists():
        fetch_helm()
    arm = ArmTestServer(shared_reference, tmp_path / "arm").start()
    fleets = []

    def make(clusters):
        fleet = Fleet(tmp_path, ansible_env, arm, clusters)
        fleets.append(fleet)
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop()
    arm.stop()
