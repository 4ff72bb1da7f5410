Attribute VB_Name = "KamRibbon"
' The Key Accounts ribbon (customUI14.xml): one callback per button.
' Each callback hands over to Python through xlwings' RunPython; what a
' button does lives in kam_xl/macros.py. Keep this module free of logic.
Option Explicit

Public Sub OnRefresh(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.refresh()"
End Sub

Public Sub OnDossier(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.dossier()"
End Sub

Public Sub OnWinBack(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.winback()"
End Sub

Public Sub OnImportTransactions(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.import_transactions()"
End Sub

Public Sub OnCheckData(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.check_data()"
End Sub

Public Sub OnSettings(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.show_settings()"
End Sub

Public Sub OnHelp(control As IRibbonControl)
    RunPython "import kam_xl.macros as m; m.show_help()"
End Sub
