"""The test suite (a package, so that helper modules such as tests.scope.district_history have one name)."""
