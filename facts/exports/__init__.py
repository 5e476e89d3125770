"""Spreadsheet exports read through a mapping file: one module per step of an import.

`importer.import_facts` reads the mapping file (`mapping`), the workbooks and CSV files it names
(`sheets`), translates every row cell by cell (`rows`), resolves the names in them to keys
(`names`), and validates the records as fact files are (`facts.load`). Nothing is exported here:
each name is imported from its module.
"""
