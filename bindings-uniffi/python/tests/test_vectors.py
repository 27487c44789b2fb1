"""Every golden vector in tests/vectors/, one pytest case each."""

import pytest

from vectors import load_cases, run_case

CASES = load_cases()


def test_there_are_vectors() -> None:
    assert len(CASES) >= 300, f"only {len(CASES)} vector cases found"


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_vector(case: dict) -> None:
    run_case(case)
