from clusters.moderation import Adapter, Submitter

from .models import VisitRequest


class VisitAdapter(Adapter):
    pending_statuses = (VisitRequest.Status.NEW, VisitRequest.Status.IN_PROGRESS)
    approved_status = VisitRequest.Status.CONFIRMED
    rejected_status = VisitRequest.Status.DECLINED

    def submitter(self, obj):
        return Submitter(obj.email, obj.name, obj.language)
