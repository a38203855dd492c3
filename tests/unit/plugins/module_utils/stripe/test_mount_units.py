"""When a stripe's fstab change needs systemd reloaded before its mount (stripe/mount_units), pure."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.mount_units import (
    escape_path,
    fstab_entry_path,
    generated_mount_unit,
    mounts,
    reload_before_mount,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import Action

# `systemd-escape --path --suffix=mount PATH`, recorded with systemd 252 (Debian 12)
SYSTEMD_ESCAPE = {
    "/mnt/fast": "mnt-fast.mount",
    "/mnt/stripe-a": "mnt-stripe\\x2da.mount",
    "/var/lib/kubelet": "var-lib-kubelet.mount",
    "/mnt/a.b/c_d": "mnt-a.b-c_d.mount",
    "/.hidden/x": "\\x2ehidden-x.mount",
    "/mnt/with space": "mnt-with\\x20space.mount",
    "/mnt/ünï": "mnt-\\xc3\\xbcn\\xc3\\xaf.mount",
    "/mnt//x/": "mnt-x.mount",
    "/": "-.mount",
    "/mnt/a:b": "mnt-a:b.mount",
    "/mnt/a\\b": "mnt-a\\x5cb.mount",
}

FSTAB = "/dev/vda / ext4 defaults,noatime 0 1\n"
OLD_LINE = "/dev/md/fast /mnt/fast xfs defaults,nofail 0 0\n"


def mount_actions(path="/mnt/fast"):
    return [
        Action("mkdir", "create directory %s" % path, path=path),
        Action("command", "mount /dev/fast/fast at %s" % path, ["mount", path]),
        Action("record", "record stripe fast", path="/etc/acstor-edge/stripes/fast.json"),
    ]


@pytest.mark.parametrize("path,unit", sorted(SYSTEMD_ESCAPE.items()))
def test_unit_names_are_systemd_escape_s(path, unit):
    assert escape_path(path) + ".mount" == unit
    assert generated_mount_unit(path) == "/run/systemd/generator/" + unit


@pytest.mark.parametrize(
    "line,path",
    [
        ("/dev/fast/fast /mnt/fast/ xfs defaults 0 0", "/mnt/fast"),
        ("  # /dev/fast/fast /mnt/fast xfs defaults 0 0", None),
        ("/dev/fast/fast", None),
        ("", None),
    ],
)
def test_fstab_entry_path(line, path):
    assert fstab_entry_path(line) == path


def test_mounts_is_the_planner_s_mount_of_that_path():
    assert mounts(mount_actions(), "/mnt/fast/")
    assert not mounts(mount_actions("/mnt/other"), "/mnt/fast")
    assert not mounts([Action("command", "unmount /mnt/fast", ["umount", "/mnt/fast"])], "/mnt/fast")


def test_a_line_added_for_a_path_systemd_has_no_unit_for_waits_for_the_end_of_the_call():
    # the first converge: the boot side's `systemctl enable` is the call's one reload
    assert reload_before_mount("/mnt/fast", FSTAB, mount_actions(), generated_unit_exists=False) is False


def test_a_generated_unit_for_the_path_is_replaced_before_the_mount():
    # a unit made from an old line (What= another device) could unmount the new mount as it appears
    assert reload_before_mount("/mnt/fast", FSTAB, mount_actions(), generated_unit_exists=True) is True


def test_a_replaced_line_reloads_before_the_mount_even_without_a_generated_unit():
    assert reload_before_mount("/mnt/fast/", FSTAB + OLD_LINE, mount_actions(), generated_unit_exists=False) is True
    # another path's line is no reason
    other = "/dev/md/slow /mnt/slow xfs defaults 0 0\n"
    assert reload_before_mount("/mnt/fast", FSTAB + other, mount_actions(), generated_unit_exists=False) is False


@pytest.mark.parametrize("unit", [True, False])
def test_with_no_mount_after_it_the_reload_waits(unit):
    # a line removed after the unmount (state absent), or options changed on a mounted stripe
    later = [Action("remove_file", "forget stripe fast", path="/etc/acstor-edge/stripes/fast.json")]
    assert reload_before_mount("/mnt/fast", FSTAB + OLD_LINE, later, generated_unit_exists=unit) is False
    assert reload_before_mount("/mnt/fast", FSTAB + OLD_LINE, mount_actions("/mnt/x"), unit) is False
