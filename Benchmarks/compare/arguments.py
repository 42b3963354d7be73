"""Argument types shared by the comparison scripts."""

from __future__ import annotations

import argparse


def _integer(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a {what} integer, got '{text}'") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a {what} integer, got '{text}'")
    return value


def positive(text: str) -> int:
    """An argparse type: an integer ≥ 1."""
    return _integer(text, 1, "positive")


def non_negative(text: str) -> int:
    """An argparse type: an integer ≥ 0."""
    return _integer(text, 0, "non-negative")
