"""The Slack surfaces the outbox keeps true to the database, one module each; `bot.slack.publisher` routes rows
to them."""
