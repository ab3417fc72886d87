"""Reading sources, the consent gate, cohort selection, minimisation, Parquet, publishing."""
