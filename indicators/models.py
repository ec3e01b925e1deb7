"""The one table of its own: the history of cluster memberships, kept by django-simple-history.

A membership records when a company joined (``joined_on``) but not when it left (``is_active``
becomes false, or the row is deleted). Its history does: every save and delete through the ORM
(the admin's inline, the import, a company's deletion) writes a row here, so "left in the
period" and "members at the end of a past period" are counted from it. The directory's app does
not know about it; the model keeps its app label ``companies`` and its own table. Bulk writes
that bypass the ORM's signals (the demo generator's COPY) leave no history.
"""

from simple_history import register as register_history

from companies.models import Membership

register_history(Membership, app=__package__)

HistoricalMembership = Membership.history.model
