"""deploy/: the alert rules pass promtool (syntax and their unit tests), the scrape config is valid,
the dashboard is a Grafana dashboard, and every wsa_ metric they name is one the portal exports."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings

DEPLOY = Path(django_settings.BASE_DIR) / "deploy"
RULES = DEPLOY / "prometheus" / "rules.yml"
RULES_TEST = DEPLOY / "prometheus" / "rules-test.yml"
SCRAPE_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "wsa-dashboard.json"
METRIC_NAME = re.compile(r"\bwsa_[a-z0-9_]+")


def promtool() -> str:
    path = shutil.which("promtool")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("promtool is missing: scripts/ensure-system-packages.sh installs Debian's prometheus package")
    pytest.skip("promtool is not installed (Debian package prometheus); CI installs it")


def run(*args, cwd=None) -> subprocess.CompletedProcess:
    result = subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_alert_rules_pass_promtool():
    assert "SUCCESS" in run("check", "rules", str(RULES)).stdout


def test_the_dead_letter_and_deadline_alerts_pass_their_unit_tests():
    assert "SUCCESS" in run("test", "rules", RULES_TEST.name, cwd=RULES_TEST.parent).stdout


def test_promtool_refuses_a_broken_rule(tmp_path):
    """The check above would catch a mistake: promtool fails on a rule with a bad expression."""
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n"
                      "      - alert: Broken\n        expr: sum(wsa_outbox_dead_letters\n")
    result = subprocess.run([promtool(), "check", "rules", str(broken)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0


def test_the_scrape_config_example_passes_promtool(tmp_path):
    """With the token file it names (in production a secret mounted at that path)."""
    config = yaml.safe_load(SCRAPE_CONFIG.read_text())
    token_file = tmp_path / "wsa-metrics-token"
    token_file.write_text("example-token\n")
    web = next(job for job in config["scrape_configs"] if job["job_name"] == "wsa-web")
    assert web["metrics_path"] == "/metrics" and web["authorization"]["type"] == "Bearer"
    web["authorization"]["credentials_file"] = str(token_file)
    shutil.copy(RULES, tmp_path / "rules.yml")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    assert "SUCCESS" in run("check", "config", str(tmp_path / "prometheus.yml")).stdout


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert dashboard["uid"] and dashboard["schemaVersion"] >= 30 and panels
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert panel["targets"] and all(t["expr"] and t["refId"] for t in panel["targets"]), panel["title"]
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]) and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
    return [target["expr"] for panel in panels for target in panel["targets"]]


def rule_expressions() -> list[str]:
    rules = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def exported_names(text: str) -> set[str]:
    """Every series name the exposition can carry, from its TYPE lines."""
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
                "gauge": ()}
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _hash, _type, name, kind = line.split()
            base = name.removesuffix("_total") if kind == "counter" else name
            names.add(name)
            names.update(base + suffix for suffix in suffixes.get(kind, ()))
    return names


@pytest.mark.django_db
def test_every_metric_in_the_rules_and_the_dashboard_is_exported(client, settings):
    settings.METRICS_TOKEN = "names-test-token"  # noqa: S105 - a test value
    settings.CELERY_TASK_ALWAYS_EAGER = False  # so that the broker's queue lengths are read as in production
    assert client.get("/title-finder/").status_code == 200
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer names-test-token").content.decode()
    exported = exported_names(text)
    named = {name for expr in rule_expressions() + dashboard_expressions() for name in METRIC_NAME.findall(expr)}
    assert named, "no wsa_ metric found in the rules and the dashboard"
    assert named - exported == set()
    # ... and the dashboard shows every metric the portal exports.
    shown = {name for expr in dashboard_expressions() for name in METRIC_NAME.findall(expr)}
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE wsa_")}
    missing = {f for f in families if not any(s == f or s.startswith(f + "_") for s in shown)}
    assert missing == set()


def test_the_name_check_would_catch_a_misspelt_metric():
    exported = exported_names("# TYPE wsa_outbox_dead_letters gauge\n# TYPE wsa_login_failures_total counter\n")
    assert "wsa_outbox_dead_letter" not in exported
    assert {"wsa_outbox_dead_letters", "wsa_login_failures_total"} <= exported


def test_compose_gives_web_and_worker_a_fresh_metrics_directory_and_keeps_their_settings():
    compose = yaml.safe_load((Path(django_settings.BASE_DIR) / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in ("web", "web-2", "worker-documents", "worker-hub", "worker-default"):
        service = services[name]
        directory = service["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert directory.startswith("/tmp/")  # noqa: S108 - the container's own, emptied at start
        assert "rm -rf $${PROMETHEUS_MULTIPROC_DIR} && mkdir -p $${PROMETHEUS_MULTIPROC_DIR}" in service["command"]
        # The merge keeps the shared settings (the database, the broker, the token).
        assert {"DATABASE_URL", "CELERY_BROKER_URL", "METRICS_TOKEN"} <= set(service["environment"])
    for name in ("worker-documents", "worker-hub", "worker-default"):
        assert services[name]["environment"]["WSA_WORKER_METRICS_LISTEN"].endswith(":9540")
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    # beat records nothing and has no directory to write to.
    assert "PROMETHEUS_MULTIPROC_DIR" not in services["beat"].get("environment", {})
