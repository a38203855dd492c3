# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic writes of node files, and removal of the temporary files a killed writer left behind.

Temporary files are named ``.acstor-edge-<pid>-<random>`` beside their target, so a later run can
tell a leftover of a dead process (SIGKILL, power cut) from a write in progress.
"""

import errno
import os
import tempfile

TEMP_PREFIX = ".acstor-edge-"


def read_text(path):
    """The file's text, or None when it does not exist or cannot be read."""
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def file_mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def write_file_atomic(path, content, mode=0o644):
    """Write content to path through a temporary file and a rename; keeps an existing file's mode."""
    directory = os.path.dirname(path) or "/"
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    if os.path.exists(path):
        mode = os.stat(path).st_mode & 0o7777
    handle, temp = tempfile.mkstemp(dir=directory, prefix="%s%d-" % (TEMP_PREFIX, os.getpid()))
    try:
        with os.fdopen(handle, "w") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.rename(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _writer_alive(name):
    """Is the process that owns this temporary file still running? (False for the old pid-less names.)"""
    pid_text = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except OSError as error:
        return error.errno == errno.EPERM
    return True


def stale_temp_files(directories):
    """Temporary files of ours in directories whose writer is gone."""
    found = []
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in sorted(names):
            if name.startswith(TEMP_PREFIX) and not _writer_alive(name):
                found.append(os.path.join(directory, name))
    return found


def remove_files(paths):
    for path in paths:
        try:
            os.unlink(path)
        except OSError as error:
            if error.errno != errno.ENOENT:
                raise
