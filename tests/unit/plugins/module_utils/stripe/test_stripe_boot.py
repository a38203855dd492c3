"""Planning the boot script, units and hand-off fact: what is written, reloaded, enabled, started."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import (
    CurrentFile,
    parse_unit_states,
    plan_boot,
    validate,
    wanted_files,
)

SCRIPT = "#!/usr/bin/python3\nprint('boot')\n"
BOOT = {"name": "acstor-edge-stripes.service", "content": "[Unit]\n", "enabled": True, "started": False}
TIMER = {"name": "acstor-edge-stripe-metrics.timer", "content": "[Timer]\n", "enabled": True, "started": True}
METRICS = {"name": "acstor-edge-stripe-metrics.service", "content": "[Service]\n", "enabled": False, "started": False}
UNITS = [BOOT, METRICS, TIMER]
FACT = {"csi_handoff": {"volume_group": "containerstorage"}}


def files():
    return wanted_files(SCRIPT, "/usr/local/sbin/acstor-edge-stripe-boot", UNITS, FACT, "/etc/ansible/facts.d/x.fact")


def installed(mode_overrides=None):
    current = {f.path: CurrentFile(f.content, f.mode) for f in files()}
    for path, mode in (mode_overrides or {}).items():
        current[path] = CurrentFile(current[path].content, mode)
    return current


ALL_ENABLED = {"acstor-edge-stripes.service": "enabled", "acstor-edge-stripe-metrics.timer": "enabled"}
TIMER_ACTIVE = {"acstor-edge-stripe-metrics.timer": "active"}


def test_fresh_node_writes_everything_and_enables_without_an_extra_reload():
    plan = plan_boot(files(), {}, UNITS, {}, {}, systemd_running=True)
    assert [f.path for f in plan.writes] == [
        "/usr/local/sbin/acstor-edge-stripe-boot",
        "/etc/systemd/system/acstor-edge-stripes.service",
        "/etc/systemd/system/acstor-edge-stripe-metrics.service",
        "/etc/systemd/system/acstor-edge-stripe-metrics.timer",
        "/etc/ansible/facts.d/x.fact",
    ]
    assert plan.writes[0].mode == 0o755 and plan.writes[1].mode == 0o644
    assert plan.enable == ["acstor-edge-stripes.service", "acstor-edge-stripe-metrics.timer"]
    assert plan.start == ["acstor-edge-stripe-metrics.timer"]
    assert not plan.daemon_reload  # systemctl enable reloads the manager itself


def test_everything_in_place_is_a_no_op():
    plan = plan_boot(files(), installed(), UNITS, ALL_ENABLED, TIMER_ACTIVE, systemd_running=True)
    assert not plan.changed and plan.describe() == []


def test_unit_written_but_never_enabled_is_enabled():
    # what a run killed between the unit write and systemctl enable leaves
    enabled = dict(ALL_ENABLED, **{"acstor-edge-stripes.service": "disabled"})
    plan = plan_boot(files(), installed(), UNITS, enabled, TIMER_ACTIVE, systemd_running=True)
    assert plan.writes == [] and plan.enable == ["acstor-edge-stripes.service"] and not plan.daemon_reload


def test_changed_unit_of_an_enabled_service_reloads_once():
    current = installed()
    current["/etc/systemd/system/acstor-edge-stripes.service"] = CurrentFile("[Unit]\nold\n", 0o644)
    plan = plan_boot(files(), current, UNITS, ALL_ENABLED, TIMER_ACTIVE, systemd_running=True)
    assert [f.path for f in plan.writes] == ["/etc/systemd/system/acstor-edge-stripes.service"]
    assert plan.daemon_reload and plan.enable == [] and plan.start == []


def test_wrong_mode_only_is_fixed_without_a_write():
    current = installed({"/usr/local/sbin/acstor-edge-stripe-boot": 0o644})
    plan = plan_boot(files(), current, UNITS, ALL_ENABLED, TIMER_ACTIVE, systemd_running=True)
    assert plan.writes == [] and [f.path for f in plan.modes] == ["/usr/local/sbin/acstor-edge-stripe-boot"]


def test_without_a_running_systemd_nothing_is_started_or_reloaded():
    current = installed()
    current["/etc/systemd/system/acstor-edge-stripe-metrics.timer"] = CurrentFile("old", 0o644)
    plan = plan_boot(files(), current, UNITS, ALL_ENABLED, {}, systemd_running=False)
    assert plan.start == [] and not plan.daemon_reload and len(plan.writes) == 1


@pytest.mark.parametrize(
    "names,output,expected",
    [
        (["a.service", "b.timer"], "enabled\ndisabled\n", {"a.service": "enabled", "b.timer": "disabled"}),
        # a missing unit prints nothing on stdout: states cannot be matched, so nothing counts as enabled
        (["a.service", "b.timer"], "enabled\n", {}),
    ],
)
def test_parse_unit_states(names, output, expected):
    assert parse_unit_states(names, output) == expected


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"script": "", "units": [BOOT]}, "units need the boot script"),
        ({"script_path": "relative/boot"}, "script_path: 'relative/boot' is not an absolute path"),
        (
            {"units": [dict(BOOT, name="../evil.service")]},
            "units[0].name: '../evil.service' is not a systemd unit name",
        ),
        ({"units": [dict(BOOT, name="x.mount")]}, "units[0].name: 'x.mount' is not a .service or .timer"),
        ({"units": [BOOT, BOOT]}, "names must be unique"),
        ({"units": [dict(BOOT, name="a.service\nExecStart=/bin/evil")]}, "contains a newline"),
        ({"script_path": "/usr/local/sbin/boot %n"}, "characters that node files give meaning to"),
        ({"fact": {}, "fact_file": "/etc/ansible/facts.d/acstor_edge.json"}, "does not end in .fact"),
        ({"fact": {}, "fact_file": "x.fact"}, "fact_file: 'x.fact' is not an absolute path"),
        ({"health_fact_file": "h.fact"}, "health_fact_file: 'h.fact' is not an absolute path"),
        ({"health_fact_file": "/h.fact", "script": None, "units": []}, "health_fact_file: needs the boot script"),
        ({"health_fact_file": "/etc/ansible/facts.d/h.sh"}, "does not end in .fact"),
    ],
)
def test_bad_input_is_named(kwargs, fragment):
    args = dict(
        script=SCRIPT,
        script_path="/usr/local/sbin/b",
        units=[BOOT],
        fact=None,
        fact_file="/x.fact",
        health_fact_file=None,
    )
    args.update(kwargs)
    errors = validate(
        args["script"], args["script_path"], args["units"], args["fact"], args["fact_file"], args["health_fact_file"]
    )
    assert any(fragment in e for e in errors), errors


def test_health_fact_is_an_executable_that_runs_the_installed_script():
    health = "/etc/ansible/facts.d/acstor_edge_stripes.fact"
    wanted = wanted_files(SCRIPT, "/opt/boot", UNITS, None, "/x.fact", health)
    fact = [f for f in wanted if f.path == health][0]
    assert fact.mode == 0o755 and fact.content.startswith("#!/bin/sh\n")
    assert fact.content.splitlines()[-1] == "exec /usr/bin/python3 /opt/boot health"
    # without the script there is nothing to run: no health fact
    assert [f.path for f in wanted_files(None, "/opt/boot", [], None, "/x.fact", health)] == []
