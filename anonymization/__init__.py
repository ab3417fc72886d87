"""Keys, keyed pseudonyms, date shifting, generalisation and identifier detection."""
