"""Shared by the admin tests: a world of two clusters with one object of each kind per cluster,
the users of the permission matrix, and a helper that reads an admin form as a browser would."""

import datetime
from dataclasses import dataclass

from bs4 import BeautifulSoup
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterContact, ModerationDecision, ModerationStatus, Page
from companies.models import CompanyCertificate
from events.models import MeetingSlot, Registration
from projects.models import ProjectContact
from representatives.models import CompanyChangeRequest, CompanyRepresentative

from . import factories


@dataclass
class World:
    cluster_a: object
    cluster_b: object
    objects_a: dict
    objects_b: dict
    shared: dict
    admin_only: dict
    company_ab: object


def build_world():
    cluster_a = factories.cluster(slug="cluster-a", name_en="Alpha Metal")
    cluster_b = factories.cluster(slug="cluster-b", name_en="Beta Paper")

    def objects_for(cluster, tag, business_id):
        company = factories.company(
            clusters=[cluster], name=f"Company {tag}", business_id=business_id
        )
        person = factories.person(last_name=f"Contact{tag}")
        ClusterContact.objects.create(cluster=cluster, person=person, role="Coordinator")
        project = factories.project(name_en=f"Project {tag}")
        project.clusters.add(cluster)
        ProjectContact.objects.create(project=project, person=person)
        event = factories.event(title_en=f"Event {tag}", cluster=cluster)
        user = factories.user()
        return {
            "portal.cluster": cluster,
            "portal.person": person,
            "portal.newsitem": factories.news(title_en=f"News {tag}", cluster=cluster),
            "companies.company": company,
            "companies.cooperationoffer": factories.offer(
                company=company, cluster=cluster, status=ModerationStatus.PENDING
            ),
            "companies.jobposting": factories.job(company=company, status=ModerationStatus.PENDING),
            "companies.companychangerequest": CompanyChangeRequest.objects.create(
                company=company, data={"postal_code": ["65100"]}, submitted_by=user
            ),
            "companies.companyrepresentative": CompanyRepresentative.objects.create(
                user=user, company=company
            ),
            "projects.project": project,
            "events.event": event,
            "events.registration": Registration.objects.create(
                event=event, name=f"Guest {tag}", email=f"guest{tag}@example.org"
            ),
            "events.visitrequest": factories.visit_request(cluster=cluster, name=f"Visitor {tag}"),
            **matchmaking_objects(event, tag),
        }

    objects_a = objects_for(cluster_a, "A", "2336509-6")
    objects_b = objects_for(cluster_b, "B", "1572860-0")
    company_ab = factories.company(
        clusters=[cluster_a, cluster_b], name="Company AB", business_id="0737546-2"
    )
    capability = factories.capability()
    certification = factories.certification()
    CompanyCertificate.objects.create(
        company=company_ab, certification=certification, valid_from=datetime.date(2024, 1, 1)
    )
    municipality = objects_a["companies.company"].municipality
    shared = {
        "portal.region": municipality.region,
        "portal.municipality": municipality,
        "portal.organization": objects_a["projects.project"].lead_organization,
        "companies.sector": factories.sector(),
        "companies.capability": capability,
        "companies.material": factories.material(),
        "companies.certification": certification,
        "companies.spokenlanguage": factories.spoken_language("sv"),
    }
    admin_only = {
        "portal.page": Page.objects.create(title_en="About", body_en="About us."),
        "portal.moderationdecision": ModerationDecision.objects.create(
            content_type=ContentType.objects.get_for_model(company_ab),
            object_id=str(company_ab.pk),
            object_repr="x",
            decision="approved",
            decided_at=timezone.now(),
        ),
    }
    return World(cluster_a, cluster_b, objects_a, objects_b, shared, admin_only, company_ab)


def matchmaking_objects(event, tag):
    """A slot of ``event``, two participants' profiles, a request between them and its meeting."""
    slot = MeetingSlot.objects.create(
        event=event,
        starts_at=event.starts_at,
        ends_at=event.starts_at + datetime.timedelta(minutes=20),
        tables=2,
    )
    sender = factories.mm_profile(event, name=f"Matchmaker {tag}1")
    receiver = factories.mm_profile(event, name=f"Matchmaker {tag}2")
    request = factories.mm_request(sender, receiver)
    return {
        "events.matchmakingprofile": sender,
        "events.meetingrequest": request,
        "events.meeting": factories.mm_meeting(request, slot),
    }


def admin_url(label, page, obj=None):
    app_label, model_name = label.split(".")
    name = f"admin:{app_label}_{model_name}_{page}"
    if page in {"change", "delete", "history"}:
        return reverse(name, args=[obj.pk])
    return reverse(name)


def form_data(response, form_id=None, action=None):
    """The data a browser would submit from the admin form of ``response`` (no JavaScript): the
    form with ``form_id``, or the one posting to ``action``, or the page's main form."""
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    if form_id:
        form = soup.find("form", id=form_id)
    elif action:
        form = soup.find("form", action=action)
    else:
        form = soup.select_one("#content form[method=post], #content form[method=POST]")
    data = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "input":
            kind = element.get("type", "text")
            if kind in {"submit", "button", "file", "image"}:
                continue
            if kind in {"checkbox", "radio"}:
                if element.has_attr("checked"):
                    data.setdefault(name, []).append(element.get("value", "on"))
                continue
            data[name] = element.get("value", "")
        elif element.name == "textarea":
            data[name] = element.text.lstrip("\n")
        else:
            chosen = [
                option.get("value", option.text)
                for option in element.find_all("option")
                if option.has_attr("selected")
            ]
            if element.has_attr("multiple"):
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
            else:
                first = element.find("option")
                data[name] = first.get("value", "") if first else ""
    return data
