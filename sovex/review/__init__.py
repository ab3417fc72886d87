"""The steward's review screen and the compliance officer's page, served by Airflow's API
server as a plugin (`sovex.review.plugin`), and the CLI's client of it (issue 20)."""
