"""rivercheck's checker: rule schema, compiler, engine adapter, findings and reports."""
