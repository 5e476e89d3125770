"""rivercheck's facts: strict models of the office's records and the loaders that read them."""
