"""Fixture of tests/functional/e2e: one fleet (lab VM, Kubernetes and ARM test doubles) for the whole suite.

ACSTOR_E2E_VM=<name> reuses a lab VM that is already up (for working on the tests; it is not stopped afterwards).
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# isort: off
# e2e_fleet first: importing it puts tests/servers and tests/reliability on sys.path for the other three.
from e2e_fleet import HELM_DIR, MODELS, RG, SUBSCRIPTION, TIMINGS, Fleet  # noqa: E402  pylint: disable=wrong-import-position
from acstor_testlib import SHARED_REFERENCE, fetch_helm  # noqa: E402  pylint: disable=wrong-import-position
from arm_server import ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from lablib import LabNode, lab  # noqa: E402  pylint: disable=wrong-import-position
# isort: on


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (QEMU monitor)")
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is not present (the ARM test server validates against its OpenAPI specs)")
    if not (HELM_DIR / "helm").exists():
        fetch_helm()
    tmp = tmp_path_factory.mktemp("e2e")
    reuse = os.environ.get("ACSTOR_E2E_VM")
    started = time.monotonic()
    if reuse:
        node = LabNode.__new__(LabNode)
        node.name, node.node = reuse, lab.load_node(reuse)
        node.port = node.node["port"]
    else:
        node = LabNode("e2e", MODELS)
    arm = ArmTestServer(SHARED_REFERENCE, tmp / "arm").start()
    arm.state.add_cluster(SUBSCRIPTION, RG, "store-0042")
    fleet = Fleet(tmp, node, arm)
    fleet.timings["vm up"] = round(time.monotonic() - started, 1)
    yield fleet
    for server in fleet.kube.values():
        server.stop()
    arm.stop()
    if not reuse:
        node.down()
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(fleet.timings, indent=2) + "\n")
