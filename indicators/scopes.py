"""What a report is about: one cluster, or one project.

- **A cluster**: its member companies (active memberships of published companies), the events
  it organises or that belong to one of its projects, the cooperation offers posted to it (or
  posted without a cluster by one of its members), the job posts of its members and the visit
  requests addressed to it.
- **A project**: the member companies, offers, job posts and visit requests of the project's
  clusters (a project has no members of its own; its partners are organisations, not member
  companies), and the events that belong to the project itself. A company that is a member of
  two of the project's clusters counts once among the members (a membership that starts or ends
  counts once per cluster).

Neither reads anything when it is made: the clusters and events are subqueries of the figures'
own queries.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from clusters.models import Cluster
from events.models import Event
from projects.models import Project


@dataclass(frozen=True)
class Scope:
    kind: str  # "cluster" or "project"
    pk: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    def cluster_ids(self):
        """The clusters, as something ``cluster_id__in`` takes (a list or a subquery)."""
        if self.kind == "cluster":
            return [self.pk]
        return Cluster.objects.filter(projects=self.pk).values("pk")

    def events(self) -> QuerySet:
        if self.kind == "cluster":
            of_projects = Project.objects.filter(clusters=self.pk).values("pk")
            return Event.objects.filter(Q(cluster=self.pk) | Q(project__in=of_projects))
        return Event.objects.filter(project=self.pk)


def cluster_scope(cluster: Cluster) -> Scope:
    return Scope("cluster", cluster.pk, cluster.name)


def project_scope(project: Project) -> Scope:
    return Scope("project", project.pk, project.name)
