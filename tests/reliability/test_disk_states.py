"""Safe mode on a node full of foreign data: every refusal names the device and the reason; nothing changes."""

import pytest

from disk_states import run_matrix, start_node


@pytest.fixture(scope="module")
def node():
    lab_node = start_node("rel-disks")
    try:
        yield lab_node
    finally:
        lab_node.down()


def test_disk_states_matrix(node, workdir, results):
    rows, problems = run_matrix(node, workdir / "matrix")
    for row in rows:
        results("disk/" + row["state"], kind="disk state", **row)
    assert not problems, "\n".join(problems)
