# The directory's image, for docker-compose.yml. Untested here: no Docker engine on our machines.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY directory ./directory
RUN pip install --no-cache-dir -e ".[postgres]" \
    && useradd --system --home-dir /app directory \
    && mkdir /data && chown directory /data
EXPOSE 8000
USER directory
