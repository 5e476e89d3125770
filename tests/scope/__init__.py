"""Tests of what a scan takes as given: docs/scope.md."""
