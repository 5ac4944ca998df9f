"""Fleet files: every mistake reported with file:line:column and field path, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pulumi_gpu.cli import main
from pulumi_gpu.fleet import FleetError, SecretRef, load_fleet
from pulumi_gpu.fleet.kinds import KINDS
from pulumi_gpu.fleet.model import Entry, _ordered, check_source
from pulumi_gpu.fleet.reference import reference_text
from pulumi_gpu.fleet.schema import fleet_schema, schema_text
from pulumi_gpu.fleet.source import read_source

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "fleet.yaml"
BROKEN = HERE / "broken.yaml"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"


def problems(text: str) -> list[str]:
    try:
        load_fleet("fleet.yaml", text)
    except FleetError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_the_example_is_valid_and_ordered_by_dependencies() -> None:
    fleet = load_fleet(EXAMPLE)
    order = [e.name for e in fleet.entries]
    assert order.index("vllm") < order.index("trainer")
    assert order.index("datasets") < order.index("trainer")
    trainer = next(e for e in fleet.entries if e.name == "trainer")
    assert trainer.refs == {"template_id": "vllm", "volume_id": "datasets"}
    assert trainer.inputs["ssh_public_keys"][0].startswith("ssh-ed25519"), "defaults applied"
    assert "template" not in trainer.inputs and "cloud" not in trainer.inputs


def test_every_problem_of_a_broken_fleet_is_located() -> None:
    found = problems(BROKEN.read_text())
    expected = [
        "fleet.yaml:3:5: defaults.celium.ssh_public_keys: ssh_public_keys[0] is not an OpenSSH "
        "public key",
        "fleet.yaml:4:5: defaults.celium.colour: no celium resource has the input 'colour'",
        "fleet.yaml:5:3: defaults.lambda: unknown cloud; clouds:",
        "fleet.yaml:10:5: templates.vllm.docker_image: put the tag in docker_image_tag",
        "fleet.yaml:11:5: templates.vllm.internal_ports: ports must be between 1 and 65535",
        "fleet.yaml:12:3: templates.base.cloud: cloud is required",
        "fleet.yaml:17:5: disks.data.size: unknown input 'size'; allowed: adopt_id, description, "
        "name",
        "fleet.yaml:21:5: pods.trainer.template: no templates entry named 'vlm' (did you mean "
        "'vllm'?)",
        "fleet.yaml:22:33: pods.trainer.selector.gpu_count: Input should be greater than or equal "
        "to 1 (got 0)",
        "fleet.yaml:25:5: pods.inference.template: give template (an entry name) or template_id",
        "fleet.yaml:28:3: pods.vllm: the name 'vllm' is already used by templates.vllm",
        "fleet.yaml:34:5: pods.worker.templates: unknown input 'templates' (did you mean "
        "'template'?)",
        "fleet.yaml:38:5: jobs.dev.cloud: cloud 'primeintellect' has no jobs (Prime "
        "Intellect's API cannot run a job",
        "fleet.yaml:39:1: services: unknown section",
    ]
    assert len(found) == len(expected), "\n".join(found)
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), f"{line!r} should start with {start!r}"
    assert "(default for pods.trainer, pods.inference, pods.worker)" in found[0]


def test_references_across_clouds_and_sections_are_refused() -> None:
    text = f"""
templates:
  t: {{cloud: celium, docker_image: ubuntu}}
disks:
  d: {{cloud: celium}}
pods:
  p: {{cloud: celium, template: d, ssh_public_keys: ["{KEY}"], executor_id: e}}
"""
    (only,) = problems(text)
    assert only.startswith("fleet.yaml:7:")
    assert "pods.p.template: no templates entry named 'd'" in only


def test_secrets_are_never_literals() -> None:
    (kind, field), *_ = [(k, f) for k in KINDS for f in sorted(k.secrets - k.secret_maps)]
    text = yaml.safe_dump({kind.section: {"x": {"cloud": kind.cloud, field: "hunter22hunter"}}})
    found = problems(text)
    assert any(f"{kind.section}.x.{field}: a secret is never written" in p for p in found)
    registry = {"cloud": "runpod", "username": "bot", "password": "hunter22hunter"}
    found = problems(yaml.safe_dump({"registries": {"r": registry}}))
    assert [p.split(": ", 1)[1] for p in found] == [
        "registries.r.password: a secret is never written in the fleet file: use {config: "
        "KEY} (pulumi config set --secret KEY ...) or {env: NAME}"
    ], "said once (not also 'required input is missing')"
    assert not any("hunter22" in p for p in found)


def test_a_secret_mapping_mixes_literals_and_references() -> None:
    fleet = load_fleet(EXAMPLE)
    notebook = next(e for e in fleet.entries if e.name == "notebook")
    assert notebook.secrets["env"] == {
        "HF_HOME": "/workspace/hf",
        "HF_TOKEN": SecretRef(config="hfToken"),
    }
    assert "env" not in notebook.inputs
    h100 = next(e for e in fleet.entries if e.name == "h100")
    assert h100.secrets == {"jupyter_password": SecretRef(config="jupyterPassword")}


def test_cycles_are_found() -> None:
    kind = next(k for k in KINDS if k.references)
    field = kind.references[0].field
    a = Entry("a", kind, {}, refs={field: "b"})
    b = Entry("b", kind, {}, refs={field: "a"})
    ordered, cycle = _ordered({"a": a, "b": b})
    assert ordered == [] and cycle == ["a", "b", "a"]


def test_not_yaml_and_not_a_mapping() -> None:
    (bad,) = problems("pods: [unclosed\n")
    assert bad.startswith("fleet.yaml:2:1: not valid YAML")
    (flat,) = problems("- a\n- b\n")
    assert "a fleet file is a mapping" in flat


@pytest.mark.parametrize(
    "text",
    ["", "# every entry commented out\n", "pods:\n", "budget: {max_cost_per_hour: 5}\n"],
)
def test_a_fleet_without_entries_is_refused_unless_it_says_so(text: str) -> None:
    (refused,) = problems(text)
    assert refused.startswith("fleet.yaml:1:1: the fleet declares no resources")
    assert "write an empty section such as `pods: {}`" in refused
    assert load_fleet("fleet.yaml", "pods: {}\n").entries == []
    assert load_fleet("fleet.yaml", "jobs: {}\ndisks: {}\n").entries == []


def test_a_key_written_twice_is_refused_with_both_places() -> None:
    pod = "    cloud: runpod\n    gpu_type: NVIDIA A40\n    image: ubuntu\n"
    text = f"pods:\n  trainer:\n{pod}  trainer:\n{pod}    image: debian\n"
    assert problems(text) == [
        "fleet.yaml:6:3: pods.trainer: written twice (first at line 2, column 3); keep one of them",
        "fleet.yaml:10:5: pods.trainer.image: written twice (first at line 9, column 5); "
        "keep one of them",
    ]
    assert problems("pods: {}\npods: {}\n") == [
        "fleet.yaml:2:1: pods: written twice (first at line 1, column 1); keep one of them"
    ]


def test_cli_validate_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "valid, 12 resources" in capsys.readouterr().out
    assert main(["validate", str(BROKEN)]) == 1
    err = capsys.readouterr().err
    assert err.count("broken.yaml:") == 15 and err.rstrip().endswith("14 problems")
    assert main(["validate", str(HERE / "missing.yaml")]) == 1
    assert "cannot read the fleet file" in capsys.readouterr().err


def test_cli_validate_prints_a_key_written_twice_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pod = "    cloud: runpod\n    gpu_type: NVIDIA A40\n    image: ubuntu\n"
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"pods:\n  trainer:\n{pod}  trainer:\n{pod}")
    assert main(["validate", str(fleet)]) == 1
    shown = capsys.readouterr()
    assert shown.out == ""
    assert shown.err.splitlines() == [
        f"{fleet}:6:3: pods.trainer: written twice (first at line 2, column 3); keep one of them",
        f"{fleet}: 1 problem",
    ]


def test_checked_in_schema_is_current() -> None:
    checked_in = (ROOT / "schema" / "fleet.schema.json").read_text()
    assert checked_in == schema_text(), "run `pulumi-gpu schema` to regenerate schema/"


def test_checked_in_reference_is_current_and_covers_every_field() -> None:
    checked_in = (ROOT / "schema" / "fleet-reference.md").read_text()
    assert checked_in == reference_text(), "run `pulumi-gpu reference` to regenerate it"
    for kind in KINDS:
        assert f"### {kind.title}\n" in checked_in
        for field in kind.inputs.model_fields:
            assert f"| `{field}` |" in checked_in, (kind.title, field)
    pod = checked_in[checked_in.index("### runpod Pod\n") :]
    gpu_count = next(line for line in pod.splitlines() if line.startswith("| `gpu_count` |"))
    assert gpu_count.startswith("| `gpu_count` | integer (>= 1, <= 16) |  | 1 | replaces it |")


def test_schema_accepts_the_example_and_rejects_the_broken_fleet() -> None:
    validator = Draft202012Validator(fleet_schema())
    Draft202012Validator.check_schema(fleet_schema())
    assert list(validator.iter_errors(yaml.safe_load(EXAMPLE.read_text()))) == []
    errors = list(validator.iter_errors(yaml.safe_load(BROKEN.read_text())))
    assert len(errors) >= 5
    complete = json.dumps(fleet_schema())
    assert "Debian/Ubuntu-based" in complete, "descriptions come from the inputs models"


def test_examples_name_the_schema_for_editors() -> None:
    first = EXAMPLE.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/fleet.schema.json"


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False),
    st.text(max_size=12), st.sampled_from(["celium", "vllm", "A100", "ubuntu", KEY]),
)  # fmt: skip
fields = st.sampled_from(
    ["cloud", "docker_image", "template", "template_id", "selector", "ssh_public_keys",
     "executor_id", "volume", "name", "internal_ports", "gpu_count", "description", "x"]
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(fields, inner, max_size=5)
    ),
    max_leaves=12,
)
entries = st.dictionaries(st.sampled_from(["a", "b", "vllm", "1x", ""]), values, max_size=4)
fleets = st.one_of(
    values,
    st.dictionaries(
        st.sampled_from(["defaults", "templates", "disks", "pods", "jobs", "other"]),
        st.one_of(entries, values),
        max_size=5,
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleets)
def test_malformed_fleets_never_raise(data: object) -> None:
    text = yaml.safe_dump(data)
    source = read_source("fuzz.yaml", text)
    assert not isinstance(source, Exception)
    fleet, found = check_source(source)  # type: ignore[arg-type]
    assert (fleet is None) == bool(found)
    for problem in found:
        assert problem.line >= 1 and problem.column >= 1 and problem.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    problems(text)


def test_the_readme_fleet_is_valid() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("```yaml\n# yaml-language-server") + len("```yaml\n")
    load_fleet("README.md", readme[start : readme.index("```", start)])


def test_a_celium_pod_takes_a_template_or_an_image() -> None:
    base = "pods:\n  p:\n    cloud: celium\n    ssh_public_keys: [" + repr(KEY) + "]\n"
    base += "    executor_id: e-1\n"
    (neither,) = problems(base)
    assert "pods.p: give exactly one of template_id and image" in neither
    assert problems(base + "    image: pytorch/pytorch:2.4.0\n    env: {A: b}\n") == []
    (both,) = problems(base + "    image: pytorch/pytorch:2.4.0\n    template_id: t\n")
    assert "give exactly one of template_id and image" in both
