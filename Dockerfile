# One image for every process: web (gunicorn, the default), worker and beat (override the command).
FROM python:3.11-slim

# IPP_VAR_DIR holds run-time state (private documents, the beat schedule); the collected
# static files are build output and stay in the image under /app/staticfiles.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    IPP_VAR_DIR=/data

WORKDIR /app

RUN groupadd --system ipp && useradd --system --gid ipp --home-dir /app --no-create-home ipp

# The lock pins every transitive dependency, so a rebuild installs the same set.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# STATIC_ROOT is /app/staticfiles. The key is a build-time dummy: settings refuse to
# load without one when DEBUG is off, and collectstatic signs nothing with it.
RUN SECRET_KEY=build-time-dummy-key-not-used-at-run-time DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p /data/private \
    && chown -R ipp:ipp /data

USER ipp
EXPOSE 8000

CMD ["gunicorn", "ipp.wsgi:application", "--bind", "0.0.0.0:8000"]
