"""The shared reference: a missing file fails the test in CI and skips it elsewhere."""

from __future__ import annotations

import pytest

from tests.reference import reference_file


def test_a_missing_reference_file_fails_the_test_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI always has it"):
        reference_file("no-such-file.md")


def test_a_missing_reference_file_skips_the_test_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not beside the repository"):
        reference_file("no-such-file.md")
