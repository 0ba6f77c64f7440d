"""Ratings out as CSV or JSON Lines, streamed row by row."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from typing import TextIO

from bot.domain.tallies import ExportRow

COLUMNS = (
    "rated_at", "team", "scale", "score", "category", "comment",
    "agent_email", "requester_email", "ticket_id", "reasons", "lost_time",
)
FORMATS = ("csv", "jsonl")
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def row_dict(row: ExportRow) -> dict[str, object]:
    return {
        "rated_at": row.rated_at.isoformat(),
        "team": row.team,
        "scale": row.scale.value,
        "score": row.score,
        # In the scale's own words, as stats and digests say it: "satisfied" for CSAT.
        "category": row.scale.category_name(row.category),
        "comment": row.comment,
        "agent_email": row.agent_email,
        "requester_email": row.requester_email,
        "ticket_id": row.ticket_id,
        "reasons": ";".join(row.reasons),  # stable keys; a team's own as "low:<label>"
        "lost_time": row.lost_time,
    }


async def write_csv(rows: AsyncIterator[ExportRow], out: TextIO) -> int:
    """Write a header and one line per rating; return the number of ratings."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    async for row in rows:
        writer.writerow([_csv_cell(value) for value in row_dict(row).values()])
        count += 1
    return count


async def write_jsonl(rows: AsyncIterator[ExportRow], out: TextIO) -> int:
    count = 0
    async for row in rows:
        out.write(json.dumps(row_dict(row), ensure_ascii=False) + "\n")
        count += 1
    return count


async def write_export(rows: AsyncIterator[ExportRow], out: TextIO, fmt: str) -> int:
    if fmt == "csv":
        return await write_csv(rows, out)
    if fmt == "jsonl":
        return await write_jsonl(rows, out)
    raise ValueError(f"unknown export format {fmt!r}")


def _csv_cell(value: object) -> object:
    # Comments are free text typed by employees; quoting keeps them text in Excel.
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value
