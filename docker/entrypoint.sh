#!/bin/sh
# web: migrate, collect static files, serve with gunicorn. worker: Celery worker with beat.
set -e
case "$1" in
  web)
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput
    exec gunicorn tracker.wsgi --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-2}" \
      --control-socket /tmp/gunicorn.ctl
    ;;
  worker)
    exec celery -A tracker worker --beat --loglevel=INFO
    ;;
  *)
    exec "$@"
    ;;
esac
