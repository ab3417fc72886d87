"""The local services sovex starts and stops: SeaweedFS (one server, or a replicated
cluster), PostgreSQL, Redis and Airflow's Celery cluster, Airflow's UI; and what they share
(process groups, free ports, waiting for readiness). Only the application uses them: the
libraries receive endpoints and credentials, never a launcher.
"""
