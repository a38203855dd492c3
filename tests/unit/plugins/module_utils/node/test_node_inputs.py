"""Every rule for values that reach a node file or command, as a table of wrong inputs and the rule each breaks."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import stripe_option_errors
from ansible_collections.acstor.edge.plugins.plugin_utils.node_role_inputs import node_input_errors, role_input_errors

# (rule function, wrong value, id of the rule that refuses it) - the innermost rule names itself
WRONG_VALUES = [
    (rules.single_line, "a\nb", "single-line"),
    (rules.single_line, "a\rb", "single-line"),
    (rules.single_line, "a\tb", "single-line"),
    (rules.single_line, "a\x00b", "single-line"),
    (rules.single_line, "a\x1bb", "single-line"),
    (rules.single_line, "a\x85b", "single-line"),
    (rules.single_line, "a\u2028b", "single-line"),
    (rules.single_line, "tail\n", "single-line"),
    (rules.single_line, "", "single-line"),
    (rules.single_line, "   ", "single-line"),
    (rules.single_line, 5, "string"),
    (rules.single_line, None, "string"),
    (rules.single_line, ["x"], "string"),
    (rules.fstab_field, "a b", "fstab-field"),
    (rules.fstab_field, "a#b", "fstab-field"),
    (rules.fstab_field, "a\\040b", "fstab-field"),
    (rules.fstab_field, "a\nb", "single-line"),
    (rules.mount_options, "defaults, noatime", "fstab-field"),
    (rules.mount_options, "defaults,,noatime", "mount-options"),
    (rules.mount_options, "defaults,", "mount-options"),
    (rules.mount_options, "defaults\t0 0\n/dev/sdb /x ext4 rw", "single-line"),
    (rules.mount_options, 'x-systemd.before="a b"', "fstab-field"),
    (rules.mount_options, "defaults#", "fstab-field"),
    (rules.absolute_path, "relative/dir", "absolute-path"),
    (rules.absolute_path, "/mnt/a b", "absolute-path"),
    (rules.absolute_path, "/mnt/a#b", "absolute-path"),
    (rules.absolute_path, "/usr/sbin/boot %n", "absolute-path"),
    (rules.absolute_path, "/mnt/a,b", "absolute-path"),
    (rules.absolute_path, "/mnt/a=b", "absolute-path"),
    (rules.absolute_path, "/mnt/$HOME", "absolute-path"),
    (rules.absolute_path, "/mnt/a;reboot", "absolute-path"),
    (rules.absolute_path, "/mnt/'q'", "absolute-path"),
    (rules.absolute_path, "/mnt//x", "absolute-path"),
    (rules.absolute_path, "/mnt/../etc", "absolute-path"),
    (rules.absolute_path, "/mnt/./x", "absolute-path"),
    (rules.absolute_path, "/mnt/x\n", "single-line"),
    (rules.mount_path, "/var", "mount-path"),
    (rules.mount_path, "/etc/", "mount-path"),
    (rules.mount_path, "/", "mount-path"),
    (rules.mount_path, "data", "absolute-path"),
    (rules.fact_file, "/etc/ansible/facts.d/acstor_edge.json", "fact-file"),
    (rules.fact_file, "/etc/ansible/facts.d/.fact", "fact-file"),
    (rules.fact_file, "acstor_edge.fact", "absolute-path"),
    (rules.sysctl_file, "/etc/sysctl.d/99-acstor.txt", "sysctl-file"),
    (rules.sysctl_file, "/etc/99-acstor.conf", "sysctl-file"),
    (rules.sysctl_file, "/etc/sysctl.d/.conf", "sysctl-file"),
    (rules.sysctl_file, "/etc/sysctl.d/a b.conf", "absolute-path"),
    # node_prep writes its drop-in whole: never /etc/sysctl.conf, which holds the OS's and the user's settings
    (rules.sysctl_file, "/etc/sysctl.conf", "sysctl-file"),
    (rules.stripe_name, "Fast", "stripe-name"),
    (rules.stripe_name, "1fast", "stripe-name"),
    (rules.stripe_name, "fa.st", "stripe-name"),
    (rules.stripe_name, "a" * 32, "stripe-name"),
    (rules.stripe_name, "fast\n", "single-line"),
    (rules.stripe_name, "fast/x", "stripe-name"),
    (rules.lvm_name, "-vg", "lvm-name"),
    (rules.lvm_name, ".", "lvm-name"),
    (rules.lvm_name, "..", "lvm-name"),
    (rules.lvm_name, "vg/x", "lvm-name"),
    (rules.lvm_name, "vg x", "lvm-name"),
    (rules.lvm_name, "my_snapshot", "lvm-name"),
    (rules.lvm_name, "v" * 128, "lvm-name"),
    (rules.lvm_name, "vg\n", "single-line"),
    (rules.unit_name, "kubelet", "unit-name"),
    (rules.unit_name, "kubelet.service,local-fs.target", "unit-name"),
    (rules.unit_name, "kubelet.service\n/dev/sdb /mnt ext4 defaults 0 0", "single-line"),
    (rules.unit_name, "kube let.service", "unit-name"),
    (rules.unit_name, "../evil.service", "unit-name"),
    (rules.unit_name, "a\\x2db.service", "unit-name"),
    (rules.unit_name, "a=b.service", "unit-name"),
    (rules.sysctl_name, "vm.swappiness=0", "sysctl-name"),
    (rules.sysctl_name, "fs..file-max", "sysctl-name"),
    (rules.sysctl_name, "../../etc/shadow", "sysctl-name"),
    (rules.sysctl_name, "fs.file max", "sysctl-name"),
    (rules.sysctl_name, "fs.file-max\nkernel.panic", "single-line"),
    (rules.sysctl_value, "1\n", "sysctl-value"),
    (rules.sysctl_value, "1 2", "sysctl-value"),
    (rules.sysctl_value, -1, "sysctl-value"),
    (rules.sysctl_value, True, "sysctl-value"),
    (rules.sysctl_value, 1.5, "sysctl-value"),
    (rules.sysctl_value, "0x10", "sysctl-value"),
    (rules.kernel_module, "bad;name", "kernel-module"),
    (rules.kernel_module, "dm mod", "kernel-module"),
    (rules.kernel_module, "dm_mod#x", "kernel-module"),
    (rules.kernel_module, "m" * 56, "kernel-module"),
    (rules.kernel_module, "dm_mod\n", "single-line"),
    (rules.package_name, "-y", "package-name"),
    (rules.package_name, "vim mc", "package-name"),
    (rules.package_name, "vim;reboot", "package-name"),
    (rules.package_name, "vim\n", "single-line"),
    (rules.size, "64q", "size"),
    (rules.size, "sixty", "size"),
    (rules.size, -4096, "size"),
    (rules.size, True, "size"),
    (rules.size, "64k\n", "single-line"),
    (rules.stripe_size, "96k", "stripe-size"),
    (rules.stripe_size, "2k", "stripe-size"),
    (rules.stripe_size, "64kk", "size"),
    (rules.timespan, "1 minute later", "timespan"),
    (rules.timespan, "1min\nExecStart=/bin/sh", "single-line"),
    (rules.timespan, "soon", "timespan"),
    (rules.timespan, "-1s", "timespan"),
    (rules.positive_integer, 0, "positive-integer"),
    (rules.positive_integer, -2, "positive-integer"),
    (rules.positive_integer, True, "positive-integer"),
    (rules.positive_integer, "3", "positive-integer"),
    (rules.non_negative_number, -1.0, "non-negative-number"),
    (rules.non_negative_number, float("nan"), "non-negative-number"),
    (rules.non_negative_number, float("inf"), "non-negative-number"),
    (rules.non_negative_number, "5", "non-negative-number"),
    (rules.boolean, "maybe", "boolean"),
    (rules.boolean, 2, "boolean"),
    (rules.boolean, None, "boolean"),
]

GOOD_VALUES = [
    (rules.single_line, "Microsoft NVMe Direct Disk"),
    (rules.fstab_field, "/dev/fast/fast"),
    (rules.mount_options, "defaults,noatime,x-systemd.before=kubelet.service"),
    (rules.absolute_path, "/var/lib/model-cache_2"),
    (rules.mount_path, "/var/lib/modelcache"),
    (rules.fact_file, "/etc/ansible/facts.d/acstor_edge.fact"),
    (rules.sysctl_file, "/etc/sysctl.d/99-zz-acstor-edge.conf"),
    (rules.stripe_name, "model_cache-1"),
    (rules.lvm_name, "containerstorage"),
    (rules.unit_name, "rke2-agent.service"),
    (rules.unit_name, "getty@tty1.service"),
    (rules.sysctl_name, "fs.inotify.max_user_instances"),
    (rules.sysctl_value, 8192),
    (rules.sysctl_value, "8192"),
    (rules.kernel_module, "dm-raid"),
    (rules.package_name, "linux-modules-extra-6.8.0-1015-azure"),
    (rules.size, "512KiB"),
    (rules.size, 65536),
    (rules.stripe_size, "64k"),
    (rules.timespan, "1min"),
    (rules.timespan, "1h 30min"),
    (rules.positive_integer, 3),
    (rules.non_negative_number, 5),
    (rules.boolean, "yes"),
    (rules.boolean, False),
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
