"""sovex: sovereign, pseudonymised research extracts of health data."""

__version__ = "0.1.0"
