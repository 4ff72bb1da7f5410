"""Bringing kam_xl into a workbook kam_xl did not write (``kam-xl install``), and keeping it current there.

    discover.py     where their workbook keeps its transactions, customers and complaints (read-only): an Excel
                    table, or a plain range whose header row is among a sheet's top rows, its columns found by
                    their EN/DE headers (:data:`kam_xl.readers.frames.INPUT_ROLES`) or given with ``--map``
    headers.py      one header row matched against the columns an input needs; what is missing or ambiguous
    options.py      the ``--map`` option
    found.py        the frozen result: one record per input found, the customer ids, what they lack
    plan.py         our sheets, tables and defined names install adds; clashes with theirs refused
    seed.py         the input tables install adds: Customers seeded with their customer ids, the others empty
    report.py       the text ``--dry-run`` prints
    compose.py      the new workbook: the template reading their data, grafted onto their package

    upgrade.py      ``kam-xl install --upgrade BOOK.xlsm``: kam_xl's own parts replaced, the user's kept
    parts.py        a package as named parts, its relationships and content types, written back as a zip
    sheet_swap.py   a sheet of a kam_xl workbook replaced by the template's, with everything it owns (its
                    formats and strings merged as install's graft merges them: kam_xl.package.styles_merge,
                    strings_merge)

Nothing is guessed: two candidates for one input, or two headers for one column, stop with one line naming them
and the option that settles it.
"""
