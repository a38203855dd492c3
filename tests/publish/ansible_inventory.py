"""Write an intersphinx inventory for the Ansible docs labels the generated pages refer to.

Sphinx resolves labels such as ``common_return_values`` or ``ansible_collections.ansible.posix.sysctl_module``
through the objects.inv of docs.ansible.com, which CI cannot download. The pages behind those labels follow a
fixed layout on that site (collections/<namespace>/<name>/<plugin>_<type>.html), so this writes the
inventory from the labels our pages use; every link still points at the real page.

    python ansible_inventory.py RST_DIR OUTPUT.inv
"""

import re
import sys
import zlib
from pathlib import Path

BASE_LABELS = {
    # label: (page under https://docs.ansible.com/projects/ansible/latest/, title)
    "common_return_values": ("reference_appendices/common_return_values.html", "Return Values"),
    "ansible_configuration_settings": ("reference_appendices/config.html", "Ansible Configuration Settings"),
    "callback_plugins": ("plugins/callback.html", "Callback plugins"),
}
_COLLECTION_LABEL = re.compile(r"<(ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_([a-z_]+))>")


def labels(rst_dir, own_collection):
    found = dict(BASE_LABELS)
    for page in Path(rst_dir).rglob("*.rst"):
        for label, namespace, name, plugin, kind in _COLLECTION_LABEL.findall(page.read_text()):
            if f"{namespace}.{name}" != own_collection:
                found[label] = (f"collections/{namespace}/{name}/{plugin}_{kind}.html", f"{namespace}.{name}.{plugin}")
    return found


def write_inventory(entries, output):
    header = (
        "# Sphinx inventory version 2\n# Project: Ansible\n# Version: latest\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{label} std:label -1 {uri} {title}\n" for label, (uri, title) in sorted(entries.items()))
    Path(output).write_bytes(header.encode() + zlib.compress(body.encode()))


if __name__ == "__main__":
    write_inventory(labels(sys.argv[1], "acstor.edge"), sys.argv[2])
