"""Oversight pages: working groups and their work, assessments, implementation plans."""
