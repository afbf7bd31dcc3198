"""Run one test file of the Python package with pytest, for CTest.

Exit status 77 (skip) when pytest is missing or when no test of the file
ran (every one skipped, e.g. hypothesis missing): a skip is never a pass.
No cache or bytecode is written next to the sources.
"""

import sys

try:
    import pytest
except ImportError:
    print("skip: pytest is not installed (Debian: python3-pytest)")
    sys.exit(77)


class _Outcomes:
    """Counts the tests that passed and the reasons of skips."""

    def __init__(self) -> None:
        self.passed = 0
        self.skips: list = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" and report.passed:
            self.passed += 1
        if report.skipped:
            self.skips.append(str(report.longrepr))

    def pytest_collectreport(self, report) -> None:
        if report.skipped:
            self.skips.append(str(report.longrepr))


def main() -> int:
    outcomes = _Outcomes()
    rc = pytest.main(["-q", "-p", "no:cacheprovider", "-rs", *sys.argv[1:]],
                     plugins=[outcomes])
    if rc in (0, 5) and outcomes.passed == 0:
        print("skip: no test ran:", "; ".join(outcomes.skips) or "none found")
        return 77
    return int(rc)


if __name__ == "__main__":
    sys.exit(main())
