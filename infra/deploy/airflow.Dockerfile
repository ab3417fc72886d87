# The image of every Airflow container in airflow.compose.yaml: Airflow 3.3 (the official
# image, which runs as the unprivileged `airflow` user) plus sovex's dependencies. The
# project itself is mounted read-only at /opt/sovex at run time; the editable install
# below points there. No secret, key, credential or data goes into this image.
#
#   docker build -f infra/deploy/airflow.Dockerfile -t sovex-airflow:3.3.2 .
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 pyproject.toml README.md /opt/sovex/
COPY --chown=airflow:0 sovex /opt/sovex/sovex
COPY --chown=airflow:0 transforms /opt/sovex/transforms
COPY --chown=airflow:0 anonymization /opt/sovex/anonymization
COPY --chown=airflow:0 policies /opt/sovex/policies
# The versions pyproject.toml pins (apache-airflow itself is the image's, same version).
RUN pip install --no-cache-dir -e /opt/sovex
