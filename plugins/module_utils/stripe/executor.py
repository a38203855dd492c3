# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a stripe Plan: actions in order, stopping at the first failure.

Commands go through run(argv) -> (rc, stdout, stderr) (AnsibleModule.run_command in the
module), always as argv lists. File actions (fstab, mdadm.conf, the stripe record) are written
atomically.
"""

import json
import os

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles, read_text, write_file_atomic
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import (
    mdadm_uuid_format,
    parse_mdadm_detail_export,
    parse_superblock,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.mount_units import (
    fstab_entry_path,
    generated_mount_unit,
    reload_before_mount,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import mkfs_argv


class StripeApplyError(Exception):
    def __init__(self, message, done):
        super(StripeApplyError, self).__init__(message)
        self.done = done


def replace_fstab_line(text, mount_path, line):
    """fstab text with every entry for mount_path replaced by line (or removed when line is empty)."""
    kept = []
    placed = False
    for current in text.splitlines():
        if fstab_entry_path(current) == os.path.normpath(mount_path):
            if line and not placed:
                kept.append(line)
                placed = True
            continue
        kept.append(current)
    if line and not placed:
        kept.append(line)
    return "\n".join(kept) + "\n"


def replace_md_conf_line(text, name, uuid, line):
    """mdadm.conf text with this array's ARRAY line (by UUID or /dev/md/<name>) set to line, or removed."""
    wanted_uuid = mdadm_uuid_format(uuid)
    kept = []
    for current in text.splitlines():
        fields = current.split()
        if fields[:1] == ["ARRAY"] and (
            (wanted_uuid and "UUID=" + wanted_uuid in current) or fields[1:2] == ["/dev/md/%s" % name]
        ):
            continue
        kept.append(current)
    if line:
        kept.append(line)
    return "\n".join(kept) + "\n"


class SystemdReload:
    """The `systemctl daemon-reload` a call owes systemd after changing /etc/fstab (systemd makes mount units from
    fstab only on a reload): at most one per call, made early only when a mount needs it (stripe/mount_units).

    The caller pays what is owed once at the end of the call (pay); a `systemctl enable`, `disable` or
    `daemon-reload` the call makes anyway pays it (paid_by). Nothing is owed when systemd does not run (a chroot or
    an image build has no manager to reload).
    """

    def __init__(self, run, systemd_running):
        self.run = run
        self.systemd_running = systemd_running
        self.owed = False

    def owe(self):
        self.owed = self.systemd_running

    def paid_by(self, systemctl_verb):
        # systemctl enable and disable reload the manager when they change links (systemctl(1), --no-reload)
        if systemctl_verb in ("daemon-reload", "enable", "disable"):
            self.owed = False

    def now(self):
        """Reload now (when systemd runs); "" or what failed."""
        self.owed = False
        if not self.systemd_running:
            return ""
        rc, out, err = self.run(["systemctl", "daemon-reload"])
        if rc != 0:
            return "reload systemd units after an fstab change failed (rc %d): %s" % (rc, (err or out).strip())
        return ""

    def pay(self):
        """The reload owed, if any; "" or what failed."""
        return self.now() if self.owed else ""


class StripeExecutor:
    def __init__(self, run, bin_path, systemd_running=None, update_initramfs=True, reload=None):
        self.run = run
        self.update_initramfs = update_initramfs
        self.bin_path = bin_path
        if systemd_running is None:
            systemd_running = os.path.isdir("/run/systemd/system") and bool(bin_path("systemctl"))
        # the reload this call owes after an fstab change: the caller's (shared by the stripes of one call) or own
        self.reload = reload or SystemdReload(run, systemd_running)
        self.done = []
        self.md_uuid = ""
        self.later = []

    def _command(self, argv, description, ok_rcs=(0,)):
        rc, out, err = self.run(argv)
        if rc not in ok_rcs:
            raise StripeApplyError(
                "%s failed (rc %d, command: %s): %s" % (description, rc, " ".join(argv), (err or out).strip()),
                self.done,
            )
        return out

    def _md_uuid(self, device):
        if not self.md_uuid:
            out = self._command(["mdadm", "--detail", "--export", device], "read md array %s" % device)
            self.md_uuid = mdadm_uuid_format(parse_mdadm_detail_export(out).get("MD_UUID", ""))
        return self.md_uuid

    def apply(self, plan):
        for index, action in enumerate(plan.actions):
            self.later = plan.actions[index + 1 :]
            handler = getattr(self, "_do_" + action.kind)
            handler(action, plan)
            self.done.append(action.description)
        return self.done

    def _do_command(self, action, plan):
        self._command(action.argv, action.description, action.ok_rcs)

    def _do_ensure_fs(self, action, plan):
        if self.bin_path("udevadm"):
            self.run(["udevadm", "settle"])
        out = self._command(["wipefs", "--no-act", "--json", action.path], "read signatures of %s" % action.path)
        found = [row.get("type") for row in (json.loads(out).get("signatures", []) if out.strip() else [])]
        superblock = parse_superblock(NodeFiles().head(action.path)) if found else None
        if not found:
            self._command(action.argv, action.description)
        elif superblock is not None and superblock.in_progress:
            # left half-made by an interrupted mkfs: never mountable, so it holds no data
            self._command(mkfs_argv(plan.spec, len(plan.members), overwrite=True), action.description)
        elif found[0] != action.content:
            raise StripeApplyError(
                "%s holds %s, not %s: force: true reformats it (its data is lost)"
                % (action.path, ", ".join(found), action.content),
                self.done,
            )

    def _do_mkdir(self, action, plan):
        if not os.path.isdir(action.path):
            os.makedirs(action.path, 0o755)

    def _do_remove_file(self, action, plan):
        if os.path.exists(action.path):
            os.unlink(action.path)

    def _do_fstab(self, action, plan):
        # action.path is the mount path whose fstab entry is set (content) or removed (empty)
        text = read_text("/etc/fstab") or ""
        write_file_atomic("/etc/fstab", replace_fstab_line(text, action.path, action.content))
        self.reload.owe()
        if self.reload.owed and reload_before_mount(action.path, text, self.later, generated_unit_exists(action.path)):
            failed = self.reload.now()
            if failed:
                raise StripeApplyError(failed, self.done)

    def _do_md_conf(self, action, plan):
        conf = next((p for p in contract.MDADM_CONF_PATHS if os.path.exists(p)), None)
        if conf is None:
            first, second = contract.MDADM_CONF_PATHS
            conf = first if os.path.isdir(os.path.dirname(first)) else second
        text = read_text(conf) or ""
        name = plan.spec.name
        if action.content == "absent":
            uuid = plan.existing.uuid if plan.existing else ""
            new = replace_md_conf_line(text, name, uuid, "")
        else:
            uuid = self._md_uuid(action.path)
            new = replace_md_conf_line(
                text, name, uuid, "ARRAY /dev/md/%s metadata=1.2 UUID=%s name=any:%s" % (name, uuid, name)
            )
        if new != text:
            write_file_atomic(conf, new)
            # Debian's initramfs carries a copy of mdadm.conf and assembles arrays from it at boot;
            # dracut (RHEL) leaves non-root arrays to udev in the real root, so it needs nothing.
            if self.update_initramfs and self.bin_path("update-initramfs"):
                self._command(["update-initramfs", "-u"], "update the initramfs with mdadm.conf")

    def _do_record(self, action, plan):
        if action.content == "pending":
            record = dict(plan.record, pending=True, md_uuid="")
            write_file_atomic(action.path, json.dumps(record, indent=2, sort_keys=True) + "\n", 0o644)
            return
        record = dict(plan.record)
        if plan.spec.backend == "mdadm" and not record.get("md_uuid"):
            record["md_uuid"] = self._md_uuid(plan.spec.device_path)
        write_file_atomic(action.path, json.dumps(record, indent=2, sort_keys=True) + "\n", 0o644)
        plan.record = record


def generated_unit_exists(mount_path):
    """Whether systemd holds a mount unit made from an fstab line for mount_path (at boot or the last reload)."""
    return os.path.exists(generated_mount_unit(mount_path))


def filesystem_facts(device):
    """Type, UUID and alignment read back from the superblock after apply (no process)."""
    superblock = parse_superblock(NodeFiles().head(device)) if device else None
    if not superblock:
        return None
    return {
        "type": superblock.type,
        "uuid": superblock.uuid,
        "alignment": {"stripe_unit": superblock.stripe_unit, "stripe_width": superblock.stripe_width},
    }


def device_size(device):
    try:
        handle = os.open(device, os.O_RDONLY)
    except OSError:
        return 0
    try:
        return os.lseek(handle, 0, os.SEEK_END)
    finally:
        os.close(handle)
