"""docs/hooks/execution.py: the hook that runs the pages when the site is built."""

from ..conftest import ROOT, write_small_mnist

DOCS = ROOT / "docs"


def load_hook(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"hook_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_needing_mnist_is_built_unrun_without_it_and_run_with_it(tmp_path, monkeypatch):
    from types import SimpleNamespace

    hook = load_hook("execution")
    page = SimpleNamespace(meta={"needs": "mnist"}, file=SimpleNamespace(src_path="digits.md"))
    markdown = "# Digits\n\nText.\n\n```python\nprint(1)\n```\n\n![a](assets/a.png)\n"
    hook.on_pre_build({})
    try:
        monkeypatch.setenv("ZOO_DATA_ROOT", str(tmp_path / "empty"))
        unrun = hook.on_page_markdown(markdown, page, {}, None)
        assert "This build did not run this page" in unrun
        assert "lacks train-images-idx3-ubyte" in unrun and "t10k-labels" in unrun
        assert 'exec="on"' not in unrun
        monkeypatch.setenv("ZOO_DATA_ROOT", str(write_small_mnist(tmp_path / "data")))
        run = hook.on_page_markdown(markdown, page, {}, None)
        assert '```python exec="on" session="digits" source="block"' in run
        assert "did not run" not in run
        (hook._scratch / "a.png").write_bytes(b"drawn")  # what the page's code saved
        (hook._scratch / "b.png").write_bytes(b"not shown")
        scratch = hook._scratch
        hook.on_post_build({"site_dir": str(tmp_path / "site")})
    finally:
        hook.on_build_error(None)
    assert sorted(p.name for p in (tmp_path / "site" / "assets").iterdir()) == ["a.png"]
    assert not scratch.exists()  # the pages' runs and files leave nothing behind
