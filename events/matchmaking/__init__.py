"""B2B matchmaking at events: participants' profiles, meeting requests, slots and tables, meetings
and the surveys after them. The models are part of the ``events`` app (``events.models`` imports
them); the rest of the feature lives in this package."""
