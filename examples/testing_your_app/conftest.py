# One line enables the fake_tokenhot fixture (a started FakeTokenHot per test).
pytest_plugins = ["aiotokenhot.testing.pytest_plugin"]
