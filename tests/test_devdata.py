"""The real-file corpus is found the same way by tests, scripts and benchmarks."""

from __future__ import annotations

from trailtech.devdata import real_tracks_dir


def test_the_environment_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAILTECH_REAL_TRACKS", str(tmp_path / "corpus"))
    assert real_tracks_dir() == tmp_path / "corpus"


def test_shared_beside_the_checkout_or_a_folder_above_it(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAILTECH_REAL_TRACKS", raising=False)
    corpus = tmp_path / "shared" / "tracks" / "real"
    corpus.mkdir(parents=True)
    checkout = tmp_path / "main"
    worktree = tmp_path / "wt" / "helper"  # a worktree two levels down
    worktree.mkdir(parents=True)
    checkout.mkdir()
    assert real_tracks_dir(checkout) == corpus
    assert real_tracks_dir(worktree) == corpus


def test_absent_it_names_the_usual_place(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAILTECH_REAL_TRACKS", raising=False)
    checkout = tmp_path / "a" / "main"
    checkout.mkdir(parents=True)
    above = [f / "shared" / "tracks" / "real" for f in checkout.parents if (f / "shared" / "tracks" / "real").is_dir()]
    expected = above[0] if above else tmp_path / "a" / "shared" / "tracks" / "real"
    assert real_tracks_dir(checkout) == expected  # a corpus further up (a machine's /tmp) is found
