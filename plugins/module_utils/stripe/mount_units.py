# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a stripe's change of /etc/fstab needs systemd reloaded before its mount, and the names systemd gives
the mount units it makes from fstab.

Pure: no command, no file read; the executor asks whether a generated unit exists and runs the reloads.

systemd-fstab-generator (systemd.mount(5)) makes /run/systemd/generator/<escaped path>.mount from each fstab
line, at boot and on each `systemctl daemon-reload`, never when fstab changes. A unit it made from an OLD line
for the path stays loaded until the next reload: its What= names the old device and the mount is bound to that
device, so systemd can unmount the new mount as soon as it appears. Only then must the reload come between the
fstab write and the mount. A path new to fstab since the last reload has no such unit: systemd learns the mount
from /proc/self/mountinfo, and one reload by the end of the call (the one `systemctl enable` makes, when the boot
side enables a unit in the same call) gives it the fstab line's options.
"""

import os

GENERATOR_DIR = "/run/systemd/generator"
# systemd's VALID_CHARS for unit names, less "-" and "\" which escape_path escapes (src/basic/unit-name.c)
_UNESCAPED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")


def escape_path(path):
    """`systemd-escape --path PATH`: what systemd names the units of a path (mnt-stripe\\x2da for /mnt/stripe-a)."""
    parts = [part for part in path.split("/") if part and part != "."]
    if not parts:
        return "-"
    out = []
    for index, byte in enumerate("/".join(parts).encode("utf-8")):
        char = chr(byte)
        if char == "/":
            out.append("-")
        elif char in _UNESCAPED and not (index == 0 and char == "."):
            # a leading "." is escaped: no unit name starts with a dot (a mount at /.dotdir)
            out.append(char)
        else:
            out.append("\\x%02x" % byte)
    return "".join(out)


def generated_mount_unit(path):
    """Where systemd-fstab-generator writes the mount unit of an fstab line for path."""
    return os.path.join(GENERATOR_DIR, escape_path(path) + ".mount")


def fstab_entry_path(line):
    """The mount path of an /etc/fstab line (normalized), None for a comment or a line with no path."""
    fields = line.split()
    if len(fields) < 2 or line.lstrip().startswith("#"):
        return None
    return os.path.normpath(fields[1])


def mounts(actions, path):
    """Whether one of actions mounts path (the planner's `mount <path>`, which reads the path's fstab line)."""
    wanted = os.path.normpath(path)
    return any(
        action.kind == "command" and action.argv[:1] == ["mount"] and os.path.normpath(action.argv[-1]) == wanted
        for action in actions
    )


def reload_before_mount(path, fstab_before, later_actions, generated_unit_exists):
    """Whether systemd must reload right after the fstab entry of path is written (True), or the reload can wait
    for the end of the call (False).

    Before a mount of path that follows (later_actions) when systemd may hold a unit made from an old line for
    path: its generated unit exists, or fstab had a line for path that this write replaces. Otherwise (a line
    added for a path new to systemd, a line removed after its unmount, options changed on a mounted stripe) no
    mount depends on the reload now.
    """
    if not mounts(later_actions, path):
        return False
    path = os.path.normpath(path)
    replaced = any(fstab_entry_path(line) == path for line in (fstab_before or "").splitlines())
    return bool(generated_unit_exists or replaced)
