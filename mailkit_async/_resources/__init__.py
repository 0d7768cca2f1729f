"""Typed methods, one namespace per Mailkit API area."""
