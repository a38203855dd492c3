"""When node_prep reads dpkg's status file itself and when it leaves the answer to dpkg-query."""

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_read import DPKG_STATUS, read_dpkg_status

STATUS = "Package: lvm2\nStatus: install ok installed\nVersion: 2.03.16-2\n"


def node(tmp_path, files):
    for path, content in files.items():
        target = tmp_path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return NodeFiles(str(tmp_path))


def test_the_status_file_answers(tmp_path):
    assert read_dpkg_status(node(tmp_path, {DPKG_STATUS: STATUS.encode()}), {}) == STATUS


def test_dpkg_query_answers_otherwise(tmp_path):
    # no status file (dpkg-query then says what it says), a database moved elsewhere, a dpkg run not folded in yet
    assert read_dpkg_status(node(tmp_path, {}), {}) is None
    files = node(tmp_path, {DPKG_STATUS: STATUS.encode()})
    assert read_dpkg_status(files, {"DPKG_ADMINDIR": "/srv/dpkg"}) is None
    node(tmp_path, {"/var/lib/dpkg/updates/0003": b"Package: lvm2\nStatus: deinstall ok config-files\n"})
    assert read_dpkg_status(files, {}) is None


def test_a_status_file_that_does_not_decode_is_left_to_dpkg_query(tmp_path):
    # an old package's Description in Latin-1: the node's Python must not stop on it
    files = node(tmp_path, {DPKG_STATUS: STATUS.encode() + b"Description: caf\xe9\n"})
    assert read_dpkg_status(files, {}) is None
