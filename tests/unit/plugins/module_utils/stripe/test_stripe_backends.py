"""stripe/backends.py: the LVM and mdadm differences, stated once per backend."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.stripe.backends import BACKENDS, dm_name
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import BACKENDS as BACKEND_NAMES
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import ExistingStripe, StripeSpec


def test_every_backend_name_has_a_backend():
    assert sorted(BACKENDS) == sorted(BACKEND_NAMES)
    assert all(backend.name == name for name, backend in BACKENDS.items())


def test_backends_answer_the_same_questions():
    def public(backend):
        return sorted(name for name in dir(type(backend)) if not name.startswith("_"))

    assert public(BACKENDS["lvm"]) == public(BACKENDS["mdadm"])


def test_kernel_modules_of_the_backends_are_the_contract():
    wanted = set()
    for backend in BACKENDS.values():
        wanted |= set(backend.kernel_modules)
    assert wanted == set(contract.KERNEL_MODULES)


@pytest.mark.parametrize("backend, count, level", [("lvm", 1, "linear"), ("lvm", 2, "raid0"), ("mdadm", 2, "raid0")])
def test_level(backend, count, level):
    assert BACKENDS[backend].level(count) == level


def test_lvm_accepts_striped_for_raid0_and_mdadm_does_not():
    assert BACKENDS["lvm"].same_level("striped", "raid0")
    assert not BACKENDS["mdadm"].same_level("striped", "raid0")


def test_dm_name_doubles_dashes():
    assert dm_name("my-vg", "lv-1") == "my--vg-lv--1"


def test_lvm_resume_skips_only_vgcreate():
    spec = StripeSpec(name="fast", devices=["/dev/nvme1n1", "/dev/nvme2n1"])
    full = BACKENDS["lvm"].create_argvs(spec, ["/dev/nvme1n1", "/dev/nvme2n1"])
    resumed = BACKENDS["lvm"].create_argvs(spec, ["/dev/nvme1n1", "/dev/nvme2n1"], resume=True)
    assert [argv[0] for argv in full] == ["vgcreate", "lvcreate"]
    assert resumed == full[1:]


def test_only_lvm_resumes_an_interrupted_build():
    spec = StripeSpec(name="fast", devices=["/dev/nvme1n1"])
    existing = ExistingStripe(backend="lvm", device="", members=["nvme1n1"], vg="fast", vg_tags=[spec.tag])
    assert BACKENDS["lvm"].can_resume(spec, existing, ["nvme1n1"])
    assert not BACKENDS["lvm"].can_resume(spec, existing, ["nvme1n1", "nvme2n1"])
    assert not BACKENDS["mdadm"].can_resume(spec, existing, ["nvme1n1"])
