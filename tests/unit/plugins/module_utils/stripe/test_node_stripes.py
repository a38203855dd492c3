"""stripe/node_stripes (what nvme_stripes decides between the stripes) and stripe/boot's enablement from the
[Install] links, as tables."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import enablement_from_links, install_links
from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_stripes import (
    ROLE_UNITS,
    boot_options,
    boot_stays,
    csi_handoff,
    stripe_item_options,
    stripe_list_errors,
    stripe_result_entry,
    with_volume_group,
)

PRESENT = {"name": "a"}
ABSENT = {"name": "a", "state": "absent", "force": True}


@pytest.mark.parametrize(
    "items, records, stays",
    [
        ([PRESENT], [], True),  # first converge: nothing recorded yet, the stripe will be
        ([PRESENT], ["a"], True),
        ([ABSENT], ["a"], False),  # the last stripe goes (check mode: its record is still there)
        ([ABSENT], [], False),  # rerun after the removal
        ([ABSENT], ["a", "old"], True),  # a stripe the list no longer names stays on the node
        ([ABSENT, {"name": "b"}], ["a"], True),
        ([ABSENT, dict(ABSENT, name="b")], ["a", "b"], False),
        ([], ["old"], True),
        ([], [], False),
    ],
)
def test_boot_stays(items, records, stays):
    assert boot_stays(items, records) is stays


BOOT = dict(
    script="s",
    script_path="/usr/local/sbin/acstor-edge-stripe-boot",
    units=[{"name": "acstor-edge-stripes.service", "content": "c", "enabled": True, "started": False}],
    fact_file="/etc/ansible/facts.d/acstor_edge.fact",
    health_fact_file="/etc/ansible/facts.d/acstor_edge_stripes.fact",
    metrics_dir="/var/lib/node_exporter/textfile_collector",
)


@pytest.mark.parametrize(
    "stays, handoff, boot, expected",
    [
        (True, None, BOOT, dict(BOOT, state="present", fact={}, metrics_dir=None)),
        (
            True,
            {"volume_group": "vg"},
            BOOT,
            dict(BOOT, state="present", fact={"csi_handoff": {"volume_group": "vg"}}, metrics_dir=None),
        ),
        # no units: no script and no health fact to install (the health fact runs the script)
        (
            True,
            None,
            dict(BOOT, units=[]),
            dict(BOOT, units=[], script=None, health_fact_file=None, state="present", fact={}, metrics_dir=None),
        ),
        # removal looks for every unit the role may have installed, whatever the units are now
        (
            False,
            None,
            dict(BOOT, units=[]),
            dict(BOOT, units=[{"name": n} for n in ROLE_UNITS], state="absent", fact=None),
        ),
    ],
)
def test_boot_options(stays, handoff, boot, expected):
    assert boot_options(stays, handoff, boot) == expected


def test_csi_handoff_is_the_first_csi_vg_stripes():
    results = [{"changed": False}, {"csi_handoff": {"volume_group": "one"}}, {"csi_handoff": {"volume_group": "two"}}]
    assert csi_handoff(results) == {"volume_group": "one"}
    assert csi_handoff([{"csi_handoff": None}]) is None


@pytest.mark.parametrize(
    "item, expected",
    [
        ({"name": "a", "devices": ["S1"]}, {}),
        ({"name": "a", "selector": {"class": "local"}}, {"extra_models": ["M"]}),
        ({"name": "a", "backend": "mdadm", "devices": ["S1"]}, {"update_initramfs": False}),
    ],
)
def test_role_wide_options_reach_only_the_stripes_that_use_them(item, expected):
    options = stripe_item_options(item, ["M"], False)
    assert {k: options[k] for k in ("extra_models", "update_initramfs") if k in options} == expected


@pytest.mark.parametrize(
    "item, volume_group",
    [
        ({"name": "c", "mode": "csi_vg"}, "fleet"),
        ({"name": "c", "mode": "csi_vg", "volume_group": None}, "fleet"),  # as the module's filled options give it
        ({"name": "c", "mode": "csi_vg", "volume_group": "own"}, "own"),
        ({"name": "v"}, None),
    ],
)
def test_with_volume_group(item, volume_group):
    assert with_volume_group([item], "fleet")[0].get("volume_group") == volume_group


def test_list_errors_name_the_list_option():
    errors = stripe_list_errors([{"name": "a", "devices": ["S1"]}, {"name": "b", "devices": ["S1"]}], name="stripes")
    assert errors == ["stripes[1].devices[0]: S1 is already claimed by stripe a (rule unique)"]


def test_result_entry_is_a_loop_entry_with_its_diff_headed_by_the_stripe():
    entry = stripe_result_entry({"name": "a"}, {"changed": True, "diff": {"before": {}, "after": {"x": 1}}})
    assert entry == {
        "changed": True,
        "item": {"name": "a"},
        "name": "a",
        "diff": {"before": {}, "after": {"x": 1}, "before_header": "stripe a", "after_header": "stripe a"},
    }


UNIT = "[Unit]\nDescription=x\n[Service]\nType=oneshot\n[Install]\nWantedBy=local-fs.target multi-user.target\nRequiredBy=k.service\n"


@pytest.mark.parametrize(
    "content, links",
    [
        (UNIT, [(".wants", "local-fs.target"), (".wants", "multi-user.target"), (".requires", "k.service")]),
        ("[Service]\nType=oneshot\n", []),  # static: nothing to enable
        ("[Install]\nWantedBy=timers.target\nAlias=other.timer\n", None),  # only systemctl knows every link
        ("[Install]\n# WantedBy=nothing\nWantedBy=timers.target\n", [(".wants", "timers.target")]),
    ],
)
def test_install_links(content, links):
    assert install_links(content) == links


def test_enablement_from_links_asks_only_for_units_without_known_links():
    units = [
        {"name": "a.service", "content": "[Install]\nWantedBy=local-fs.target\n"},
        {"name": "b.timer", "content": "[Install]\nWantedBy=timers.target\n"},
        {"name": "c.service", "content": "[Service]\n"},
    ]
    states, ask = enablement_from_links(units, {"/etc/systemd/system/local-fs.target.wants/a.service"}.__contains__)
    assert states == {"a.service": "enabled", "b.timer": "disabled"}
    assert ask == ["c.service"]
