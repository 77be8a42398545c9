# One image for web, worker and beat (docker-compose.yml picks the command).

# Browser libraries (chart.js) from package-lock.json; only their dist folders reach the image.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AGILETRACK_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/static

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Where settings.STATICFILES_DIRS looks, so collectstatic serves it as vendor/chart.js/.
COPY --from=assets /assets/node_modules/chart.js/dist node_modules/chart.js/dist
# Static files are collected at build time and served by whitenoise. The secret key and the var
# folder are throwaways for this step, so no generated key file ends up in the image.
RUN AGILETRACK_VAR_DIR=/tmp/build DJANGO_SECRET_KEY=collectstatic-only \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build \
    && useradd --create-home --uid 1000 agiletrack \
    && mkdir -p /app/var/prometheus \
    && chown -R agiletrack /app/var

USER agiletrack
EXPOSE 8000
CMD ["gunicorn", "--config", "python:agiletrack.observability.gunicorn", "agiletrack.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
