"""A job post's profession in every language (django-modeltranslation), like its title.

Until now the profession was one text: what the poster typed, shown as such on every page. The
existing posts keep it as the profession in the poster's language and, where that language has
none yet, in English, the default language (what the posting form stores from now on).
"""

from django.db import migrations, models

LANGUAGES = ("en", "sv", "fi", "pl", "lt")


def copy_professions(apps, schema_editor):
    JobPosting = apps.get_model("companies", "JobPosting")
    for job in JobPosting.objects.only("pk", "profession", "poster_language").iterator():
        language = job.poster_language if job.poster_language in LANGUAGES else "en"
        values = {f"profession_{language}": job.profession}
        if language != "en":
            values["profession_en"] = job.profession
        JobPosting.objects.filter(pk=job.pk).update(**values)


def translated_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name=f"profession_{language}",
            field=models.CharField(max_length=120, null=True, verbose_name="profession"),
        )
        for language in ("en", "fi", "lt", "pl", "sv")
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0006_directory_engine"),
    ]

    operations = [
        *translated_fields("historicaljobposting"),
        *translated_fields("jobposting"),
        migrations.RunPython(copy_professions, migrations.RunPython.noop, elidable=True),
    ]
