"""Mutation score of the money rules, per module, from mutmut's results in ``mutants/``.

Run the measurement one module at a time (CPU-heavy), then print the table:

    .venv/bin/mutmut run --max-children 1 "conventions.rules*"
    .venv/bin/python -m bench.mutation

Reached mutants are those some test executed; the score is killed / reached (a timeout counts
as killed: the mutant made the tests hang). ``--survivors`` lists the mutants that survived.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MODULES = {
    "backoffice.core.money": "backoffice/core/money.py",
    "conventions.rules": "conventions/rules.py",
    "funds.rules": "funds/rules.py",
    "volunteering.rules": "volunteering/rules.py",
}
KILLED = {1, 3, 36, 24, -24, 152, 255}
SURVIVED = {0}
UNREACHED = {5, 33}


def results(root: Path = Path("mutants")) -> dict[str, dict[str, int | None]]:
    table = {}
    for module, path in MODULES.items():
        meta = root / (path + ".meta")
        table[module] = (json.loads(meta.read_text())["exit_code_by_key"] if meta.exists()
                         else {})
    return table


def main(argv: list[str]) -> int:
    table = results()
    print(f"{'module':<24}{'mutants':>8}{'killed':>8}{'survived':>9}{'unreached':>10}"
          f"{'unchecked':>10}{'score':>8}")
    for module, codes in table.items():
        values = list(codes.values())
        killed = sum(code in KILLED for code in values)
        survived = sum(code in SURVIVED for code in values)
        unreached = sum(code in UNREACHED for code in values)
        unchecked = sum(code is None for code in values)
        reached = len(values) - unreached - unchecked
        score = f"{100 * killed / reached:.1f} %" if reached else "—"
        print(f"{module:<24}{len(values):>8}{killed:>8}{survived:>9}{unreached:>10}"
              f"{unchecked:>10}{score:>8}")
        if "--survivors" in argv:
            for key, code in sorted(codes.items()):
                if code not in KILLED:
                    print(f"    {code!s:>5} {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
