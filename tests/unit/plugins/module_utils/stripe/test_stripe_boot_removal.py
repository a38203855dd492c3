"""Removing the boot side when no stripe record is left (only files carrying our mark), and reporting the stripes
recorded on the node that the list no longer names."""

from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import HEALTH_FACT, CurrentFile
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot_removal import (
    SCRIPT_MARK,
    owned,
    plan_boot_removal,
    removal_candidates,
    removal_diff,
    unlisted_stripes,
    unlisted_warning,
)

ROLE = Path(__file__).resolve().parents[5] / "roles" / "nvme_stripe"
SCRIPT_PATH = "/usr/local/sbin/acstor-edge-stripe-boot"
HEALTH = "/etc/ansible/facts.d/acstor_edge_stripes.fact"
FACT = "/etc/ansible/facts.d/acstor_edge.fact"
METRICS_DIR = "/var/lib/node_exporter/textfile_collector"
PROM = METRICS_DIR + "/acstor_edge_stripes.prom"
UNIT_NAMES = ["acstor-edge-stripes.service", "acstor-edge-stripe-metrics.service", "acstor-edge-stripe-metrics.timer"]
BOOT_UNIT = "/etc/systemd/system/acstor-edge-stripes.service"
METRICS_SERVICE = "/etc/systemd/system/acstor-edge-stripe-metrics.service"
TIMER = "/etc/systemd/system/acstor-edge-stripe-metrics.timer"

HEADER = "# Managed by acstor.edge (role nvme_stripe): local edits are overwritten on the next run.\n"
OURS = {
    BOOT_UNIT: HEADER + "[Unit]\nDescription=stripes\n[Service]\nType=oneshot\n[Install]\nWantedBy=local-fs.target\n",
    METRICS_SERVICE: HEADER + "[Unit]\n[Service]\nType=oneshot\n",
    TIMER: HEADER + "[Timer]\nOnBootSec=30s\n[Install]\nWantedBy=timers.target\n",
    SCRIPT_PATH: "# -*- coding: utf-8 -*-\n# Copyright\n%s, and their health.\n" % SCRIPT_MARK,
    HEALTH: HEALTH_FACT % SCRIPT_PATH,
    FACT: '{\n  "csi_handoff": {"volume_group": "containerstorage"}\n}\n',
    PROM: "# HELP acstor_edge_stripe_up 1 when up.\n# TYPE acstor_edge_stripe_up gauge\n"
    'acstor_edge_stripe_up{name="s",backend="lvm",mode="volume"} 1\n',
}


def candidates():
    return removal_candidates(UNIT_NAMES, SCRIPT_PATH, HEALTH, FACT, METRICS_DIR)


def node(**overrides):
    """{path: CurrentFile} of a node with all of our files, overridden per path (None: missing)."""
    files = dict(OURS, **{k.replace("__", "/"): v for k, v in overrides.items()})
    return {path: CurrentFile(content, 0o644) for path, content in files.items() if content is not None}


def test_every_file_we_installed_is_removed_with_one_reload():
    plan = plan_boot_removal(candidates(), node(), systemd_running=True)
    assert [c.path for c in plan.remove] == [BOOT_UNIT, METRICS_SERVICE, TIMER, SCRIPT_PATH, HEALTH, FACT, PROM]
    assert plan.stop == UNIT_NAMES
    # the metrics service has no [Install]: nothing enabled to undo
    assert plan.disable == ["acstor-edge-stripes.service", "acstor-edge-stripe-metrics.timer"]
    assert plan.daemon_reload and plan.kept == []
    assert plan.describe()[-1] == "reload systemd units"


def test_nothing_left_is_a_no_op_without_systemctl():
    plan = plan_boot_removal(candidates(), {}, systemd_running=True)
    assert not plan.changed and plan.describe() == [] and plan.kept == []
    assert (plan.stop, plan.disable, plan.daemon_reload) == ([], [], False)


def test_without_a_running_systemd_units_are_disabled_but_not_stopped_or_reloaded():
    plan = plan_boot_removal(candidates(), node(), systemd_running=False)
    assert plan.stop == [] and not plan.daemon_reload
    assert plan.disable == ["acstor-edge-stripes.service", "acstor-edge-stripe-metrics.timer"]


def test_only_the_script_and_fact_left_are_removed_without_a_reload():
    # a node whose boot unit was never installed (nvme_stripe_boot_unit: false, no metrics)
    files = {p: CurrentFile(OURS[p], 0o644) for p in (SCRIPT_PATH, FACT)}
    plan = plan_boot_removal(candidates(), files, systemd_running=True)
    assert [c.path for c in plan.remove] == [SCRIPT_PATH, FACT]
    assert plan.stop == [] and plan.disable == [] and not plan.daemon_reload


# Files at our paths that do not carry our mark: kept, reported, never removed; no systemctl for such a unit.
NOT_OURS = [
    (BOOT_UNIT, "[Unit]\nDescription=someone's own unit\n[Install]\nWantedBy=multi-user.target\n"),
    (TIMER, "# Managed by puppet\n[Timer]\nOnBootSec=1\n"),
    (SCRIPT_PATH, "#!/bin/sh\necho acstor.edge stripes at boot\n" + "x" * 500 + SCRIPT_MARK),
    (HEALTH, "#!/bin/sh\necho '{}'\n"),
    (FACT, '{"csi_handoff": {}, "site": "berlin"}\n'),
    (FACT, "[1, 2]\n"),
    (FACT, "not json\n"),
    (PROM, "# HELP acstor_edge_stripe_up x\nnode_load1 0.5\n"),
    (PROM, ""),
]


@pytest.mark.parametrize("path, content", NOT_OURS)
def test_a_file_without_our_mark_is_kept_and_reported(path, content):
    plan = plan_boot_removal(candidates(), node(**{path.replace("/", "__"): content}), systemd_running=True)
    assert path not in [c.path for c in plan.remove]
    assert plan.kept == [{"path": path, "reason": "present, but without our mark: not ours to remove"}]
    unit = path.rsplit("/", 1)[-1]
    assert unit not in plan.stop and unit not in plan.disable


@pytest.mark.parametrize(
    "kind, content, expected",
    [
        ("unit", HEADER + "[Unit]\n", True),
        ("unit", "\n\n\n" + HEADER, False),  # the mark is a header, not anywhere in the file
        ("health_fact", HEALTH_FACT % "/x", True),
        ("fact", "{}\n", True),
        ("fact", '{"csi_handoff": null}', True),
        ("metrics", "acstor_edge_stripe_degraded 0\n", True),
        ("script", SCRIPT_MARK, True),
        ("nonsense", HEADER, False),
    ],
)
def test_owned(kind, content, expected):
    assert owned(kind, content) is expected


def test_the_shipped_files_carry_the_mark_the_removal_looks_for():
    assert owned("script", (ROLE / "files" / "acstor_edge_stripe_boot.py").read_text())
    for template in sorted((ROLE / "templates").glob("*.j2")):
        assert owned("unit", template.read_text()), template


def test_paths_not_given_are_not_looked_for():
    found = removal_candidates(["acstor-edge-stripes.service"], SCRIPT_PATH, None, FACT, "")
    assert [(c.path, c.kind) for c in found] == [(BOOT_UNIT, "unit"), (SCRIPT_PATH, "script"), (FACT, "fact")]


def test_removal_diff_goes_from_the_content_to_absent():
    current = node()
    diff = removal_diff(plan_boot_removal(candidates(), current, systemd_running=True), current)
    assert diff[0] == {
        "before_header": BOOT_UNIT,
        "after_header": BOOT_UNIT + " (absent)",
        "before": OURS[BOOT_UNIT],
        "after": "",
    }
    assert len(diff) == 7


RECORD = {
    "name": "old",
    "backend": "mdadm",
    "mode": "volume",
    "device": "/dev/md/old",
    "mount": {"path": "/srv/old", "options": "defaults"},
    "members": [{"serial": "S1", "by_id": "/dev/disk/by-id/x_S1"}, {"serial": "S2"}],
}
CSI_RECORD = {"name": "csi", "backend": "lvm", "mode": "csi_vg", "device": "", "mount": None, "members": []}


@pytest.mark.parametrize(
    "records, listed, expected",
    [
        ({}, ["a"], []),
        ({"old": RECORD}, ["old"], []),
        (
            {"old": RECORD, "kept": RECORD},
            ["kept", "new"],
            [
                {
                    "name": "old",
                    "backend": "mdadm",
                    "mode": "volume",
                    "device": "/dev/md/old",
                    "mount_path": "/srv/old",
                    "serials": ["S1", "S2"],
                }
            ],
        ),
        (
            {"csi": CSI_RECORD, "zz": {}, "aa": "not a record"},
            [],
            [
                {"name": "aa", "backend": "", "mode": "", "device": "", "mount_path": "", "serials": []},
                {"name": "csi", "backend": "lvm", "mode": "csi_vg", "device": "", "mount_path": "", "serials": []},
                {"name": "zz", "backend": "", "mode": "", "device": "", "mount_path": "", "serials": []},
            ],
        ),
    ],
)
def test_unlisted_stripes(records, listed, expected):
    assert unlisted_stripes(records, listed) == expected


def test_unlisted_warning_names_the_stripe_and_says_nothing_happens():
    text = unlisted_warning(unlisted_stripes({"old": RECORD}, [])[0])
    assert text.startswith("stripe old (backend mdadm, mounted at /srv/old, devices by serial: S1, S2)")
    assert "kept as it is" in text and "state: absent and force: true" in text
    bare = unlisted_warning(unlisted_stripes({"csi": CSI_RECORD}, [])[0])
    assert "no mount" in bare and "no serials recorded" in bare
