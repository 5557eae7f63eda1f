"""Telegram (aiogram 3): routers per feature, keyboards, a session middleware, runner and webhook."""
