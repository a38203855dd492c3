"""Fixtures for the Arc/ARM functional tests: an HTTPS ARM test server and an ansible-playbook runner."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SERVERS_DIR = Path(__file__).resolve().parents[2] / "servers"
if str(SERVERS_DIR) not in sys.path:
    sys.path.insert(0, str(SERVERS_DIR))

from arm_server import ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position

from conftest import ansible_environment  # noqa: E402  pylint: disable=wrong-import-position

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
OTHER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000002"


@pytest.fixture
def arm_server(shared_reference, tmp_path):
    """A fresh ARM test server per test (state, faults and request log are per test)."""
    server = ArmTestServer(shared_reference, tmp_path / "arm").start()
    server.state.add_role_definition("Storage Blob Data Owner")
    yield server
    server.stop()


class PlaybookRunner:
    def __init__(self, server, tmp_path):
        self.server = server
        self.tmp_path = tmp_path
        self.count = 0

    def env(self, **extra):
        values = self.server.client_env(SUBSCRIPTION)
        values["ANSIBLE_CALLBACKS_ENABLED"] = ""
        values.update(extra)
        return ansible_environment(**values)

    def run(self, tasks, *args, extra_env=None, check=False, diff=False, verbosity=0, hosts="localhost", inventory=None):
        """Run a play of `tasks` (YAML text) on localhost; return (returncode, stdout+stderr, results per task)."""
        self.count += 1
        playbook = self.tmp_path / "play{0}.yml".format(self.count)
        playbook.write_text("- hosts: {0}\n  gather_facts: false\n  tasks:\n{1}".format(
            hosts, textwrap.indent(textwrap.dedent(tasks), "    ")))
        command = ["ansible-playbook", str(playbook), "-i", inventory or "localhost,", "-c", "local"]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if verbosity:
            command.append("-" + "v" * verbosity)
        command.extend(args)
        env = self.env(**(extra_env or {}))
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
        env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
        process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
        return process.returncode, process.stdout + process.stderr

    def run_json(self, tasks, *args, extra_env=None, check=False, diff=False):
        """Like run, with the json callback: returns (rc, {task name: result}, raw output)."""
        self.count += 1
        playbook = self.tmp_path / "play{0}.yml".format(self.count)
        playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n{0}".format(
            textwrap.indent(textwrap.dedent(tasks), "    ")))
        command = ["ansible-playbook", str(playbook), "-i", "localhost,", "-c", "local"]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        command.extend(args)
        env = self.env(**(extra_env or {}))
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
        process = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)
        results = {}
        try:
            data = json.loads(process.stdout)
        except ValueError:
            return process.returncode, results, process.stdout + process.stderr
        for play in data["plays"]:
            for task in play["tasks"]:
                results[task["task"]["name"]] = task["hosts"].get("localhost", {})
        return process.returncode, results, process.stdout + process.stderr


@pytest.fixture
def playbook(arm_server, tmp_path):
    return PlaybookRunner(arm_server, tmp_path)
