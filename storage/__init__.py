"""The sales record: the only package that talks SQL.

- models.py   SQLModel tables (datetimes aware, read back in UTC; due dates are the team's local days)
- db.py       make_engine(url), session_factory(engine), upgrade_database(url | engine),
              open_database(url) -> (engine, sessions): what start-up does; database_url(config)
- stages.py   stages_from_config(config) -> [Stage]: [[stages]] of the config, never hard-coded
- teams.py    teams, members, chat accounts, invite codes (redeem_invite for /start CODE)
- notes.py    the two-phase ingest: record_inbound() first and durably, apply_extraction() in one
              transaction; the pipeline's compare-and-set steps (transcribed(), store_parsed(),
              failed(), carded()); unfinished_notes() and uncarded_notes() for resuming
- deals.py    stage moves (with `requires`), won/lost, amounts, commitments done/postponed/cancelled
- outbox.py   notifications with a unique dedupe key, due_notifications(), mark_sent(), the sweep lease
- queries.py  visible_member_ids(), pipeline, stalled and idle deals, timelines, open commitments,
              team activity, decision-chain coverage

Every function is keyword-only and takes a session; writes commit their own unit of work.
"""
