"""Every rule for values that reach a node file or command, as a table of wrong inputs and the rule each breaks."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import stripe_option_errors
from ansible_collections.acstor.edge.plugins.plugin_utils.node_role_inputs import node_input_errors, role_input_errors


def refused(rule, rule_id, *values):
    """Rows (rule function, wrong value, id of the rule that refuses it) - the innermost rule names itself."""
    return [(rule, value, rule_id) for value in values]


def accepted(rule, *values):
    """Rows (rule function, value it accepts)."""
    return [(rule, value) for value in values]


WRONG_VALUES = [
    *refused(
        rules.single_line,
        "single-line",
        "a\nb",
        "a\rb",
        "a\tb",
        "a\x00b",
        "a\x1bb",
        "a\x85b",
        "a\u2028b",
        "tail\n",
        "",
        "   ",
    ),
    *refused(rules.single_line, "string", 5, None, ["x"]),
    *refused(rules.fstab_field, "fstab-field", "a b", "a#b", "a\\040b"),
    *refused(rules.fstab_field, "single-line", "a\nb"),
    *refused(rules.mount_options, "fstab-field", "defaults, noatime", 'x-systemd.before="a b"', "defaults#"),
    *refused(rules.mount_options, "mount-options", "defaults,,noatime", "defaults,"),
    *refused(rules.mount_options, "single-line", "defaults\t0 0\n/dev/sdb /x ext4 rw"),
    *refused(
        rules.absolute_path,
        "absolute-path",
        "relative/dir",
        "/mnt/a b",
        "/mnt/a#b",
        "/usr/sbin/boot %n",
        "/mnt/a,b",
        "/mnt/a=b",
        "/mnt/$HOME",
        "/mnt/a;reboot",
        "/mnt/'q'",
        "/mnt//x",
        "/mnt/../etc",
        "/mnt/./x",
    ),
    *refused(rules.absolute_path, "single-line", "/mnt/x\n"),
    *refused(rules.mount_path, "mount-path", "/var", "/etc/", "/"),
    *refused(rules.mount_path, "absolute-path", "data"),
    *refused(rules.fact_file, "fact-file", "/etc/ansible/facts.d/acstor_edge.json", "/etc/ansible/facts.d/.fact"),
    *refused(rules.fact_file, "absolute-path", "acstor_edge.fact"),
    *refused(
        rules.sysctl_file, "sysctl-file", "/etc/sysctl.d/99-acstor.txt", "/etc/99-acstor.conf", "/etc/sysctl.d/.conf"
    ),
    *refused(rules.sysctl_file, "absolute-path", "/etc/sysctl.d/a b.conf"),
    # node_prep writes its drop-in whole: never /etc/sysctl.conf, which holds the OS's and the user's settings
    *refused(rules.sysctl_file, "sysctl-file", "/etc/sysctl.conf"),
    *refused(rules.stripe_name, "stripe-name", "Fast", "1fast", "fa.st", "a" * 32, "fast/x"),
    *refused(rules.stripe_name, "single-line", "fast\n"),
    *refused(rules.lvm_name, "lvm-name", "-vg", ".", "..", "vg/x", "vg x", "my_snapshot", "v" * 128),
    *refused(rules.lvm_name, "single-line", "vg\n"),
    *refused(
        rules.unit_name,
        "unit-name",
        "kubelet",
        "kubelet.service,local-fs.target",
        "kube let.service",
        "../evil.service",
        "a\\x2db.service",
        "a=b.service",
    ),
    *refused(rules.unit_name, "single-line", "kubelet.service\n/dev/sdb /mnt ext4 defaults 0 0"),
    *refused(rules.sysctl_name, "sysctl-name", "vm.swappiness=0", "fs..file-max", "../../etc/shadow", "fs.file max"),
    *refused(rules.sysctl_name, "single-line", "fs.file-max\nkernel.panic"),
    *refused(rules.sysctl_value, "sysctl-value", "1\n", "1 2", -1, True, 1.5, "0x10"),
    *refused(rules.kernel_module, "kernel-module", "bad;name", "dm mod", "dm_mod#x", "m" * 56),
    *refused(rules.kernel_module, "single-line", "dm_mod\n"),
    *refused(rules.package_name, "package-name", "-y", "vim mc", "vim;reboot"),
    *refused(rules.package_name, "single-line", "vim\n"),
    *refused(rules.size, "size", "64q", "sixty", -4096, True),
    *refused(rules.size, "single-line", "64k\n"),
    *refused(rules.stripe_size, "stripe-size", "96k", "2k"),
    *refused(rules.stripe_size, "size", "64kk"),
    *refused(rules.timespan, "timespan", "1 minute later", "soon", "-1s"),
    *refused(rules.timespan, "single-line", "1min\nExecStart=/bin/sh"),
    *refused(rules.positive_integer, "positive-integer", 0, -2, True, "3"),
    *refused(rules.non_negative_number, "non-negative-number", -1.0, float("nan"), float("inf"), "5"),
    *refused(rules.boolean, "boolean", "maybe", 2, None),
]

GOOD_VALUES = [
    *accepted(rules.single_line, "Microsoft NVMe Direct Disk"),
    *accepted(rules.fstab_field, "/dev/fast/fast"),
    *accepted(rules.mount_options, "defaults,noatime,x-systemd.before=kubelet.service"),
    *accepted(rules.absolute_path, "/var/lib/model-cache_2"),
    *accepted(rules.mount_path, "/var/lib/modelcache"),
    *accepted(rules.fact_file, "/etc/ansible/facts.d/acstor_edge.fact"),
    *accepted(rules.sysctl_file, "/etc/sysctl.d/99-zz-acstor-edge.conf"),
    *accepted(rules.stripe_name, "model_cache-1"),
    *accepted(rules.lvm_name, "containerstorage"),
    *accepted(rules.unit_name, "rke2-agent.service", "getty@tty1.service"),
    *accepted(rules.sysctl_name, "fs.inotify.max_user_instances"),
    *accepted(rules.sysctl_value, 8192, "8192"),
    *accepted(rules.kernel_module, "dm-raid"),
    *accepted(rules.package_name, "linux-modules-extra-6.8.0-1015-azure"),
    *accepted(rules.size, "512KiB", 65536),
    *accepted(rules.stripe_size, "64k"),
    *accepted(rules.timespan, "1min", "1h 30min"),
    *accepted(rules.positive_integer, 3),
    *accepted(rules.non_negative_number, 5),
    *accepted(rules.boolean, "yes", False),
]


@pytest.mark.parametrize("rule,value,rule_id", WRONG_VALUES, ids=["%s-%r" % (r[2], r[1])[:60] for r in WRONG_VALUES])
def test_wrong_value_is_refused_by_its_rule(rule, value, rule_id):
    errors = []
    assert rules.check(errors, "opt[1].x", value, rule) is False
    assert errors[0].startswith("opt[1].x: ") and errors[0].endswith("(rule %s)" % rule_id), errors


@pytest.mark.parametrize("rule,value", GOOD_VALUES)
def test_good_value_passes(rule, value):
    assert rule(value) is None


def test_every_rule_is_exercised_by_the_table():
    used = {rule_id for _rule, _value, rule_id in WRONG_VALUES}
    assert set(rules.RULES) - used == set()


# nvme_stripe options as the user gives them -> (option named, rule id). Nothing here needs the node.
STRIPE_TABLE = [
    ({"mount_before": ["kubelet.service\n/dev/sdb /etc ext4 defaults 0 0"]}, "mount_before[0]", "single-line"),
    ({"mount_before": ["kubelet"]}, "mount_before[0]", "unit-name"),
    ({"mount_options": "defaults 0 0\n/dev/sdb"}, "mount_options", "single-line"),
    ({"mount_options": "defaults noatime"}, "mount_options", "fstab-field"),
    ({"mount_path": "/mnt/fast data"}, "mount_path", "absolute-path"),
    ({"mount_path": "/mnt/fast\n"}, "mount_path", "single-line"),
    ({"mount_path": "/var"}, "mount_path", "mount-path"),
    ({"name": "fast\n"}, "name", "single-line"),
    ({"name": "Fast"}, "name", "stripe-name"),
    ({"volume_group": "vg\nx"}, "volume_group", "single-line"),
    ({"volume_group": "-vg"}, "volume_group", "lvm-name"),
    ({"stripe_size": "100k"}, "stripe_size", "stripe-size"),
    ({"selector": {"class": "local", "count": 0}}, "selector.count", "positive-integer"),
    ({"selector": {"class": "local", "count": -1}}, "selector.count", "positive-integer"),
    ({"selector": {"class": "local", "min_size": "1T\n"}}, "selector.min_size", "single-line"),
    ({"selector": {"class": "local", "models": ["M\n"]}}, "selector.models[0]", "single-line"),
    ({"selector": {"class": "nvme"}}, "selector.class", "choice"),
    ({"selector": {"modle": "x"}}, "selector", "choice"),
    ({"devices": ["/dev/nvme0n1\n"], "selector": None}, "devices[0]", "single-line"),
    ({"size_tolerance": float("nan")}, "size_tolerance", "non-negative-number"),
    ({"extra_models": ["M\n"]}, "extra_models[0]", "single-line"),
    ({"filesystem": "btrfs"}, "filesystem", "choice"),
    ({"force": "maybe"}, "force", "boolean"),
    ({"colour": "red"}, "", "choice"),
    # what the mode, backend or member choice does not use, refused when set
    ({"mode": "csi_vg", "filesystem": "xfs"}, "filesystem", "mode"),
    ({"mode": "csi_vg", "filesystem": "ext4"}, "filesystem", "mode"),
    ({"mode": "csi_vg", "filesystem": "none", "backend": "mdadm"}, "backend", "mode"),
    ({"mode": "csi_vg", "mount_path": "/mnt/x"}, "mount_path", "mode"),
    ({"mode": "csi_vg", "stripe_size": "64k"}, "stripe_size", "unused-option"),
    ({"mode": "csi_vg", "mount_options": "defaults"}, "mount_options", "unused-option"),
    ({"mode": "csi_vg", "mount_before": ["kubelet.service"]}, "mount_before", "unused-option"),
    ({"filesystem": "none", "mount_path": "/mnt/x"}, "mount_path", "mode"),
    ({"filesystem": "none", "mount_options": "defaults"}, "mount_options", "unused-option"),
    ({"mount_path": None, "mount_options": "defaults"}, "mount_options", "unused-option"),
    ({"mount_path": None, "mount_before": ["kubelet.service"]}, "mount_before", "unused-option"),
    ({"backend": "mdadm", "volume_group": "vg0"}, "volume_group", "unused-option"),
    ({"backend": "lvm", "update_initramfs": False}, "update_initramfs", "unused-option"),
    ({"selector": None, "devices": ["/dev/nvme0n1"], "extra_models": ["M"]}, "extra_models", "unused-option"),
    ({"selector": None}, "devices", "one-of"),
    ({"devices": ["/dev/nvme0n1"]}, "devices", "one-of"),
]
BASE = {"name": "fast", "selector": {"class": "local"}, "mount_path": "/mnt/fast"}


@pytest.mark.parametrize("change,option,rule_id", STRIPE_TABLE, ids=["%s-%s" % (r[1], r[2]) for r in STRIPE_TABLE])
def test_stripe_option_is_refused_naming_option_and_rule(change, option, rule_id):
    options = dict(BASE, **change)
    errors = stripe_option_errors(options, "nvme_stripe_list[1].")
    named = "nvme_stripe_list[1]%s: " % ("." + option if option else "")
    assert any(e.startswith(named) and e.endswith("(rule %s)" % rule_id) for e in errors), errors


@pytest.mark.parametrize(
    "options",
    [
        BASE,
        {"name": "csi", "mode": "csi_vg", "filesystem": "none", "selector": {"class": "local"}},
        {"name": "csi", "mode": "csi_vg", "selector": {"class": "local", "count": 2}},
        {"name": "raw", "filesystem": "none", "devices": ["AZL0001"]},
        {
            "name": "md",
            "backend": "mdadm",
            "devices": ["A", "B"],
            "update_initramfs": False,
            "mount_path": "/mnt/md",
            "mount_options": "noatime",
            "mount_before": ["k3s.service"],
        },
        # teardown flips a stripe's own item to absent: options only present uses are not refused then
        dict(BASE, state="absent", force=True, stripe_size="128k", mount_before=["kubelet.service"]),
    ],
)
def test_good_stripe_options_pass(options):
    assert stripe_option_errors(options) == []


def test_role_variables_are_named_by_variable():
    errors = node_input_errors(
        {
            "nvme_stripe_list": [
                {
                    "name": "a",
                    "selector": {"class": "local"},
                    "mount_path": "/mnt/a",
                    "mount_before": ["x.service\ny.service"],
                },
                {"name": "a", "devices": ["S1"]},
            ],
            "nvme_stripe_before_units": ["kubelet.service", "bad unit"],
            "nvme_stripe_metrics_interval": "1min\n[Install]",
            "nvme_stripe_fact_file": "/etc/ansible/facts.d/x.json",
            "node_prep_sysctls": {"vm.swappiness=1": 1},
            "node_prep_sysctl_file": "/etc/sysctl.d/x.conf\n",
            "preflight_products": ["local_csi"],
            "preflight_local_path_dir": "/var/lib/lp",
            "preflight_free_space": [{"path": "/var lib", "min_free_gib": 1}],
        }
    )
    expected = [
        "nvme_stripe_list[0].mount_before[0]: ",
        "nvme_stripe_list[1].name: 'a' is listed twice",
        "nvme_stripe_before_units[1]: ",
        "nvme_stripe_metrics_interval: ",
        "nvme_stripe_fact_file: ",
        "node_prep_sysctls['vm.swappiness=1']: ",
        "node_prep_sysctl_file: ",
        "preflight_local_path_dir: is set but",
        "preflight_free_space[0].path: ",
    ]
    for prefix in expected:
        assert any(e.startswith(prefix) for e in errors), (prefix, errors)
    assert len(errors) == len(expected), errors


def test_stripe_item_options_the_role_does_not_pass_are_refused():
    errors = role_input_errors(
        "nvme_stripe",
        {
            "nvme_stripe_list": [
                {"name": "a", "selector": {"class": "local"}, "extra_models": ["M"], "mountpath": "/mnt/a"}
            ]
        },
    )
    assert errors == [
        "nvme_stripe_list[0]: has option(s) the role does not pass: extra_models, mountpath "
        "(extra_models and update_initramfs are the role variables nvme_stripe_extra_models and "
        "nvme_stripe_update_initramfs) (rule choice)"
    ]
