"""The statutory income benchmark times the report on a generated provider beside a SQL aggregate of the ledger, and
prints that both come to the same total."""
from __future__ import annotations

import re

import pytest

from bench import generate, statutory_report


def test_the_report_is_timed_beside_the_ledger_aggregate_and_their_totals_agree(fresh_database_url, capsys):
    generate.main(["--children", "30", "--years", "2", "--database-url", fresh_database_url])
    capsys.readouterr()
    years = statutory_report.main(["--database-url", fresh_database_url, "--repeat", "2"])
    out = capsys.readouterr().out

    total = re.search(r"^Statutory income report on (sqlite|postgresql): 30 children, (\d+) ledger lines; best of 2$",
                      out, re.MULTILINE)
    assert total and int(total.group(2)) > 0
    assert [y.label for y in years] == ["2022/23", "2023/24", "2024/25", "2025/26", "2026/27"]
    assert [y.lines > 0 for y in years] == [False, False, False, True, True]   # two years generated
    assert sum(y.lines for y in years) <= int(total.group(2))     # and some in April 2027, after the years
    for year in years:
        assert year.ties and year.report_total == year.aggregate_total
        assert re.search(rf"^{re.escape(year.label)} +{year.lines} +\d+\.\d{{3}} +\d+\.\d{{3}} +\d+\.\d{{3}} +"
                         r"\d+\.\dx +\d+\.\dx  yes, trustee's: (yes|some held back)$", out, re.MULTILINE)
    assert years[-1].aggregate_total > 0 and years[-1].trustee_total in (None, years[-1].aggregate_total)
    assert re.search(r"^Five years: report \d+\.\d\d s, trustee's \d+\.\d\d s, SQL aggregate \d+\.\d\d s; ratio "
                     r"report/SQL \d+\.\dx, trustee/SQL \d+\.\dx; totals agree: yes\. Aim: each year under 1 s "
                     r"\(slowest \d+\.\d\d s\) and no slower than the aggregate: staff's view (met|missed), "
                     r"trustees' view (met|missed)\.$", out, re.MULTILINE)


def test_an_empty_database_is_refused(fresh_database_url, capsys):
    with pytest.raises(SystemExit) as exited:
        statutory_report.main(["--database-url", fresh_database_url])
    assert exited.value.code == 2
    assert "has no ledger lines: fill it first with python -m bench.generate --children 5000 --years 5" in \
        capsys.readouterr().err
