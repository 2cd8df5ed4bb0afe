"""Task history: every state change of a task, who made it and why (TaskEvent)."""

from sqlmodel import Session, col, select

from callbacks.models import CallbackTask, TaskEvent, TaskStatus


def transition(
    session: Session, task: CallbackTask, *, to: TaskStatus, actor: str, note: str | None = None
) -> None:
    """Change a task's status and write the change into its history."""
    if task.status == to and note is None:
        return
    session.add(
        TaskEvent(
            task_id=task.id or 0, actor=actor, from_status=task.status, to_status=to, note=note
        )
    )
    task.status = to
    session.add(task)


def note_event(session: Session, task: CallbackTask, *, actor: str, note: str) -> None:
    """Record something that happened to a task without changing its status."""
    session.add(
        TaskEvent(
            task_id=task.id or 0,
            actor=actor,
            from_status=task.status,
            to_status=task.status,
            note=note[:500],
        )
    )


def history(session: Session, *, task_id: int) -> list[TaskEvent]:
    """A task's events, oldest first."""
    query = select(TaskEvent).where(TaskEvent.task_id == task_id)
    return list(session.exec(query.order_by(col(TaskEvent.at), col(TaskEvent.id))))
