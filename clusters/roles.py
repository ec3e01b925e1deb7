"""Who may do what: portal administrators (superusers), cluster coordinators (staff users linked
to clusters through ClusterCoordinator) and company representatives (not staff, linked to
companies through CompanyRepresentative).

Scoping lives in one place: ``cluster_ids_for(user)`` is what every admin class and every
service asks. A non-superuser without a coordinator role coordinates nothing and sees nothing.
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import Cluster, ClusterCoordinator

COORDINATOR_GROUP = "Cluster coordinators"

# Models a coordinator edits (scoped to their clusters by the admin) and models they only read.
# "app_label.model": the actions granted.
COORDINATOR_PERMISSIONS = {
    "portal.cluster": ("view", "change"),
    "portal.clustercontact": ("view", "add", "change", "delete"),
    "portal.person": ("view", "add", "change", "delete"),
    "portal.newsitem": ("view", "add", "change", "delete"),
    "portal.region": ("view",),
    "portal.municipality": ("view",),
    "portal.organization": ("view",),
    "companies.company": ("view", "add", "change", "delete"),
    "companies.membership": ("view", "add", "change", "delete"),
    "companies.companycertificate": ("view", "add", "change", "delete"),
    "companies.companyrepresentative": ("view", "add", "change", "delete"),
    "companies.companychangerequest": ("view", "change"),
    "companies.cooperationoffer": ("view", "add", "change", "delete"),
    "companies.jobposting": ("view", "add", "change", "delete"),
    "companies.sector": ("view",),
    "companies.capability": ("view",),
    "companies.material": ("view",),
    "companies.certification": ("view",),
    "companies.spokenlanguage": ("view",),
    "projects.project": ("view", "add", "change", "delete"),
    "projects.projectpartner": ("view", "add", "change", "delete"),
    "projects.fundingsource": ("view", "add", "change", "delete"),
    "projects.projectlistitem": ("view", "add", "change", "delete"),
    "projects.projectresult": ("view", "add", "change", "delete"),
    "projects.projectdocument": ("view", "add", "change", "delete"),
    "projects.projectcontact": ("view", "add", "change", "delete"),
    "events.event": ("view", "add", "change", "delete"),
    "events.registration": ("view", "add", "change", "delete"),
    "events.visitrequest": ("view", "change", "delete"),
    "events.visitparticipant": ("view", "add", "change", "delete"),
    # Matchmaking: the organiser sets slots, hides profiles, cancels requests, moves meetings.
    "events.meetingslot": ("view", "add", "change", "delete"),
    "events.matchmakingprofile": ("view", "change"),
    "events.meetingrequest": ("view", "change"),
    "events.meeting": ("view", "change"),
    "events.meetingfeedback": ("view",),
}


def ensure_coordinator_group() -> Group:
    """Create or update the coordinators' group with exactly the permissions above (idempotent)."""
    group, _created = Group.objects.get_or_create(name=COORDINATOR_GROUP)
    wanted = []
    for label, actions in COORDINATOR_PERMISSIONS.items():
        app_label, model = label.split(".")
        content_type = ContentType.objects.get_by_natural_key(app_label, model)
        for action in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {content_type.name}"},
            )
            wanted.append(permission)
    group.permissions.set(wanted)
    return group


def grant_coordinator_access(user) -> None:
    """Make ``user`` able to use the admin as a coordinator (staff + the coordinators' group)."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(ensure_coordinator_group())


def is_administrator(user) -> bool:
    return bool(user and user.is_active and user.is_superuser)


def cluster_ids_for(user) -> list[int] | None:
    """The ids of the clusters ``user`` coordinates; ``None`` means every cluster (superuser).

    Cached on the user object for the request, since every admin class asks.
    """
    if is_administrator(user):
        return None
    if not user or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_coordinated_cluster_ids", None)
    if cached is None:
        cached = list(
            ClusterCoordinator.objects.filter(user=user).values_list("cluster_id", flat=True)
        )
        user._coordinated_cluster_ids = cached
    return cached


def clusters_coordinated_by(user) -> QuerySet:
    ids = cluster_ids_for(user)
    return Cluster.objects.all() if ids is None else Cluster.objects.filter(pk__in=ids)


def is_coordinator(user) -> bool:
    ids = cluster_ids_for(user)
    return bool(user and user.is_authenticated and user.is_staff and (ids is None or ids))
