"""scripts/accuracy_table.py rewrites only its own part of docs/accuracy.md."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("accuracy_table", ROOT / "scripts" / "accuracy_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_splice_keeps_what_others_wrote(script):
    doc = f"# T\n\nintro\n{script.BEGIN}\nold table\n{script.END}\n\n## Another issue's section\n\nkept\n"
    out = script.splice(doc, "new table\n")
    assert "old table" not in out and "new table" in out
    assert out.startswith("# T\n\nintro\n") and out.endswith("## Another issue's section\n\nkept\n")
    assert script.splice(out, "new table\n") == out  # rerunning changes nothing


def test_splice_refuses_a_document_without_markers_and_starts_a_new_one(script):
    with pytest.raises(ValueError, match="markers"):
        script.splice("# T\n\n## Someone's section\n", "table\n")
    with pytest.raises(ValueError):
        script.splice(f"{script.END}\n{script.BEGIN}\n", "table\n")
    new = script.splice(None, "table\n")
    assert new.startswith(script.TITLE) and script.BEGIN in new and script.END in new


def test_the_repository_document_has_the_markers_and_other_sections_survive(script):
    doc = (ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8")
    out = script.splice(doc, "table\n")
    after = doc[doc.index(script.END):]
    assert out.endswith(after) and "## Elevation source and terrain tiles" in after
