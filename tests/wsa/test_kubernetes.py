"""deploy/kubernetes (no cluster here): every manifest parses, selectors match their pods, the web has
its probes, beat is one pod that never overlaps, workers consume the settings' queues and KEDA watches
those queues, and no secret is written into the repository."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "deploy" / "kubernetes"
KUSTOMIZATION = yaml.safe_load((DIRECTORY / "kustomization.yaml").read_text())
DOCUMENTS = [document for name in KUSTOMIZATION["resources"]
             for document in yaml.safe_load_all((DIRECTORY / name).read_text()) if document]
KINDS = {"ConfigMap", "Job", "Deployment", "Service", "ScaledObject", "HorizontalPodAutoscaler"}
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$|DATABASE_URL|REDIS_URL|BROKER_URL|EMAIL_URL", re.I)


def of_kind(kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for document in DOCUMENTS if document["kind"] == kind}


def containers(document: dict) -> list[dict]:
    return document["spec"]["template"]["spec"]["containers"]


DEPLOYMENTS = of_kind("Deployment")


def test_every_file_is_listed_and_of_a_known_kind():
    assert sorted(KUSTOMIZATION["resources"]) == sorted(p.name for p in DIRECTORY.glob("*.yaml")
                                                        if p.name != "kustomization.yaml")
    assert {document["kind"] for document in DOCUMENTS} == KINDS
    assert set(DEPLOYMENTS) == {"web", "worker-documents", "worker-hub", "worker-default", "beat"}


@pytest.mark.parametrize("name", ["web", "worker-documents", "worker-hub", "worker-default", "beat"])
def test_selectors_match_the_pods_and_every_container_has_resources(name):
    deployment = DEPLOYMENTS[name]
    selector = deployment["spec"]["selector"]["matchLabels"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    assert selector["app.kubernetes.io/component"] == name  # no two deployments select each other's pods
    for container in containers(deployment):
        assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
        assert container["resources"]["limits"]["memory"]
        refs = container["envFrom"]
        assert {"configMapRef": {"name": "wsa-config"}} in refs and {"secretRef": {"name": "wsa-secrets"}} in refs
        assert "livenessProbe" in container


def test_the_service_selects_the_web_pods_on_a_declared_port():
    service = of_kind("Service")["web"]
    web = DEPLOYMENTS["web"]
    assert service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
    ports = {port["name"] for container in containers(web) for port in container["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports


def test_the_web_is_ready_on_readyz_and_alive_on_healthz_as_behind_the_ingress():
    (web,) = containers(DEPLOYMENTS["web"])
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    config = of_kind("ConfigMap")["wsa-config"]["data"]
    for probe in (web["readinessProbe"], web["livenessProbe"]):
        headers = {header["name"]: header["value"] for header in probe["httpGet"]["httpHeaders"]}
        assert headers["X-Forwarded-Proto"] == "https", "without it production answers a redirect, which passes"
        assert headers["Host"] in config["ALLOWED_HOSTS"].split(",")


def test_beat_is_one_pod_replaced_not_rolled():
    beat = DEPLOYMENTS["beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    scaled = {document["spec"]["scaleTargetRef"]["name"] for document in DOCUMENTS
              if document["kind"] in {"ScaledObject", "HorizontalPodAutoscaler"}}
    assert "beat" not in scaled
    beats = [name for name, deployment in DEPLOYMENTS.items() for container in containers(deployment)
             if container["command"][:4] == ["celery", "-A", "wsa", "beat"]]
    assert beats == ["beat"]


def worker_queue(deployment: dict) -> str | None:
    (container,) = containers(deployment)
    command = container["command"]
    return command[command.index("-Q") + 1] if command[:4] == ["celery", "-A", "wsa", "worker"] else None


def test_the_workers_consume_the_settings_queues_and_keda_watches_those_lists():
    queues = {name: worker_queue(deployment) for name, deployment in DEPLOYMENTS.items() if worker_queue(deployment)}
    assert queues == {"worker-documents": "documents", "worker-hub": "hub", "worker-default": "default"}
    assert set(queues.values()) == set(settings.CELERY_TASK_QUEUES)
    config = of_kind("ConfigMap")["wsa-config"]["data"]
    for name, scaled in of_kind("ScaledObject").items():
        target = scaled["spec"]["scaleTargetRef"]["name"]
        assert target == name and target in DEPLOYMENTS
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] == queues[target]
        assert trigger["metadata"]["addressFromEnv"] in config
        assert int(trigger["metadata"]["listLength"]) > 0
    assert set(of_kind("ScaledObject")) == {"worker-documents", "worker-hub"}


def test_one_image_everywhere():
    images = {container["image"] for document in DOCUMENTS if document["kind"] in {"Deployment", "Job"}
              for container in containers(document)}
    assert images == {"wsa-portal"}
    assert [image["name"] for image in KUSTOMIZATION["images"]] == ["wsa-portal"]


def test_no_secret_is_written_into_the_manifests():
    assert not [document for document in DOCUMENTS if document["kind"] == "Secret"]
    config = of_kind("ConfigMap")["wsa-config"]["data"]
    assert not [name for name in config if SECRET_NAMES.search(name)]
    for document in DOCUMENTS:
        if document["kind"] not in {"Deployment", "Job"}:
            continue
        for container in containers(document):
            for variable in container.get("env", []):
                assert not SECRET_NAMES.search(variable["name"]) or "value" not in variable, variable
    text = "\n".join((DIRECTORY / name).read_text() for name in KUSTOMIZATION["resources"])
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text), "credentials in a URL"


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl not installed; the parse above still runs")
def test_kustomize_builds_the_set():
    result = subprocess.run(["kubectl", "kustomize", str(DIRECTORY)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    built = [document for document in yaml.safe_load_all(result.stdout) if document]
    assert len(built) == len(DOCUMENTS)
    assert {document["metadata"].get("namespace") for document in built} == {"wsa"}
    images = {container["image"] for document in built if document["kind"] in {"Deployment", "Job"}
              for container in containers(document)}
    assert len(images) == 1 and images != {"wsa-portal"}
