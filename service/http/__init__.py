"""The HTTP API, and the seams every front end served over HTTP uses (the pages too):
the service a request reaches, an article to its public summary, a job as shown, tags,
and the one table of problems (errors to statuses and titles)."""

from service.http.job_runner import public_job
from service.http.models import subjects_of
from service.http.problems import problem_of
from service.http.state import LOCAL_CALLER, Service, ServiceDep, service_of
from service.http.summary import public_summary, url_summary

__all__ = [
    "LOCAL_CALLER",
    "Service",
    "ServiceDep",
    "problem_of",
    "public_job",
    "public_summary",
    "service_of",
    "subjects_of",
    "url_summary",
]
