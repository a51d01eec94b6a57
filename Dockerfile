# Minnes in a container: one image for web, worker, intake and sweeper (see compose.yaml).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
COPY templates ./templates
COPY static ./static
COPY config ./config
RUN pip install --no-cache-dir -e '.[postgres]'

RUN useradd --system --home /app --shell /usr/sbin/nologin minnes \
 && mkdir -p /app/var && chown minnes /app/var
USER minnes
VOLUME ["/app/var"]
ENV MINNES_CONFIG=/app/config
EXPOSE 8080
# `minnes web` serves the page under gunicorn (WEB_CONCURRENCY worker processes, 4 threads each).
CMD ["minnes", "web", "--host", "0.0.0.0", "--port", "8080"]
