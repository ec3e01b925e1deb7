from clusters.moderation import Adapter, Submitter


class OfferAdapter(Adapter):
    def submitter(self, obj):
        email = obj.submitter_email or (obj.created_by.email if obj.created_by_id else "")
        return Submitter(email, obj.submitter_name, obj.submitter_language)

    def public_url(self, obj):
        return obj.get_absolute_url()


class JobAdapter(Adapter):
    def submitter(self, obj):
        return Submitter(obj.contact_email, obj.contact_name, obj.poster_language)

    def public_url(self, obj):
        return obj.get_absolute_url()
