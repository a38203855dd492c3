"""The ARM side of a proxied site: the modules honour HTTPS_PROXY/NO_PROXY (azure-core and azure-identity use
requests, which reads them) and reach ARM through a real HTTP CONNECT proxy (Debian tinyproxy on 127.0.0.1)."""

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "servers"))

from oci_registry import HttpConnectProxy, free_port  # noqa: E402  pylint: disable=wrong-import-position

RG, CLUSTER = "rg-edge", "store-0042"
INFO_TASK = """
- name: info
  acstor.edge.arc_extension_info:
    resource_group: {rg}
    cluster_name: {cluster}
    extension_type: Microsoft.Arc.ContainerStorage
""".format(rg=RG, cluster=CLUSTER)


@pytest.fixture
def proxy(tmp_path):
    if HttpConnectProxy.missing_tools():
        pytest.skip("tinyproxy missing; tests/lab/host-packages.sh installs it")
    server = HttpConnectProxy(tmp_path / "proxy").start()
    yield server
    server.stop()


def test_arm_requests_go_through_the_site_proxy(arm_server, playbook, proxy):
    rc, results, output = playbook.run(INFO_TASK, extra_env={"HTTPS_PROXY": proxy.url, "NO_PROXY": ""})
    assert rc == 0, output
    assert results["info"]["extensions"] == []
    arm_host = arm_server.url.split("://", 1)[1]
    tunnels = proxy.connects()
    assert tunnels and set(tunnels) == {arm_host}, tunnels  # token, metadata and ARM calls, all through the proxy
    assert len(arm_server.state.requests) > 0


def test_no_proxy_bypasses_the_proxy(arm_server, playbook, proxy):
    rc, _results, output = playbook.run(INFO_TASK, extra_env={"HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    assert rc == 0, output
    assert proxy.connects() == []


def test_a_wrong_proxy_gives_a_clear_error(arm_server, playbook):
    dead = free_port()  # nothing listens there
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", dead)) != 0
    rc, results, output = playbook.run(
        INFO_TASK, extra_env={"HTTPS_PROXY": "http://127.0.0.1:{0}".format(dead), "NO_PROXY": ""}
    )
    assert rc != 0
    message = results["info"]["msg"]
    assert message.startswith(
        "cannot reach {0}/metadata/endpoints through proxy http://127.0.0.1:{1} (HTTPS_PROXY; hosts in "
        "NO_PROXY bypass it): ('Unable to connect to proxy'".format(arm_server.url, dead)
    ), message
    assert "Traceback" not in output and arm_server.state.requests == []
