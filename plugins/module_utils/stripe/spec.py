# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a stripe should be (StripeSpec, from the user's options, with every option rule), and the plan types.

Pure: the rules about one stripe's options, checked before the node is read; the value rules are
node/inputs' (the same functions validate.yml runs).
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import parse_size

# 64 KiB: what LVM uses for raid0 when no --stripesize is given, i.e. what the local CSI
# driver (ACStor v2) builds; keeping it for both backends makes a stripe behave the same
# whichever backend or the driver built it. Small random I/O on NVMe is insensitive to it.
DEFAULT_STRIPE_SIZE = 64 * 1024
MIN_STRIPE_SIZE = 4096
DEFAULT_SIZE_TOLERANCE = 5.0
STRIPE_TAG_PREFIX = "acstor-edge-stripe-"
RECORD_VERSION = 1
DEFAULT_MOUNT_BEFORE = (
    "kubelet.service",
    "k3s.service",
    "k3s-agent.service",
    "rke2-server.service",
    "rke2-agent.service",
)
FILESYSTEMS = ("xfs", "ext4", "none")
BACKENDS = ("lvm", "mdadm")
MODES = ("volume", "csi_vg")
STATES = ("present", "absent")
SELECTOR_KEYS = ("class", "models", "min_size", "count")
SELECTOR_CLASSES = ("local", "other", "any")
OPTION_NAMES = (
    "name",
    "state",
    "backend",
    "mode",
    "devices",
    "selector",
    "stripe_size",
    "filesystem",
    "mount_path",
    "mount_options",
    "mount_before",
    "force",
    "ephemeral",
    "volume_group",
    "size_tolerance",
    "extra_models",
    "update_initramfs",
)


@dataclass
class StripeSpec:
    name: str
    state: str = "present"
    backend: str = "lvm"
    mode: str = "volume"
    devices: List[str] = field(default_factory=list)
    selector: Optional[Dict[str, object]] = None
    stripe_size: object = DEFAULT_STRIPE_SIZE
    filesystem: Optional[str] = None  # None: xfs for mode volume, none for mode csi_vg
    mount_path: str = ""
    mount_options: str = "defaults,noatime"
    mount_before: List[str] = field(default_factory=lambda: list(DEFAULT_MOUNT_BEFORE))
    force: bool = False
    ephemeral: bool = False
    volume_group: str = ""
    size_tolerance: float = DEFAULT_SIZE_TOLERANCE
    extra_models: List[str] = field(default_factory=list)

    def __post_init__(self):
        if self.filesystem is None:
            self.filesystem = "none" if self.mode == "csi_vg" else "xfs"

    @property
    def vg_name(self):
        if self.volume_group:
            return self.volume_group
        return contract.VOLUME_GROUP if self.mode == "csi_vg" else self.name

    @property
    def lv_name(self):
        return self.name

    @property
    def tag(self):
        return STRIPE_TAG_PREFIX + self.name

    @property
    def stripe_bytes(self):
        return parse_size(self.stripe_size)

    @property
    def device_path(self):
        if self.backend == "mdadm":
            return "/dev/md/%s" % self.name
        if self.mode == "csi_vg":
            return ""
        return "/dev/%s/%s" % (self.vg_name, self.lv_name)


@dataclass
class Action:
    kind: str  # command | write_file | remove_file | mkdir | md_conf | record | fstab
    description: str
    argv: List[str] = field(default_factory=list)
    path: str = ""
    content: str = ""
    destroys: List[str] = field(default_factory=list)
    ok_rcs: List[int] = field(default_factory=lambda: [0])

    def as_dict(self):
        out = {"kind": self.kind, "description": self.description}
        if self.argv:
            out["command"] = list(self.argv)
        if self.path:
            out["path"] = self.path
        if self.destroys:
            out["destroys"] = list(self.destroys)
        return out


@dataclass
class ExistingStripe:
    backend: str
    device: str
    members: List[str]  # namespace names (current kernel names)
    level: str = ""
    stripes: int = 0
    stripe_size: int = 0
    active: bool = True
    uuid: str = ""
    size: int = 0
    vg: str = ""
    lv: str = ""
    vg_tags: List[str] = field(default_factory=list)
    other_lvs: List[str] = field(default_factory=list)


@dataclass
class Plan:
    spec: StripeSpec
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    actions: List[Action] = field(default_factory=list)
    members: List[object] = field(default_factory=list)
    existing: Optional[ExistingStripe] = None
    before: Dict[str, object] = field(default_factory=dict)
    after: Dict[str, object] = field(default_factory=dict)
    record: Dict[str, object] = field(default_factory=dict)
    filesystem: Dict[str, object] = field(default_factory=dict)
    creates_stripe: bool = False

    @property
    def changed(self):
        return bool(self.actions)

    @property
    def destroys(self):
        return [item for action in self.actions for item in action.destroys]


def validate_spec(spec, prefix=""):
    """Errors for a spec on its own, before looking at the node. Each names the option and its rule.

    The value rules are node_inputs' (the same functions validate.yml runs); the rules about how the
    options combine live here.
    """
    errors = []
    option = prefix.__add__
    rules.check(errors, option("name"), spec.name, rules.stripe_name)
    rules.check_choice(errors, option("state"), spec.state, STATES)
    rules.check_choice(errors, option("backend"), spec.backend, BACKENDS)
    rules.check_choice(errors, option("mode"), spec.mode, MODES)
    if spec.state == "absent":
        return errors + _absent_spec_errors(spec, option)
    rules.check(errors, option("stripe_size"), spec.stripe_size, rules.stripe_size)
    rules.check_choice(errors, option("filesystem"), spec.filesystem, FILESYSTEMS)
    errors.extend(_mount_errors(spec, option))
    if spec.mode == "csi_vg":
        errors.extend(_csi_vg_errors(spec, option))
    errors.extend(_member_errors(spec, option))
    rules.check(errors, option("size_tolerance"), spec.size_tolerance, rules.non_negative_number)
    if spec.volume_group:
        rules.check(errors, option("volume_group"), spec.volume_group, rules.lvm_name)
    rules.check_list(errors, option("extra_models"), spec.extra_models, rules.single_line)
    return errors


def _absent_spec_errors(spec, option):
    """Teardown flips a stripe's own list item to absent: its other options are checked, not used."""
    errors = []
    if spec.mount_path:
        rules.check(errors, option("mount_path"), spec.mount_path, rules.mount_path)
    if spec.volume_group:
        rules.check(errors, option("volume_group"), spec.volume_group, rules.lvm_name)
    return errors


def _mount_errors(spec, option):
    """A mount path is an absolute path, and a volume mounted needs a filesystem."""
    errors = []
    if spec.mount_path and rules.check(errors, option("mount_path"), spec.mount_path, rules.mount_path):
        if spec.filesystem == "none" and spec.mode == "volume":
            errors.append(
                rules.message(
                    option("mount_path"), "%r needs a filesystem (filesystem is none)" % spec.mount_path, "mode"
                )
            )
    rules.check(errors, option("mount_options"), spec.mount_options, rules.mount_options)
    rules.check_list(errors, option("mount_before"), spec.mount_before, rules.unit_name)
    return errors


def _csi_vg_errors(spec, option):
    """Mode csi_vg hands the CSI driver an LVM volume group: no backend but LVM, no volume, no filesystem."""
    errors = []
    if spec.backend != "lvm":
        errors.append(
            rules.message(
                option("backend"),
                "mode csi_vg needs backend lvm: the CSI driver stripes each volume across the VG's PVs",
                "mode",
            )
        )
    if spec.mount_path:
        errors.append(
            rules.message(
                option("mount_path"),
                "mode csi_vg creates no volume to mount: remove mount path %r" % spec.mount_path,
                "mode",
            )
        )
    if spec.filesystem != "none":
        errors.append(
            rules.message(
                option("filesystem"),
                "mode csi_vg creates no filesystem (the CSI driver "
                "formats each volume): set filesystem none, got %r" % spec.filesystem,
                "mode",
            )
        )
    return errors


def _member_errors(spec, option):
    """The members come from exactly one of devices or selector."""
    errors = []
    if bool(spec.devices) == bool(spec.selector):
        errors.append(rules.message(option("devices"), "give exactly one of devices or selector", "one-of"))
    rules.check_list(errors, option("devices"), spec.devices, rules.single_line)
    if spec.selector:
        _check_selector(errors, option("selector"), spec.selector)
    return errors


def _check_selector(errors, option, selector):
    if not isinstance(selector, dict):
        errors.append(rules.message(option, "must be a dict, got %r" % (selector,), "dict"))
        return
    unknown = sorted(str(key) for key in selector if key not in SELECTOR_KEYS)
    if unknown:
        errors.append(
            rules.message(
                option, "has unknown key(s) %s; known: %s" % (", ".join(unknown), ", ".join(SELECTOR_KEYS)), "choice"
            )
        )
    if selector.get("class") is not None:
        rules.check_choice(errors, option + ".class", selector["class"], SELECTOR_CLASSES)
    rules.check_list(errors, option + ".models", selector.get("models"), rules.single_line)
    if selector.get("min_size") is not None:
        rules.check(errors, option + ".min_size", selector["min_size"], rules.size)
    if selector.get("count") is not None:
        rules.check(errors, option + ".count", selector["count"], rules.positive_integer)


def stripe_option_errors(options, prefix=""):
    """Every error of one stripe's options as the user gave them (None or absent: not set).

    Beyond validate_spec: an option the chosen mode, backend or member choice does not use is refused
    when it was set, never silently ignored. Used by the module, the role and validate.yml alike.
    """
    if not isinstance(options, dict):
        return [rules.message(prefix.rstrip(".") or "options", "must be a dict, got %r" % (options,), "dict")]
    errors = _option_type_errors(options, prefix)
    if errors:
        return errors
    errors = _unused_option_errors(options, prefix)
    return errors + validate_spec(spec_from_options(options), prefix)


def _given(options, key):
    """An option counts as set unless it is None, an empty list or an empty string."""
    value = options.get(key)
    return value is not None and value != [] and value != ""


def _option_type_errors(options, prefix):
    """Unknown option names, and options of the wrong type (lists of strings, booleans, strings)."""
    errors = []
    unknown = sorted(str(key) for key in options if key not in OPTION_NAMES)
    if unknown:
        errors.append(
            rules.message(prefix.rstrip(".") or "options", "has unknown option(s) %s" % ", ".join(unknown), "choice")
        )
    for key in ("devices", "mount_before", "extra_models"):
        if _given(options, key):
            rules.check_list(errors, prefix + key, options[key], rules.string)
    for key in ("force", "ephemeral", "update_initramfs"):
        if options.get(key) is not None:
            rules.check(errors, prefix + key, options[key], rules.boolean)
    for key in ("name", "state", "backend", "mode", "filesystem", "mount_path", "mount_options", "volume_group"):
        if options.get(key) is not None:
            rules.check(errors, prefix + key, options[key], rules.string)
    return errors


def _unused_option_errors(options, prefix):
    """An option set that the chosen state, mode, backend or member choice does not use."""
    errors = []
    backend = options.get("backend") or "lvm"
    if (options.get("state") or "present") != "absent":
        errors.extend(_unused_mount_option_errors(options, prefix))
        if _given(options, "extra_models") and not _given(options, "selector"):
            rules.unused(
                errors,
                prefix + "extra_models",
                "extra_models only widens what selector class local matches, and this stripe names its devices",
            )
        if backend == "mdadm" and _given(options, "volume_group"):
            rules.unused(errors, prefix + "volume_group", "backend mdadm makes no LVM volume group")
    if backend != "mdadm" and options.get("update_initramfs") is not None:
        rules.unused(
            errors,
            prefix + "update_initramfs",
            "only backend mdadm writes mdadm.conf, whose copy the initramfs carries",
        )
    return errors


def _unused_mount_option_errors(options, prefix):
    """Volume and mount options set where mode csi_vg builds no volume, or where nothing is mounted."""
    errors = []
    mode = options.get("mode") or "volume"
    filesystem = options.get("filesystem") or ("none" if mode == "csi_vg" else "xfs")
    if mode == "csi_vg":
        reason = "mode csi_vg builds no volume (the CSI driver stripes and mounts each volume itself)"
        keys = ("stripe_size", "mount_options", "mount_before")
    elif filesystem == "none" or not options.get("mount_path"):
        reason = "nothing is mounted (%s)" % ("filesystem is none" if filesystem == "none" else "no mount_path")
        keys = ("mount_options", "mount_before")
    else:
        return errors
    for key in keys:
        if _given(options, key):
            rules.unused(errors, prefix + key, reason)
    return errors


def spec_from_options(options):
    """A StripeSpec from options as the user gave them, unset ones taking the defaults of the mode."""
    selector = options.get("selector")
    if isinstance(selector, dict):
        selector = {k: v for k, v in selector.items() if v is not None}

    def value(key, default):
        return default if options.get(key) is None else options[key]

    return StripeSpec(
        name=value("name", ""),
        state=value("state", "present"),
        backend=value("backend", "lvm"),
        mode=value("mode", "volume"),
        devices=list(value("devices", [])),
        selector=selector or None,
        stripe_size=value("stripe_size", "64k"),
        filesystem=options.get("filesystem"),
        mount_path=value("mount_path", ""),
        mount_options=value("mount_options", "defaults,noatime"),
        mount_before=list(value("mount_before", DEFAULT_MOUNT_BEFORE)),
        force=bool(value("force", False)),
        ephemeral=bool(value("ephemeral", False)),
        volume_group=value("volume_group", ""),
        size_tolerance=value("size_tolerance", DEFAULT_SIZE_TOLERANCE),
        extra_models=list(value("extra_models", [])),
    )
