"""A real OCI registry on 127.0.0.1 for the air-gapped tests: Debian's `docker-registry` (CNCF distribution 2.8).

TLS with a certificate signed by a throwaway CA made here (the CA file is what a site gives as its registry CA
bundle), and basic auth from an htpasswd file (bcrypt, the only hash distribution accepts; written with
`htpasswd -B` from apache2-utils). Started as a child process and stopped by its PID.

A second server, `HttpConnectProxy`, runs Debian's `tinyproxy` as an HTTP CONNECT proxy on 127.0.0.1 (the kind of
proxy a site's HTTPS_PROXY points at). Both packages come from tests/lab/host-packages.sh.

Run standalone for manual poking: `python tests/servers/oci_registry.py` prints the URL, CA file and credentials.
"""

import datetime
import ipaddress
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_ca_and_server_cert(directory, common_name):
    """A CA certificate and a 127.0.0.1 server certificate it signed; returns (ca, cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name + " test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory = Path(directory)
    paths = directory / "ca.pem", directory / "server.pem", directory / "server-key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


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


class OciRegistry:
    """docker-registry with TLS and htpasswd basic auth; `users` maps user name to password."""

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
        context = ssl.create_default_context(cafile=str(self.ca_path))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.child.alive():
                raise RuntimeError("docker-registry exited: " + self.child.log_tail())
            try:
                urllib.request.urlopen(self.url + "/v2/", context=context, timeout=2)  # pylint: disable=consider-using-with
            except urllib.error.HTTPError as exc:
                if exc.code == 401:  # up, and asking for credentials
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("docker-registry did not answer on {0} within {1}s".format(self.url, timeout))

    def stop(self):
        if self.child:
            self.child.stop()

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


class HttpConnectProxy:
    """tinyproxy on 127.0.0.1 that tunnels CONNECT to any port (no ConnectPort line means every port is allowed)."""

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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.child.alive():
                raise RuntimeError("tinyproxy exited: " + self.child.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("tinyproxy did not listen on {0} within {1}s".format(self.url, timeout))

    def stop(self):
        if self.child:
            self.child.stop()

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
