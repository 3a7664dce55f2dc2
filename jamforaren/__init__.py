"""Jämföraren: a municipality's portal for its customer-choice (kundval) systems."""

from jamforaren.app import create_app

__all__ = ["create_app"]
