"""The vanishing-gradient toy: closed form == enumeration == finite differences; the gap grows with N."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

_SPEC = importlib.util.spec_from_file_location(
    "vanishing_gradient", Path(__file__).resolve().parents[3] / "scripts" / "vanishing_gradient.py"
)
vg = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(vg)


@pytest.mark.parametrize("mode", vg.MODES)
def test_closed_form_matches_enumeration_and_finite_difference(mode: str) -> None:
    n, k = 7, 2
    theta = np.zeros(n)
    g_ref, g_dis = vg.closed_form_gradient(n, k, mode, p_guess=0.1)
    enum = vg.exact_gradient_by_enumeration(theta, k, mode, p_guess=0.1)
    np.testing.assert_allclose(enum[:k], g_ref, rtol=1e-10)
    np.testing.assert_allclose(enum[k:], g_dis, rtol=1e-10)
    eps = 1e-5
    fd = [
        (
            vg.expected_reward(theta + eps * np.eye(n)[i], k, mode, 0.1)
            - vg.expected_reward(theta - eps * np.eye(n)[i], k, mode, 0.1)
        )
        / (2 * eps)
        for i in range(n)
    ]
    np.testing.assert_allclose(fd, enum, atol=1e-8)


def test_enumeration_gradient_matches_finite_difference_off_uniform() -> None:
    theta = np.random.default_rng(0).normal(size=6)
    enum = vg.exact_gradient_by_enumeration(theta, 3, "longrlvr")
    eps = 1e-5
    fd = [
        (
            vg.expected_reward(theta + eps * np.eye(6)[i], 3, "longrlvr")
            - vg.expected_reward(theta - eps * np.eye(6)[i], 3, "longrlvr")
        )
        / (2 * eps)
        for i in range(6)
    ]
    np.testing.assert_allclose(fd, enum, atol=1e-8)


def test_context_reward_gradient_dominates_more_as_chunks_grow() -> None:
    ratios = [vg.gradient_norm(n, 3, "longrlvr") / vg.gradient_norm(n, 3, "outcome_only") for n in (8, 16, 32, 64)]
    assert all(b > 2 * a for a, b in zip(ratios, ratios[1:], strict=False))
    # outcome-only decays like the all-evidence hit probability 1/C(N,k); LongRLVR roughly like 1/N
    assert vg.gradient_norm(64, 3, "outcome_only") < 1e-4 < 1e-3 < vg.gradient_norm(64, 3, "longrlvr")
