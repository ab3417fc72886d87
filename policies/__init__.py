"""Hosting policies (Rego), the provider registry and the evaluator returning a Decision."""
