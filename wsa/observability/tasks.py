"""The request id and case reference travel with every task: `before_task_publish` writes them into
the message headers, `task_prerun` restores them in the worker (a task queued by no request, e.g. by
beat, gets its task id as request id), `task_postrun` clears them. Connected by importing this module
(wsa/celery.py). Eager tasks run inside their caller's context and need neither."""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun

from .context import case_reference_var, request_id_var, sane_request_id

REQUEST_ID_HEADER = "wsa_request_id"
CASE_HEADER = "wsa_case"


@before_task_publish.connect(weak=False)
def carry_context_into_task(headers=None, **kwargs) -> None:
    if headers is None:
        return
    request_id, case = request_id_var.get(), case_reference_var.get()
    if request_id:
        headers.setdefault(REQUEST_ID_HEADER, request_id)
    if case:
        headers.setdefault(CASE_HEADER, case)


@task_prerun.connect(weak=False)
def restore_context_in_worker(task_id=None, task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:
        return
    request_id = sane_request_id(task.request.get(REQUEST_ID_HEADER)) or (task_id or "").replace("-", "")
    request_id_var.set(request_id)
    case_reference_var.set(task.request.get(CASE_HEADER) or "")


@task_postrun.connect(weak=False)
def clear_context_after_task(task=None, **kwargs) -> None:
    if task is None or task.request.is_eager:
        return
    request_id_var.set("")
    case_reference_var.set("")
