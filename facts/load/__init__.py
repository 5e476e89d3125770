"""Reading fact files into validated records that know their place, one module per step.

`pipeline.load_facts` finds the files (`files`), reads each by its format (`read_yaml`, `read_json`,
`read_jsonl`, `read_csv`, over the text `decode` gives), validates every record into its model
(`collect`), checks keys, references and cycles (`references`) and returns a `factset.FactSet`;
`messages` words the diagnostics. Nothing is exported here: each name is imported from its module.
"""
