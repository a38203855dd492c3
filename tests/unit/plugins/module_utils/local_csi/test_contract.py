"""The local CSI driver contract is written once (local_csi/contract.py); the copies that must stay are equal to it.

The boot script runs on the node without the collection, and role defaults are plain YAML: both repeat
a value by design, so these tests are what keeps them from drifting.
"""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract

ROOT = Path(__file__).resolve().parents[5]
BOOT_SCRIPT = ROOT / "roles" / "nvme_stripe" / "files" / "acstor_edge_stripe_boot.py"


def _boot_script():
    spec = importlib.util.spec_from_file_location("acstor_edge_stripe_boot_contract", BOOT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_boot_script_constants_equal_the_collection():
    boot = _boot_script()
    assert boot.RECORD_DIR == contract.RECORD_DIR
    assert tuple(boot.MDADM_CONF_PATHS) == contract.MDADM_CONF_PATHS


# (role, variable, the contract value it repeats)
ROLE_DEFAULTS = [
    ("csi_driver", "csi_driver_volume_group", contract.VOLUME_GROUP),
    ("csi_driver", "csi_driver_stripe_record_dir", contract.RECORD_DIR),
    ("preflight", "preflight_local_csi_volume_group", contract.VOLUME_GROUP),
    ("node_prep", "node_prep_kernel_modules", list(contract.KERNEL_MODULES)),
]


@pytest.mark.parametrize("role, variable, expected", ROLE_DEFAULTS, ids=[row[1] for row in ROLE_DEFAULTS])
def test_role_defaults_equal_the_contract(role, variable, expected):
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    assert _fallback(defaults[variable]) == expected
    assert _fallback(specs["main"]["options"][variable]["default"]) == expected


def _fallback(value):
    """A role default that defers to a fleet-wide variable ("{{ acstor_edge_x | default('v') }}") falls back to v."""
    match = (
        re.fullmatch(r"\{\{ (acstor_edge_\w+) \| default\('([^']*)'\) \}\}", value) if isinstance(value, str) else None
    )
    return match.group(2) if match else value


@pytest.mark.parametrize(
    "model", ["Microsoft NVMe Direct Disk", "  microsoft nvme   DIRECT disk v2 ", "AMAZON EC2 NVMe Instance Storage"]
)
def test_builtin_models_match_trimmed_and_case_insensitive(model):
    assert contract.is_builtin_model(model)


@pytest.mark.parametrize("model", ["Microsoft NVMe Direct Disk v3", "QEMU NVMe Ctrl", "", None])
def test_other_models_are_not_builtin(model):
    assert not contract.is_builtin_model(model)


def test_record_path():
    assert contract.record_path("fast") == "/etc/acstor-edge/stripes/fast.json"
