"""playbooks/validate.yml, unchanged, on an inventory with one error of every kind it knows: every error is
reported in the one failure, and each node-side input is refused with the same words and rule by the module (or
role) that would have received it. Self-contained: needs no conftest of this directory.

Nothing here connects to a node: validate.yml runs on localhost, and the modules and roles run on localhost in
check mode, where bad input is refused before anything is read.
"""

import json
import re
import subprocess

import pytest
import yaml

from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_stripes import stripe_item_options

from acstor_testlib import LOCAL_PLAY_ARGS, REPO_ROOT, ansible_environment

# one item per kind of stripe error, with the error it gets: (item, option named, rule, receiver)
# receiver: "module" - nvme_stripe refuses it with the very same text; "argspec" - the module's argument spec
# (Ansible's own type/choices check) refuses it first, naming the option and value; None - only the list shows it.
STRIPE_CASES = [
    ({"name": "Data.1", "devices": ["SER0"]}, "name", "stripe-name", "module"),
    (
        {
            "name": "fstab",
            "selector": {"class": "local"},
            "mount_path": "/srv/a",
            "mount_before": ["kubelet.service\n/dev/sdb /etc ext4 defaults 0 0"],
        },
        "mount_before[0]",
        "single-line",
        "module",
    ),
    ({"name": "count", "selector": {"class": "local", "count": 0}}, "selector.count", "positive-integer", "module"),
    (
        {"name": "csi", "mode": "csi_vg", "filesystem": "xfs", "selector": {"class": "local"}},
        "filesystem",
        "mode",
        "module",
    ),
    (
        {"name": "unused", "selector": {"class": "local"}, "mount_options": "noatime"},
        "mount_options",
        "unused-option",
        "module",
    ),
    (
        {"name": "md", "backend": "mdadm", "devices": ["SER1", "SER2"], "volume_group": "vg0"},
        "volume_group",
        "unused-option",
        "module",
    ),
    (
        {"name": "opts", "devices": ["SER3"], "mount_path": "/srv/b", "mount_options": "defaults noatime"},
        "mount_options",
        "fstab-field",
        "module",
    ),
    ({"name": "path", "devices": ["SER4"], "mount_path": "/srv/a b"}, "mount_path", "absolute-path", "module"),
    ({"name": "sysdir", "devices": ["SER5"], "mount_path": "/var"}, "mount_path", "mount-path", "module"),
    ({"name": "size", "devices": ["SER6"], "stripe_size": "96k"}, "stripe_size", "stripe-size", "module"),
    ({"name": "vg", "devices": ["SER7"], "volume_group": "-vg"}, "volume_group", "lvm-name", "module"),
    ({"name": "nodev"}, "devices", "one-of", "module"),
    # a disk two stripes claim, and a name listed twice: only the list shows them
    ({"name": "fast", "devices": ["ser0"]}, "devices[0]", "unique", False),
    ({"name": "fast", "devices": ["SER8"]}, "name", "unique", False),
    # an option the role does not pass
    ({"name": "typo", "devices": ["SER9"], "mountpath": "/srv/c"}, None, "choice", False),
    ({"name": "fs", "devices": ["SER10"], "filesystem": "btrfs"}, "filesystem", "choice", "argspec"),
    ({"name": "tol", "devices": ["SER11"], "size_tolerance": -1}, "size_tolerance", "non-negative-number", "module"),
    ({"name": "bools", "devices": ["SER12"], "force": "maybe"}, "force", "boolean", "argspec"),
    (
        {"name": "minsz", "selector": {"class": "local", "min_size": "1 TB please"}},
        "selector.min_size",
        "size",
        "module",
    ),
    ({"name": "cls", "selector": {"class": "nvme"}}, "selector.class", "choice", "argspec"),
]
STRIPES = [case[0] for case in STRIPE_CASES]
# (item index, option named, rule, receiver)
STRIPE_ERRORS = [(index, *error) for index, (_item, *error) in enumerate(STRIPE_CASES)]
# the node roles' variables, each with its wrong value and the errors it gets: {option named: rule}
ROLE_CASES = {
    "nvme_stripe_before_units": (["kubelet"], {"nvme_stripe_before_units[0]": "unit-name"}),
    "nvme_stripe_metrics_interval": ("soon", {"nvme_stripe_metrics_interval": "timespan"}),
    "nvme_stripe_fact_file": ("/etc/ansible/facts.d/acstor_edge.json", {"nvme_stripe_fact_file": "fact-file"}),
    "nvme_stripe_boot_script": ("/usr/local/sbin/boot %n", {"nvme_stripe_boot_script": "absolute-path"}),
    "nvme_stripe_update_initramfs": ("maybe", {"nvme_stripe_update_initramfs": "boolean"}),
    "nvme_stripe_extra_models": ("Dell NVMe", {"nvme_stripe_extra_models": "list"}),
    "node_prep_products": (["blob"], {"node_prep_products[0]": "choice"}),
    "node_prep_sysctls": (
        {"vm.swappiness=0": 1, "fs.file-max": "lots"},
        {"node_prep_sysctls['vm.swappiness=0']": "sysctl-name", "node_prep_sysctls['fs.file-max']": "sysctl-value"},
    ),
    "node_prep_sysctl_file": ("/etc/sysctl.d/acstor", {"node_prep_sysctl_file": "sysctl-file"}),
    "node_prep_kernel_modules_extra": (["bad;name"], {"node_prep_kernel_modules_extra[0]": "kernel-module"}),
    "node_prep_packages_extra": (["-y"], {"node_prep_packages_extra[0]": "package-name"}),
    "node_prep_hugepages_2m": (-1, {"node_prep_hugepages_2m": "sysctl-value"}),
    "preflight_local_path_dir": ("/var/lib/local-path", {"preflight_local_path_dir": "unused-option"}),
    "preflight_local_csi_volume_group": ("vg/x", {"preflight_local_csi_volume_group": "lvm-name"}),
    "preflight_free_space": (
        [{"path": "relative", "min_free_gib": 1}],
        {"preflight_free_space[0].path": "absolute-path"},
    ),
}
NODE_ROLES = ("nvme_stripe", "node_prep", "preflight")
ROLE_VARS = {variable: value for variable, (value, _errors) in ROLE_CASES.items()}
# the role's meta/argument_specs.yml refuses some types and choices before its tasks run
ARGSPEC_ROLE_VARS = {"nvme_stripe_update_initramfs": "nvme_stripe", "node_prep_products": "node_prep"}
# (role, option named, rule): the role is the variable's prefix
ROLE_ERRORS = [
    (next(role for role in NODE_ROLES if variable.startswith(role + "_")), option, rule)
    for variable, (_value, errors) in ROLE_CASES.items()
    for option, rule in errors.items()
]
# role variable option -> (module, its arguments, the option the module names)
MODULE_EQUIVALENTS = {
    "node_prep_sysctls['vm.swappiness=0']": (
        "node_prep_info",
        {"sysctls": {"vm.swappiness=0": 1}},
        "sysctls['vm.swappiness=0']",
    ),
    "node_prep_sysctls['fs.file-max']": (
        "node_prep_info",
        {"sysctls": {"fs.file-max": "lots"}},
        "sysctls['fs.file-max']",
    ),
    "node_prep_kernel_modules_extra[0]": ("node_prep_info", {"kernel_modules": ["bad;name"]}, "kernel_modules[0]"),
    "node_prep_packages_extra[0]": ("node_prep_info", {"packages": {"Debian": ["-y"]}}, "packages['Debian'][0]"),
    "preflight_local_path_dir": (
        "preflight_info",
        {"products": ["local_csi"], "local_path_dir": "/var/lib/local-path"},
        "local_path_dir",
    ),
    "preflight_local_csi_volume_group": ("preflight_info", {"csi_volume_group": "vg/x"}, "csi_volume_group"),
    "preflight_free_space[0].path": (
        "preflight_info",
        {"free_space": [{"path": "relative", "min_free_gib": 1}]},
        "free_space[0].path",
    ),
}
# inventory-model errors (no module receives these: they are about the inventory itself)
MODEL_ERRORS = [
    "Bad_Cluster is in both edge_nodes and edge_clusters",
    "node-orphan: node has no cluster",
    "node-lost: acstor_edge_cluster 'nowhere' is not a host of edge_clusters",
    "node-lost: unknown product(s) nfs in acstor_edge_products",
    "node-lost: unknown node phase(s) reboot in acstor_edge_node_phases",
    "Bad_Cluster: cluster host names must be lowercase RFC 1123 labels",
    "site-1: unknown cluster phase(s) reboot in acstor_edge_cluster_phases",
    "rollout_serial: serial step '0%' must be a percentage",
    "rollout_max_fail_percentage must be a number from 0 to 100, got 'ten'",
]


def _env():
    return ansible_environment(
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_CALLBACK_RESULT_FORMAT="json",
        ANSIBLE_HOST_KEY_CHECKING="False",
    )


def _playbook(args, timeout=300):
    command = ["ansible-playbook"] + args
    proc = subprocess.run(
        command, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


def _failure_message(output):
    """The msg of the one failed task (the callback prints its result as JSON after 'FAILED! => ')."""
    found = [line.split("FAILED! => ", 1)[1] for line in output.splitlines() if "FAILED! => " in line]
    assert len(found) == 1, output[-4000:]
    return json.loads(found[0])["msg"]


def _inventory(path):
    inventory = {
        "all": {
            "children": {
                "edge_clusters": {
                    "hosts": {
                        "site-1": {
                            "ansible_connection": "local",
                            "acstor_edge_cluster_phases": ["csi_driver", "reboot"],
                        },
                        "Bad_Cluster": {"ansible_connection": "local"},
                    }
                },
                "edge_nodes": {
                    "hosts": {
                        "node-stripes": {"acstor_edge_cluster": "site-1", "nvme_stripe_list": STRIPES},
                        "node-roles": dict(ROLE_VARS, acstor_edge_cluster="site-1", acstor_edge_products=["local_csi"]),
                        "node-orphan": {},
                        "node-lost": {
                            "acstor_edge_cluster": "nowhere",
                            "acstor_edge_products": ["local_csi", "nfs"],
                            "acstor_edge_node_phases": ["prep", "reboot"],
                        },
                        "Bad_Cluster": {"acstor_edge_cluster": "site-1"},
                    }
                },
            }
        }
    }
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path


def _split(error):
    """'<option>: <reason> (rule <id>)' -> (reason and rule), the part a module and validate.yml must share."""
    return error.split(": ", 1)[1]


def _case(name, task):
    key = json.dumps(name)
    return {
        "name": "case " + name,
        "block": [
            task,
            {
                "name": "accepted",
                "ansible.builtin.set_fact": {"cases": "{{ cases | combine({%s: {'failed': false}}) }}" % key},
            },
        ],
        "rescue": [
            {
                "name": "refused",
                "ansible.builtin.set_fact": {
                    "cases": "{{ cases | combine({%s: {'failed': true, 'msg': ansible_failed_result.msg | default('') | string,"
                    " 'errors': ansible_failed_result.errors | default([])}}) }}" % key
                },
            }
        ],
    }


def _run_receivers(tmp_path, cases):
    """Run each (name, task) on localhost in check mode; {name: {failed, msg, errors}}."""
    out = tmp_path / "receivers.json"
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "check_mode": True,
            "vars": {"cases": {}},
            "tasks": [_case(name, task) for name, task in cases]
            + [
                {
                    "name": "write the table",
                    "check_mode": False,
                    "ansible.builtin.copy": {"content": "{{ cases | to_json }}", "dest": str(out), "mode": "0600"},
                }
            ],
        }
    ]
    (tmp_path / "receivers.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    rc, output = _playbook([*LOCAL_PLAY_ARGS, str(tmp_path / "receivers.yml")])
    assert out.exists(), "rc %d\n%s" % (rc, output[-4000:])
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def validate_errors(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("validate")
    rc, output = _playbook(
        [
            "-i",
            str(_inventory(tmp_path / "inventory.yml")),
            str(REPO_ROOT / "playbooks" / "validate.yml"),
            "-e",
            json.dumps({"inventory_validation_rollout_policy": {"serial": ["0%"], "max_fail_percentage": "ten"}}),
        ]
    )
    assert rc != 0, output[-3000:]
    message = _failure_message(output)
    count, listed = re.fullmatch(r"inventory validation found (\d+) error\(s\): (.*)", message.strip(), re.S).groups()
    errors = listed.split(" | ")
    assert int(count) == len(errors)
    return errors


def _one(errors, prefix, rule):
    found = [e for e in errors if e.startswith(prefix) and e.endswith("(rule %s)" % rule)]
    assert len(found) == 1, (prefix, rule, [e for e in errors if e.startswith(prefix)])
    return found[0]


def test_every_error_is_reported_at_once(validate_errors):
    expected = len(MODEL_ERRORS) + len(STRIPE_ERRORS) + len(ROLE_ERRORS)
    for text in MODEL_ERRORS:
        assert any(text in e for e in validate_errors), (text, validate_errors)
    for index, option, rule, _module in STRIPE_ERRORS:
        prefix = "node-stripes: nvme_stripe_list[%d]%s" % (index, ": " if option is None else "." + option + ": ")
        _one(validate_errors, prefix, rule)
    for _role, option, rule in ROLE_ERRORS:
        _one(validate_errors, "node-roles: %s: " % option, rule)
    assert len(validate_errors) == expected, "\n".join(validate_errors)


def test_each_input_is_refused_by_its_receiver_with_the_same_rule(validate_errors, tmp_path):
    cases = []
    for index, _option, _rule, receiver in STRIPE_ERRORS:
        if receiver:
            args = {k: v for k, v in stripe_item_options(STRIPES[index]).items() if v is not None}
            cases.append(("stripe %d" % index, {"acstor.edge.nvme_stripe": args}))
    for option, (module, args, _module_option) in MODULE_EQUIVALENTS.items():
        cases.append((option, {"acstor.edge." + module: args}))
    # what only a role receives (the list as a whole, role-wide variables), through the role itself
    cases.append(
        (
            "role nvme_stripe list",
            {
                "ansible.builtin.include_role": {"name": "acstor.edge.nvme_stripe"},
                "vars": {"nvme_stripe_list": STRIPES},
            },
        )
    )
    for role in NODE_ROLES:
        variables = {k: v for k, v in ROLE_VARS.items() if k.startswith(role + "_") and k not in ARGSPEC_ROLE_VARS}
        variables["acstor_edge_products"] = ["local_csi"]
        if role == "nvme_stripe":
            variables["nvme_stripe_list"] = [{"name": "ok", "devices": ["SER0"]}]
        cases.append(
            ("role " + role, {"ansible.builtin.include_role": {"name": "acstor.edge." + role}, "vars": variables})
        )
    for name, role in ARGSPEC_ROLE_VARS.items():
        cases.append(
            (name, {"ansible.builtin.include_role": {"name": "acstor.edge." + role}, "vars": {name: ROLE_VARS[name]}})
        )
    table = _run_receivers(tmp_path, cases)

    problems = []
    role_msg = table["role nvme_stripe list"]["msg"]
    for index, option, rule, receiver in STRIPE_ERRORS:
        prefix = "node-stripes: nvme_stripe_list[%d]%s" % (index, ": " if option is None else "." + option + ": ")
        reported = _one(validate_errors, prefix, rule).split(": ", 1)[1]
        # the role reports the very same text, the host name aside
        if reported not in role_msg:
            problems.append("role nvme_stripe does not report %r" % reported)
        outcome = table.get("stripe %d" % index)
        if receiver == "module":
            same = [
                e for e in outcome.get("errors", []) if e.startswith(option + ": ") and _split(e) == _split(reported)
            ]
            if not outcome["failed"] or not same:
                problems.append("nvme_stripe does not refuse item %d as %r: %s" % (index, reported, outcome))
        elif receiver == "argspec":
            value = STRIPES[index]
            for key in option.split("."):
                value = value[key]
            if (
                not outcome["failed"]
                or option.rsplit(".", maxsplit=1)[-1] not in outcome["msg"]
                or str(value) not in outcome["msg"]
            ):
                problems.append(
                    "nvme_stripe's argument spec does not refuse item %d (%s=%r): %s" % (index, option, value, outcome)
                )
    for role, option, rule in ROLE_ERRORS:
        reported = _one(validate_errors, "node-roles: %s: " % option, rule).split(": ", 1)[1]
        name = option.split("[", maxsplit=1)[0]
        if name in ARGSPEC_ROLE_VARS:
            outcome = table[name]
            if (
                not outcome["failed"]
                or name not in outcome["msg"]
                or str(ROLE_VARS[name][0] if isinstance(ROLE_VARS[name], list) else ROLE_VARS[name])
                not in outcome["msg"]
            ):
                problems.append("role %s's argument spec does not refuse %s: %s" % (role, name, outcome))
        elif reported not in table["role " + role]["msg"]:
            problems.append("role %s does not report %r: %s" % (role, reported, table["role " + role]["msg"][:600]))
        if option in MODULE_EQUIVALENTS:
            module, _args, module_option = MODULE_EQUIVALENTS[option]
            outcome = table[option]
            same = [
                e
                for e in outcome.get("errors", [])
                if e.startswith(module_option + ": ") and _split(e) == _split(reported)
            ]
            if not outcome["failed"] or not same:
                problems.append("%s does not refuse %r the same way: %s" % (module, reported, outcome))
    assert not problems, "\n".join(problems)


def test_an_inventory_without_clusters_is_an_error(tmp_path):
    inventory = {"all": {"children": {"edge_nodes": {"hosts": {"node-a": {"acstor_edge_cluster": "site-1"}}}}}}
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    rc, output = _playbook(["-i", str(tmp_path / "inventory.yml"), str(REPO_ROOT / "playbooks" / "validate.yml")])
    message = _failure_message(output)
    assert rc != 0
    assert "group edge_clusters is empty" in message and "node-a: acstor_edge_cluster 'site-1' is not a host" in message
