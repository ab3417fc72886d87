"""Schedules of recurring requests and the run ids of their periods.

A schedule is an Airflow preset (`@quarterly`, …) or a 5-field cron expression; `periods`
says when it fires, `run_id_for` names one period's run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sovex.model.errors import InvalidInput

RUN_ID_PREFIX = "req"
RUN_ID_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# Airflow's cron presets (airflow.utils.dates.cron_presets), copied because importing
# Airflow here would configure it; a unit test keeps the two equal.
CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
# Airflow presets that name no period: a refresh needs one.
NOT_PERIODIC = ("@once", "@continuous")
CRON_FIELDS = 5
# Where "does this expression ever fire?" is asked from (any fixed instant would do).
CRON_PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)
MAX_PERIODS = 10_000


def validate_schedule(value: object, where: str = "field 'schedule'") -> str:
    """The schedule, normalised: an Airflow preset (`@quarterly`, …) or 5-field cron.

    `where` starts the error message (e.g. "request.yaml: field 'schedule'").
    """
    from croniter import CroniterBadDateError, croniter

    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: a schedule is text, e.g. '@quarterly' or '0 6 1 * *'")
    schedule = " ".join(value.split())
    if schedule.startswith("@"):
        if schedule in CRON_PRESETS:
            return schedule
        if schedule in NOT_PERIODIC:
            raise InvalidInput(
                f"{where}: {schedule} names no period; leave 'schedule' out for a one-off "
                "extract, or use one of: " + ", ".join(CRON_PRESETS)
            )
        raise InvalidInput(
            f"{where}: unknown preset {schedule!r}; use one of: " + ", ".join(CRON_PRESETS)
        )
    fields = schedule.split()
    if len(fields) != CRON_FIELDS:
        raise InvalidInput(
            f"{where}: a cron expression has {CRON_FIELDS} fields (minute hour "
            f"day-of-month month day-of-week), {schedule!r} has {len(fields)}"
        )
    if not croniter.is_valid(schedule):
        raise InvalidInput(f"{where}: {schedule!r} is not a valid cron expression")
    try:
        croniter(schedule, CRON_PROBE_START).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidInput(f"{where}: {schedule!r} never fires (no such date)") from None
    return schedule


def cron_expression(schedule: str) -> str:
    """The 5-field cron expression of a validated schedule (presets expanded)."""
    return CRON_PRESETS.get(schedule, schedule)


def require_aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive time is ambiguous: the history must say which instant it means.
        raise InvalidInput(f"{what}: the time must be timezone-aware, got a naive datetime")
    return at.astimezone(UTC)


def periods(schedule: str, start: datetime, end: datetime) -> list[datetime]:
    """The times (UTC) a schedule fires at in [start, end): one run per period."""
    from croniter import croniter

    start, end = require_aware(start, "periods start"), require_aware(end, "periods end")
    # croniter yields times strictly after its start: begin a second earlier so a firing
    # exactly at `start` counts (cron has minute precision).
    times = croniter(cron_expression(validate_schedule(schedule)), start - timedelta(seconds=1))
    found: list[datetime] = []
    while (when := times.get_next(datetime)) < end:
        if when >= start:
            found.append(when.astimezone(UTC))
        if len(found) > MAX_PERIODS:
            raise InvalidInput(
                f"schedule {schedule!r} fires more than {MAX_PERIODS} times between "
                f"{start.isoformat()} and {end.isoformat()}"
            )
    return found


def run_id_for(request_id: str, logical_date: datetime) -> str:
    """The Airflow run id of one period's run: distinct per request and period."""
    when = require_aware(logical_date, "run id logical date")
    return f"{RUN_ID_PREFIX}__{request_id}__{when.strftime(RUN_ID_TIME_FORMAT)}"
