"""Headless recalculation: every formula of a workbook, our cell functions included, without Excel.

    from kam_xl.recalc import recalculate, RecalcResult
    result = recalculate("KeyAccounts.xlsm", as_of=date(2026, 9, 30))
    result.values["Analysis"]["A1"], result.spills, result.all_computed

The engine is formualizer (:mod:`kam_xl.recalc.engine`); :mod:`kam_xl.recalc.libreoffice` recalculates the
same file with LibreOffice for cross-checks and benchmarks. Writing the values back into the package is the
package writer's job (:mod:`kam_xl.package`).
"""

from kam_xl.recalc.engine import RecalcResult, recalculate
from kam_xl.recalc.values import ErrorValue

__all__ = ["ErrorValue", "RecalcResult", "recalculate"]
