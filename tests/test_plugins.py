"""Plugin discovery: built-ins, a third-party plugin through a real entry point, broken ones."""

import json
import os
import sys

import pytest

import lpbench
from lpbench import hookspecs
from lpbench.plugins import WRAPPER_MESSAGE, Plugins, get_plugins
from lpbench.testing import install_fake_distribution


def docs_plugin() -> str:
    """The complete plugin from docs/plugins.md ("Writing a plugin"): the docs are tested."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    block = page.split("```python\n# lpbench_kde/__init__.py\n", 1)[1].split("```", 1)[0]
    return block


@pytest.fixture
def site(tmp_path, monkeypatch):
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for mod in ("lpbench_kde", "lpbench_broken", "lpbench_badregister", "lpbench_dup"):
        sys.modules.pop(mod, None)


def test_builtin_plugins_register_through_entry_points():
    p = Plugins()
    assert {"lpbench_models", "lpbench_metrics", "lpbench_datasets"} <= set(p.info)
    assert p.plugin_of("model", "vae") == "lpbench_models"
    assert p.plugin_of("metric", "emd") == "lpbench_metrics"
    assert p.plugin_of("dataset", "digits") == "lpbench_datasets"
    assert all(not i.errors for i in p.report()), [i.errors for i in p.report()]


@pytest.mark.slow
def test_third_party_plugin_is_discovered_and_drives_the_cli(site, cli, tmp_path):
    install_fake_distribution(site, "lpbench-kde", {"lpbench_kde": docs_plugin()}, {"kde": "lpbench_kde"})
    res = cli("list", "metrics", "--json")
    assert res.exit_code == 0
    items = {i["name"]: i for i in json.loads(res.output)}
    assert items["mean_distance"]["plugin"] == "kde"
    plugins = {p["name"]: p for p in json.loads(cli("plugins", "--json").output)}
    assert plugins["kde"]["version"] == "1.2.3"
    assert plugins["kde"]["registers"] == {"model": ["pixel_kde"], "metric": ["mean_distance"]}

    res = cli(
        "run",
        "--models",
        "pixel_kde,vae",
        "--dataset",
        "eight_gaussians",
        "--budget",
        "smoke",
        "--metrics",
        "emd,mean_distance",
        "--runs-dir",
        tmp_path / "runs",
        "-q",
    )
    assert res.exit_code == 0, res.output
    rec = json.loads((tmp_path / "runs/eight_gaussians/smoke/pixel_kde/seed0/run.json").read_text())
    assert rec["environment"]["plugins"]["kde"] == "1.2.3"
    assert rec["metrics"]["emd"] < 0.3  # memorized training points: about the real-vs-real floor

    import numpy as np

    pts = np.random.default_rng(0).normal(size=(300, 2)).astype("float32") + np.array([3.0, 4.0], "float32")
    np.save(tmp_path / "s.npy", pts)
    np.save(tmp_path / "r.npy", pts - np.array([3.0, 4.0], "float32"))
    res = cli(
        "score",
        tmp_path / "s.npy",
        "--dataset",
        "eight_gaussians",
        "--metrics",
        "mean_distance",
        "--reference",
        tmp_path / "r.npy",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["mean_distance"] == pytest.approx(5.0, rel=1e-5)


def test_an_installed_plugin_loads_only_when_the_allow_list_names_it(site, monkeypatch):
    """LPBENCH_LOAD_PLUGINS keeps other installed plugins out (this suite runs with it empty);
    lpbench's own plugins load regardless, and unset it lets every installed plugin in."""
    from lpbench.errors import UnknownNameError

    install_fake_distribution(site, "lpbench-kde", {"lpbench_kde": docs_plugin()}, {"kde": "lpbench_kde"})
    assert "kde" in os.environ["LPBENCH_LOAD_PLUGINS"].split(",")  # installing opts it in
    monkeypatch.setenv("LPBENCH_LOAD_PLUGINS", "")
    p = Plugins()
    assert "kde" not in p.info and "lpbench_kde" not in sys.modules  # never imported
    assert {"lpbench_models", "lpbench_metrics", "lpbench_datasets", "lpbench_mlflow"} <= set(p.info)
    with pytest.raises(UnknownNameError, match="LPBENCH_LOAD_PLUGINS"):
        p.get("model", "pixel_kde")
    monkeypatch.setenv("LPBENCH_LOAD_PLUGINS", "lpbench_other, kde")
    assert Plugins().plugin_of("model", "pixel_kde") == "kde"
    monkeypatch.delenv("LPBENCH_LOAD_PLUGINS")
    assert Plugins().plugin_of("metric", "mean_distance") == "kde"


def test_broken_plugins_are_isolated_and_reported(site, cli):
    install_fake_distribution(
        site,
        "lpbench-broken",
        {
            "lpbench_broken": "raise RuntimeError('boom at import')\n",
            "lpbench_badregister": """
                from lpbench import hookimpl
                @hookimpl
                def register_models(register):
                    raise ValueError('boom while registering')
            """,
        },
        {"broken": "lpbench_broken", "badregister": "lpbench_badregister"},
    )
    res = cli("plugins", "--json")
    assert res.exit_code == 0
    info = {p["name"]: p for p in json.loads(res.output)}
    assert "boom at import" in info["broken"]["errors"][0]["message"]
    assert info["broken"]["errors"][0]["stage"] == "import"
    assert "boom while registering" in info["badregister"]["errors"][0]["message"]
    # everything else keeps working
    assert "vae" in [m["name"] for m in json.loads(cli("list", "models", "--json").output)]
    assert "ERROR during import" in cli("plugins").output


def test_duplicate_names_are_an_error_naming_both_plugins(site, cli):
    install_fake_distribution(
        site,
        "lpbench-dup",
        {
            "lpbench_dup": """
        from lpbench import Model, hookimpl
        class Impostor(Model):
            name = "vae"
        @hookimpl
        def register_models(register):
            register(Impostor)
    """
        },
        {"dup": "lpbench_dup"},
    )
    info = json.loads(cli("plugins", "--json").output)
    msg = next(e["message"] for p in info for e in p["errors"] if "duplicate" in e["message"])
    assert "lpbench_models" in msg and "dup" in msg and "'vae'" in msg
    res = cli("run", "--models", "vae", "--dataset", "eight_gaussians", "--budget", "smoke")
    assert res.exit_code == 2
    assert "lpbench_models" in res.output and "'dup'" in res.output


@pytest.mark.parametrize("marker", [{"wrapper": True}, {"hookwrapper": True}])
def test_wrapper_hook_implementations_are_refused_with_a_message(marker):
    """A wrapper would be called as a plain function (a generator never run): it is reported, not
    silently ignored, for registration hooks and for notifications alike."""

    class Plugin:
        @lpbench.hookimpl(**marker)
        def register_models(self, register):
            register(Bad)
            yield

        @lpbench.hookimpl(**marker)
        def run_finished(self, record, run_dir):
            yield

    class Bad(lpbench.Model):
        name = "never_registered"

    p = get_plugins()
    p.register(Plugin(), "wrapping")
    assert "never_registered" not in p.all("model")
    assert "wrapper hook implementations" in p.info["wrapping"].errors[0][1]
    assert p.call_each("run_finished", record={}, run_dir=".") == [("wrapping", WRAPPER_MESSAGE)]


def test_register_rejects_non_plugin_classes():
    class Bad:
        name = "x"

    class Plugin:
        @lpbench.hookimpl
        def register_models(self, register):
            register(Bad)

    p = get_plugins()
    p.register(Plugin(), "bad-class")
    assert "x" not in p.all("model")
    assert "subclass of lpbench.Model" in p.info["bad-class"].errors[0][1]


def test_every_hook_is_documented():
    """datasette's habit: each hookspec has a one-line docstring and an entry in docs/plugins.md."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    hooks = [n for n in dir(hookspecs) if n.startswith("register_") or n.endswith("_finished")]
    assert hooks
    for name in hooks:
        fn = getattr(hookspecs, name)
        assert fn.__doc__ and "\n" not in fn.__doc__.strip(), name
        assert f"`{name}(" in page, f"hook {name} is not documented in docs/plugins.md"


def test_plugins_import_only_the_public_api():
    """Nothing in plugins/ imports a name that lpbench/__init__.py does not export."""
    import ast
    from pathlib import Path

    public = set(lpbench.__all__)
    for path in (Path(__file__).resolve().parents[1] / "plugins").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lpbench":
                assert node.module == "lpbench", f"{path}: imports from {node.module}"
                for alias in node.names:
                    assert alias.name in public, f"{path}: imports non-public lpbench.{alias.name}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("lpbench."), f"{path}: imports {alias.name}"


def test_listing_does_not_import_torch():
    import subprocess

    code = (
        "import sys; from lpbench.cli import main; sys.argv=['lpbench','list','models']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\nprint('TORCH' if 'torch' in sys.modules else 'NOTORCH')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("NOTORCH")
