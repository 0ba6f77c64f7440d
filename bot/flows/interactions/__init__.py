"""One flow per thing a person does in a chat, shared by every platform.

Each takes the action's plain inputs (who, ids, what was typed), applies the rules and
returns a small frozen view model; the platform adapter only renders it.
"""
