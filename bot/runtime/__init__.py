"""What runs sevbot: the aiohttp server and its lifecycle, the bolt app, the database (SQLite on the loop or
PostgreSQL), the transactional outbox with its route table and the dispatcher that works it, follow-ups after an
ack, migrations, the process's own Prometheus metrics and `sevbot check`. No domain decision is made here: each
job is routed to the capability that owns it."""
