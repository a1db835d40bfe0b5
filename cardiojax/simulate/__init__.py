"""Simulators that provide default data where the real corpora cannot be had."""
