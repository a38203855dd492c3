"""A real OCI registry on 127.0.0.1 for the air-gapped tests: Debian's `docker-registry` (CNCF distribution 2.8).

TLS with a certificate signed by a throwaway CA made here (the CA file is what a site gives as its registry CA
bundle), and basic auth from an htpasswd file (bcrypt, the only hash distribution accepts; written with
`htpasswd -B` from apache2-utils). Started as a child process and stopped by its PID.

A second server, `HttpConnectProxy`, runs Debian's `tinyproxy` as an HTTP CONNECT proxy on 127.0.0.1 (the kind of
proxy a site's HTTPS_PROXY points at). Both packages come from tests/lab/host-packages.sh.

Run standalone for manual poking: `python tests/servers/oci_registry.py` prints the URL, CA file and credentials.
"""

import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tls_certs import make_ca_and_server_cert


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChildProcess:
    """A server started as a child process in its own process group, stopped by its PID."""

    def __init__(self, argv, log_path):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()

    def log_tail(self, chars=2000):
        return self.log_path.read_text(errors="replace")[-chars:]


class ChildServer:
    """A server run as a ChildProcess (`self.child`): waits until it serves, and stops it."""

    name = "server"
    child = None

    def serves(self):
        """True once the server answers (the subclass's probe)."""
        raise NotImplementedError

    def wait_until_serving(self, timeout, interval, waiting_for):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.child.alive():
                raise RuntimeError("{0} exited: {1}".format(self.name, self.child.log_tail()))
            if self.serves():
                return self
            time.sleep(interval)
        self.stop()
        raise RuntimeError("{0} did not {1} {2} within {3}s".format(self.name, waiting_for, self.url, timeout))

    def stop(self):
        if self.child:
            self.child.stop()


class OciRegistry(ChildServer):
    """docker-registry with TLS and htpasswd basic auth; `users` maps user name to password."""

    name = "docker-registry"

    def __init__(self, workdir=None, users=None):
        self.binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="oci-registry-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.users = dict(users or {"acstor-ci": "registry-s3cret-" + os.urandom(6).hex()})
        self.port = free_port()
        self.host = "127.0.0.1:{0}".format(self.port)
        self.url = "https://" + self.host
        self.ca_path, self.cert_path, self.key_path = make_ca_and_server_cert(self.workdir, "acstor-edge-test-registry")
        self.child = None

    @staticmethod
    def missing_tools():
        return [tool for tool in ("docker-registry", "htpasswd") if shutil.which(tool) is None]

    def write_config(self):
        htpasswd = self.workdir / "htpasswd"
        htpasswd.write_text("")
        for user, password in self.users.items():
            line = subprocess.run(
                ["htpasswd", "-nbB", user, password], capture_output=True, text=True, check=True
            ).stdout
            with htpasswd.open("a") as handle:
                handle.write(line.strip() + "\n")
        config = self.workdir / "config.yml"
        config.write_text(
            "\n".join(
                [
                    "version: 0.1",
                    "log:",
                    "  level: info",
                    "storage:",
                    "  filesystem:",
                    "    rootdirectory: {0}".format(self.workdir / "data"),
                    "  delete:",
                    "    enabled: true",
                    "http:",
                    "  addr: 127.0.0.1:{0}".format(self.port),
                    "  tls:",
                    "    certificate: {0}".format(self.cert_path),
                    "    key: {0}".format(self.key_path),
                    "auth:",
                    "  htpasswd:",
                    "    realm: acstor-edge-test-registry",
                    "    path: {0}".format(htpasswd),
                    "",
                ]
            )
        )
        return config

    def start(self, timeout=30):
        config = self.write_config()
        self.child = ChildProcess([self.binary, "serve", str(config)], self.workdir / "registry.log")
        return self.wait_until_serving(timeout, 0.2, "answer on")

    def serves(self):
        context = ssl.create_default_context(cafile=str(self.ca_path))
        try:
            urllib.request.urlopen(self.url + "/v2/", context=context, timeout=2)  # pylint: disable=consider-using-with
        except urllib.error.HTTPError as exc:
            return exc.code == 401  # up, and asking for credentials
        except OSError:
            pass
        return False

    def log_text(self):
        return self.child.log_path.read_text(errors="replace") if self.child else ""

    def push_charts(self, helm, charts, user, scratch):
        """`helm push` each chart directory to oci://HOST/acstor/charts as `user`, and return that repository.

        helm logs in with its registry, cache and config files in `scratch` (never the caller's helm config), so
        nothing the test later runs is already logged in.
        """
        scratch = Path(scratch)
        env = dict(
            os.environ,
            HELM_REGISTRY_CONFIG=str(scratch / "push-login.json"),
            HELM_CACHE_HOME=str(scratch / "helm-cache"),
            HELM_CONFIG_HOME=str(scratch / "helm-config"),
        )

        def run(*args, stdin=None):
            completed = subprocess.run(
                [str(helm)] + list(args), input=stdin, env=env, capture_output=True, text=True, check=False, timeout=120
            )
            assert completed.returncode == 0, completed.stderr

        repository = "oci://{0}/acstor/charts".format(self.host)
        ca_file = ("--ca-file", str(self.ca_path))
        run("registry", "login", self.host, "--username", user, "--password-stdin", *ca_file, stdin=self.users[user])
        for index, chart in enumerate(charts):
            packages = scratch / "packages" / str(index)
            run("package", str(chart), "-d", str(packages))
            (package,) = packages.glob("*.tgz")
            run("push", str(package), repository, *ca_file)
        return repository


class HttpConnectProxy(ChildServer):
    """tinyproxy on 127.0.0.1 that tunnels CONNECT to any port (no ConnectPort line means every port is allowed)."""

    name = "tinyproxy"

    def __init__(self, workdir=None):
        self.binary = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="http-proxy-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = "http://127.0.0.1:{0}".format(self.port)
        self.child = None

    @staticmethod
    def missing_tools():
        return [tool for tool in ("tinyproxy",) if shutil.which(tool) is None]

    def start(self, timeout=15):
        config = self.workdir / "tinyproxy.conf"
        log_file = self.workdir / "tinyproxy.log"
        config.write_text(
            "\n".join(
                [
                    "Port {0}".format(self.port),
                    "Listen 127.0.0.1",
                    "Timeout 60",
                    'LogFile "{0}"'.format(log_file),
                    "LogLevel Connect",
                    "MaxClients 20",
                    "Allow 127.0.0.1",
                    "",
                ]
            )
        )
        self.child = ChildProcess([self.binary, "-d", "-c", str(config)], self.workdir / "stdout.log")
        return self.wait_until_serving(timeout, 0.1, "listen on")

    def serves(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def connects(self):
        """Targets of the CONNECT requests tinyproxy logged ("host:port")."""
        log_file = self.workdir / "tinyproxy.log"
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return [line.split(": CONNECT ", 1)[1].split()[0] for line in text.splitlines() if ": CONNECT " in line]


if __name__ == "__main__":
    registry = OciRegistry().start()
    print("url", registry.url, "ca", registry.ca_path, "users", registry.users, "pid", registry.child.pid)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        registry.stop()
