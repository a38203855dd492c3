"""A node's files in a pytest tmp_path, for the modules that read and write node_prep's kernel configuration
(acstor.edge.node_kernel_config, acstor.edge.node_prep): the files they read come from the tree, the files they write
land in it, and run_command is the test's (module_harness.CommandSequence)."""

from ansible_collections.acstor.edge.plugins.module_utils.common import node_io
from ansible_collections.acstor.edge.plugins.module_utils.node import kernel_config_executor
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import SYSCTL_HEADER

RELEASE = "6.1.0-50-cloud-amd64"
DROP_IN = "/etc/sysctl.d/99-zz-acstor-edge.conf"
OURS = "/etc/modules-load.d/acstor-edge.conf"
SYSCTLS = {"fs.inotify.max_user_instances": 8192, "fs.inotify.max_user_watches": 524288, "fs.file-max": 100000}
MODULES = ["dm_mod", "dm_raid", "raid0", "md_mod"]
DEP = "".join(
    "kernel/drivers/md/%s.ko.xz:\n" % name.replace("_", "-") for name in ["dm-mod", "dm-raid", "raid0", "md-mod"]
)
# A fresh node: inotify at the kernel's defaults, only dm_mod loaded, one legacy per-module file.
FRESH_NODE = {
    "/proc/sys/fs/inotify/max_user_instances": "128\n",
    "/proc/sys/fs/inotify/max_user_watches": "8192\n",
    "/proc/sys/fs/file-max": "9223372036854775807\n",
    "/proc/modules": "dm_mod 184320 3 - Live 0x0000000000000000\n",
    "/lib/modules/%s/modules.dep" % RELEASE: DEP,
    "/lib/modules/%s/modules.builtin" % RELEASE: "",
    "/etc/modules-load.d/md_mod.conf": "md_mod\n",
}
# The two commands that bring the fresh node to SYSCTLS and MODULES, as (argv, rc, stdout, stderr).
RAISE = [
    ["/usr/bin/sysctl", "-w", "fs.inotify.max_user_instances=8192", "fs.inotify.max_user_watches=524288"],
    0,
    "",
    "",
]
LOAD = [["/usr/bin/modprobe", "-a", "dm_raid", "raid0", "md_mod"], 0, "", ""]
WRITTEN_DROP_IN = SYSCTL_HEADER + "fs.inotify.max_user_instances=8192\nfs.inotify.max_user_watches=524288\n"


def write(root, path, text):
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def read(root, path):
    target = root / path.lstrip("/")
    return target.read_text() if target.exists() else None


def converged(root):
    """What sysctl -w and modprobe -a did on a real node after RAISE and LOAD."""
    write(root, "/proc/sys/fs/inotify/max_user_instances", "8192\n")
    write(root, "/proc/sys/fs/inotify/max_user_watches", "524288\n")
    write(root, "/proc/modules", "".join("%s 1 0 - Live 0x0\n" % name for name in MODULES))


def node_tree(tmp_path, monkeypatch, module, files):
    """Put ``files`` ({node path: text}) under tmp_path and point ``module`` (its NodeFiles, its os.uname) and the
    kernel configuration's writes at it."""
    for path, text in files.items():
        write(tmp_path, path, text)
    root = str(tmp_path)
    monkeypatch.setattr(module, "NodeFiles", lambda: node_io.NodeFiles(root))
    monkeypatch.setattr(
        kernel_config_executor, "write_file_atomic", lambda path, text: node_io.write_file_atomic(root + path, text)
    )
    monkeypatch.setattr(
        kernel_config_executor, "remove_files", lambda paths: node_io.remove_files([root + p for p in paths])
    )
    monkeypatch.setattr(module.os, "uname", lambda: ("Linux", "node", RELEASE, "#1", "x86_64"))
    return tmp_path
