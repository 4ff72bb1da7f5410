"""Every caption the workbook shows, in English and German: the rows of the hidden Labels sheet.

A visible caption is a formula that looks its key up in the Labels table, in the column the language setting
picks (``kam_label_column``: 1 = EN, 2 = DE); :func:`label_formula` writes it, :func:`caption` gives its
value for the cached result. Function names, table headers and the values the cell functions return
(A/B/C, "at risk", TRUE) stay English: formulas and the code read them.
"""

from __future__ import annotations

#: Name of the helper that turns ``kam_language`` into the column of ``Labels[[EN]:[DE]]``.
LABEL_COLUMN_NAME = "kam_label_column"
LANGUAGES = ("EN", "DE")

LABELS: dict[str, tuple[str, str]] = {
    # About ---------------------------------------------------------------------------------------------
    "about.title": ("Key Accounts", "Schlüsselkunden"),
    "about.subtitle": (
        "Key-account management in the sales workbook: ABC-XYZ analysis, customer types, churn warnings, "
        "dossiers and win-back lists.",
        "Schlüsselkunden-Management in der Vertriebsmappe: ABC-XYZ-Analyse, Kundentypen, Abwanderungswarnungen, "
        "Dossiers und Rückgewinnungslisten."),
    "about.what": ("What it does", "Was die Mappe tut"),
    "about.what.1": (
        "Ranks customers by revenue or profit (ABC: large, medium, minimal) and by how they buy "
        "(XYZ: regularly, fluctuating, irregularly).",
        "Ordnet Kunden nach Umsatz oder Gewinn (ABC: groß, mittel, gering) und nach ihrem Kaufverhalten "
        "(XYZ: regelmäßig, schwankend, unregelmäßig)."),
    "about.what.2": (
        "Marks key accounts: the few largest customers that hold 40 % of the value, breadwinners, image makers "
        "and experts of class A or B, or your own override in the Customers table.",
        "Markiert Schlüsselkunden: die wenigen größten Kunden mit 40 % des Werts, Ernährer, Bildmacher und "
        "Experten der Klasse A oder B oder Ihre eigene Vorgabe in der Tabelle Customers."),
    "about.what.3": (
        "Warns when a customer falls silent or complaints pile up: churn is active, at risk or lost.",
        "Warnt, wenn ein Kunde verstummt oder sich Reklamationen häufen: active, at risk oder lost."),
    "about.what.4": (
        "Tests prospects with the three P: need, ability to pay, authority to decide.",
        "Prüft Interessenten mit den drei P: Bedarf, Zahlungsfähigkeit, Entscheidungsbefugnis."),
    "about.use": ("How to use it", "So arbeiten Sie damit"),
    "about.use.1": (
        "1. Paste or type your data into the input tables (Customers to Prospects). Keep the headers; "
        "add rows directly below a table and it grows with them.",
        "1. Daten in die Eingabetabellen (Customers bis Prospects) einfügen oder eintippen. Überschriften "
        "stehen lassen; direkt unter einer Tabelle angefügte Zeilen gehören automatisch dazu."),
    "about.use.2": (
        "2. Check thresholds, the as-of date and the language on the Settings sheet.",
        "2. Schwellenwerte, Stichtag und Sprache im Blatt Settings prüfen."),
    "about.use.3": (
        "3. Ribbon Key Accounts > Refresh recomputes the Analysis and Matrix sheets; "
        "Check data lists every input row that cannot be used and how to fix it.",
        "3. Menüband Key Accounts > Refresh berechnet die Blätter Analysis und Matrix neu; "
        "Check data listet jede unbrauchbare Eingabezeile mit Hinweis zur Korrektur."),
    "about.use.4": (
        "4. Select a customer ID and press Dossier for a profile of the account; Win-back lists lost and "
        "at-risk key accounts with a suggested means to win them back.",
        "4. Eine Kundennummer markieren und Dossier drücken: Profil des Kunden; Win-back listet verlorene "
        "und gefährdete Schlüsselkunden mit einem Vorschlag zur Rückgewinnung."),
    "about.use.5": (
        "5. The cell functions below work in any cell, e.g. =ABC_CLASS(B2,B$2:B$500). Their names stay English.",
        "5. Die Zellfunktionen unten gehen in jeder Zelle, z. B. =ABC_CLASS(B2;B$2:B$500). Ihre Namen bleiben "
        "englisch."),
    "about.install": ("Install (once per computer)", "Einrichten (einmal je Rechner)"),
    "about.install.1": (
        "1. Install Python 3.11 or later (python.org or the company software centre).",
        "1. Python 3.11 oder neuer installieren (python.org oder das Software-Center der Firma)."),
    "about.install.2": (
        "2. In a command prompt: pip install followed by the kam_xl folder or package file you were given",
        "2. In einer Eingabeaufforderung: pip install, dann den kam_xl-Ordner oder die Paketdatei, "
        "die Sie erhalten haben"),
    "about.install.3": (
        "3. If that Python is not the first one on the PATH, put its full path into the file .xlwings\\xlwings.conf "
        "in your user folder (a line \"Interpreter_Win\",\"C:\\...\\python.exe\"); the sheet xlwings.conf says how.",
        "3. Ist dieses Python nicht das erste im PATH, seinen vollen Pfad in die Datei .xlwings\\xlwings.conf im "
        "Benutzerordner eintragen (Zeile \"Interpreter_Win\",\"C:\\...\\python.exe\"); das Blatt xlwings.conf "
        "erklärt es."),
    "about.install.4": (
        "4. Open the workbook and enable macros. The xlwings add-in is not needed: the workbook carries "
        "everything it runs.",
        "4. Mappe öffnen und Makros aktivieren. Das xlwings-Add-in ist nicht nötig: die Mappe enthält "
        "alles, was sie ausführt."),
    "about.functions": ("Cell functions", "Zellfunktionen"),
    "about.file": ("About this file", "Über diese Datei"),
    "about.version": ("Version", "Version"),
    "about.setup": ("Check set-up", "Einrichtung prüfen"),
    "about.licence": ("Licences", "Lizenzen"),
    "about.licence.text": (
        "kam_xl is MIT-licensed. The VBA modules xlwings (BSD 3-clause) and Dictionary (MIT) inside this "
        "workbook are third-party code; their notices are in THIRD-PARTY-NOTICES.md (kam_xl/template/src "
        "in the kam_xl package) and in the modules' own headers.",
        "kam_xl steht unter der MIT-Lizenz. Die VBA-Module xlwings (BSD 3-clause) und Dictionary (MIT) in "
        "dieser Mappe sind Fremdcode; ihre Hinweise stehen in THIRD-PARTY-NOTICES.md (kam_xl/template/src "
        "im kam_xl-Paket) und in den Köpfen der Module."),
    # Settings ------------------------------------------------------------------------------------------
    "settings.title": ("Settings", "Einstellungen"),
    "settings.note": (
        "Change the values in the Value column; every cell function and ribbon button reads them. "
        "An empty value means the default.",
        "Werte in der Spalte Value ändern; alle Zellfunktionen und Menüband-Schaltflächen lesen sie. "
        "Ein leerer Wert bedeutet den Standard."),
    "settings.as_of": ("As of", "Stichtag"),
    "settings.as_of.note": (
        "Evaluation day: transactions up to this day count. Empty = the day of the last transaction, "
        "so the same data always gives the same result.",
        "Auswertungstag: Umsätze bis zu diesem Tag zählen. Leer = Tag der letzten Buchung, so ergeben "
        "gleiche Daten immer dasselbe Ergebnis."),
    # Matrix --------------------------------------------------------------------------------------------
    "matrix.title": ("ABC-XYZ matrix", "ABC-XYZ-Matrix"),
    "matrix.subtitle": (
        "Customers by value (ABC) and by how regularly they buy (XYZ); counts, revenue share and a strategy "
        "for each cell. Computed from the Analysis sheet.",
        "Kunden nach Wert (ABC) und Regelmäßigkeit der Käufe (XYZ); Anzahl, Umsatzanteil und Strategie "
        "je Feld. Berechnet aus dem Blatt Analysis."),
    "matrix.class": ("Class", "Klasse"),
    "matrix.customers": ("Customers", "Kunden"),
    "matrix.revenue_share": ("Revenue share", "Umsatzanteil"),
    "matrix.strategy": ("Strategy", "Strategie"),
    "matrix.total": ("Total", "Summe"),
    "matrix.col.X": ("X  regular", "X  regelmäßig"),
    "matrix.col.Y": ("Y  fluctuating", "Y  schwankend"),
    "matrix.col.Z": ("Z  irregular", "Z  unregelmäßig"),
    "matrix.col.N": ("N  too little history", "N  zu kurze Historie"),
    "matrix.row.A": ("A  large", "A  groß"),
    "matrix.row.B": ("B  medium", "B  mittel"),
    "matrix.row.C": ("C  minimal", "C  gering"),
    "matrix.row.N": ("N  no positive value", "N  kein positiver Wert"),
    "matrix.key": ("Key accounts", "Schlüsselkunden"),
    "matrix.key.count": ("Number of key accounts", "Anzahl Schlüsselkunden"),
    "matrix.key.share": ("Their revenue share", "Ihr Umsatzanteil"),
    "matrix.key.band": ("Typical band", "Üblicher Bereich"),
    "matrix.key.verdict": ("Verdict", "Bewertung"),
    "matrix.key.ok": ("OK: within the typical band", "OK: im üblichen Bereich"),
    "matrix.key.below": ("Below the band: too few key accounts, or revenue spread thinly",
                         "Unter dem Bereich: zu wenige Schlüsselkunden oder breit gestreuter Umsatz"),
    "matrix.key.above": ("Above the band: high dependence on few customers",
                         "Über dem Bereich: hohe Abhängigkeit von wenigen Kunden"),
    "matrix.migration": ("Class migration: ABC of the 12 months before (rows) and of the last 12 months (columns)",
                         "Klassenwanderung: ABC der 12 Monate davor (Zeilen) und der letzten 12 Monate (Spalten)"),
    "matrix.migration.from": ("Year before", "Vorjahr"),
    "matrix.migration.revenue": ("Revenue 12 mo.", "Umsatz 12 Mon."),
    "matrix.watch": ("Watch list: key accounts with a warning, largest revenue of the last 12 months first",
                     "Beobachtungsliste: Schlüsselkunden mit Warnung, größter Umsatz der letzten 12 Monate zuerst"),
    "matrix.watch.customer": ("Customer", "Kunde"),
    "matrix.watch.revenue": ("Revenue 12 mo.", "Umsatz 12 Mon."),
    "matrix.watch.trend": ("Trend", "Trend"),
    "matrix.watch.reasons": ("Reasons", "Gründe"),
    "matrix.pareto": ("Pareto curve", "Pareto-Kurve"),
    "matrix.pareto.customers": ("Customer share", "Kundenanteil"),
    "matrix.pareto.revenue": ("Revenue share", "Umsatzanteil"),
    "matrix.pareto.even": ("Even spread", "Gleichverteilung"),
    "matrix.pareto.axis_x": ("Share of customers, largest first", "Anteil der Kunden, größte zuerst"),
    "matrix.pareto.axis_y": ("Cumulative share of revenue", "Kumulierter Umsatzanteil"),
    # Data check ----------------------------------------------------------------------------------------
    "datacheck.title": ("Data check", "Datenprüfung"),
    "datacheck.note": (
        "Every problem in the input tables and settings, written by Check data and Import transactions: "
        "errors (red) make a row unusable, warnings (amber) ask you to look.",
        "Jedes Problem in den Eingabetabellen und Einstellungen, geschrieben von Check data und Import "
        "transactions: Fehler (rot) machen eine Zeile unbrauchbar, Warnungen (gelb) bitten um Prüfung."),
    # Dossier -------------------------------------------------------------------------------------------
    "dossier.title": ("Customer dossier", "Kundendossier"),
    "dossier.as_of": ("As of", "Stichtag"),
    "dossier.hint": ("Pick a customer in the yellow cell: key accounts come first.",
                     "Kunden in der gelben Zelle wählen: Schlüsselkunden stehen vorn."),
    "dossier.customer": ("Customer", "Kunde"),
    "dossier.overview": ("Overview", "Überblick"),
    "dossier.owner": ("Owner", "Betreuer"),
    "dossier.revenue": ("Revenue", "Umsatz"),
    "dossier.share": ("Revenue share", "Umsatzanteil"),
    "dossier.abc_xyz": ("ABC / XYZ", "ABC / XYZ"),
    "dossier.types": ("Types", "Typen"),
    "dossier.key_account": ("Key account", "Schlüsselkunde"),
    "dossier.churn": ("Churn", "Abwanderung"),
    "dossier.p_alive": ("P(alive)", "P(aktiv)"),
    "dossier.last_purchase": ("Last purchase", "Letzter Kauf"),
    "dossier.silence": ("Silent (days)", "Stille (Tage)"),
    "dossier.interval": ("Usual interval", "Übl. Abstand"),
    "dossier.complaints": ("Complaints now", "Reklam. aktuell"),
    "dossier.abc_12m": ("ABC last 12 months", "ABC letzte 12 Monate"),
    "dossier.migration": ("Class migration", "Klassenwechsel"),
    "dossier.revenue_12m": ("Revenue last 12 months", "Umsatz letzte 12 Monate"),
    "dossier.trend": ("Trend against the year before", "Trend zum Vorjahr"),
    "dossier.expected": ("Expected purchases, 90 days", "Erwartete Käufe, 90 Tage"),
    "dossier.clv": ("Customer value, 12 months", "Kundenwert, 12 Monate"),
    "dossier.warning": ("Warning", "Warnung"),
    "dossier.general": ("1  General information", "1  Allgemeine Informationen"),
    "dossier.industry": ("Industry", "Branche"),
    "dossier.region": ("Region", "Region"),
    "dossier.employees": ("Employees", "Mitarbeiter"),
    "dossier.founded": ("Founded", "Gegründet"),
    "dossier.description": ("Description", "Beschreibung"),
    "dossier.history": ("2  Relationship history", "2  Geschichte der Beziehung"),
    "dossier.years": ("Revenue per year", "Umsatz je Jahr"),
    "dossier.deliveries": ("Last deliveries", "Letzte Lieferungen"),
    "dossier.tenders": ("Tenders", "Ausschreibungen"),
    "dossier.won": ("Won", "Gewonnen"),
    "dossier.lost": ("Lost", "Verloren"),
    "dossier.complaints_by": ("Complaints by category", "Reklamationen nach Kategorie"),
    "dossier.buying_centre": ("3  Decision-making system: the buying centre",
                              "3  Entscheidungssystem: das Buying Center"),
    "dossier.competitors": ("4  Competitors", "4  Wettbewerber"),
    "dossier.winback": ("5  Open win-back actions", "5  Offene Rückgewinnung"),
    "dossier.none": ("none recorded", "nichts erfasst"),
    "dossier.col.year": ("Year", "Jahr"),
    "dossier.col.revenue": ("Revenue", "Umsatz"),
    "dossier.col.documents": ("Documents", "Belege"),
    "dossier.col.change": ("Change", "Veränderung"),
    "dossier.col.date": ("Date", "Datum"),
    "dossier.col.document": ("Document no", "Beleg-Nr."),
    "dossier.col.lines": ("Lines", "Positionen"),
    "dossier.col.amount": ("Amount", "Betrag"),
    "dossier.col.margin": ("Margin", "Marge"),
    "dossier.col.subject": ("Subject", "Gegenstand"),
    "dossier.col.result": ("Result", "Ergebnis"),
    "dossier.col.value": ("Value", "Wert"),
    "dossier.col.reason": ("Reason", "Grund"),
    "dossier.col.category": ("Category", "Kategorie"),
    "dossier.col.recent": ("Last {n} days", "Letzte {n} Tage"),
    "dossier.col.before": ("{n} days before", "{n} Tage davor"),
    "dossier.col.total": ("Total", "Gesamt"),
    "dossier.col.trend": ("Trend", "Trend"),
    "dossier.col.role": ("Role", "Rolle"),
    "dossier.col.person": ("Person", "Person"),
    "dossier.col.attitude": ("Attitude", "Haltung"),
    "dossier.col.last_contact": ("Last contact", "Letzter Kontakt"),
    "dossier.col.position": ("Position", "Position"),
    "dossier.col.share": ("Share of wallet", "Anteil"),
    "dossier.col.competitor": ("Competitor", "Wettbewerber"),
    "dossier.col.notes": ("Notes", "Notizen"),
    "dossier.col.status": ("Status", "Status"),
    "dossier.col.means": ("Suggested means", "Vorgeschlagenes Mittel"),
    "dossier.col.due": ("Due", "Fällig"),
    "dossier.col.responsible": ("Responsible", "Verantwortlich"),
    "dossier.col.next_step": ("Next step", "Nächster Schritt"),
    # Strategies per matrix cell ------------------------------------------------------------------------
    "strategy.AX": ("Key account: secure it. Long-term contracts, JIT delivery, a named account manager.",
                    "Schlüsselkunde: sichern. Langfristige Verträge, JIT-Lieferung, fester Ansprechpartner."),
    "strategy.AY": ("Key account: plan together. Framework agreements, shared forecasts, quarterly reviews.",
                    "Schlüsselkunde: gemeinsam planen. Rahmenverträge, gemeinsame Prognosen, Quartalsgespräche."),
    "strategy.AZ": ("Large but erratic: learn the buying triggers, offer call-off contracts, watch for churn.",
                    "Groß, aber sprunghaft: Kaufanlässe verstehen, Abrufverträge anbieten, Abwanderung "
                    "beobachten."),
    "strategy.BX": ("Develop: cross-selling and up-selling, aim for A.",
                    "Entwickeln: Cross- und Up-Selling, Ziel A-Kunde."),
    "strategy.BY": ("Develop: regular visits, bundle offers, a framework agreement.",
                    "Entwickeln: regelmäßige Besuche, Paketangebote, Rahmenvertrag."),
    "strategy.BZ": ("Stabilise: campaigns before the customer's peak season, reminders.",
                    "Stabilisieren: Aktionen vor der Saison des Kunden, Erinnerungen."),
    "strategy.CX": ("Automate: standard terms, online ordering, subscriptions.",
                    "Automatisieren: Standardkonditionen, Onlinebestellung, Abonnements."),
    "strategy.CY": ("Standardise: inside sales, catalogue prices, bundled deliveries.",
                    "Standardisieren: Innendienst, Katalogpreise, gebündelte Lieferungen."),
    "strategy.CZ": ("Minimise effort: standard terms, online shop, minimum order value.",
                    "Aufwand minimieren: Standardkonditionen, Onlineshop, Mindestbestellwert."),
    "strategy.N_col": ("Too little history to judge regularity: review when more months of purchases are in.",
                       "Zu kurze Historie für ein Urteil: erneut bewerten, sobald mehr Monate mit Käufen vorliegen."),
    "strategy.N_row": ("No revenue yet or credit notes only: qualify with the three P, or archive.",
                       "Noch kein Umsatz oder nur Gutschriften: mit den drei P prüfen oder archivieren."),
    # Win-back ------------------------------------------------------------------------------------------
    "winback.title": ("Win-back: lost key accounts", "Rückgewinnung: verlorene Schlüsselkunden"),
    "winback.note": (
        "Refresh rewrites the white columns; the yellow ones (Responsible to Notes) are yours and stay as you typed them. Rows are never "
        "deleted: a customer who buys again shows the day in Recovered.",
        "Aktualisieren schreibt die weißen Spalten neu; die gelben (Responsible bis Notes) gehören Ihnen und bleiben, wie Sie sie "
        "eingetragen haben. Zeilen werden nie gelöscht: kauft ein Kunde wieder, steht der Tag unter Recovered."),
}


def caption(key: str, language: str = "EN") -> str:
    """The label ``key`` in ``language`` (EN or DE)."""
    try:
        texts = LABELS[key]
    except KeyError:
        raise KeyError(f"label {key!r} is not in kam_xl/template/labels.py; add it with its EN and DE text") \
            from None
    return texts[LANGUAGES.index(language)]


def label_formula(key: str) -> str:
    """The formula that shows label ``key`` in the language of the Settings sheet."""
    caption(key)  # fail early on an unknown key
    return f'=INDEX(Labels[[EN]:[DE]],MATCH("{key}",Labels[Key],0),{LABEL_COLUMN_NAME})'


def label_column_formula() -> str:
    """Definition of ``kam_label_column``: 2 when the language is DE, else 1."""
    return '=IF(kam_language="DE",2,1)'
