"""The optimizer's per-person recommendation as CSV, one row a person whose licenses would change."""
import csv

from core.spreadsheets import safe_text

HEADERS = ("Display name", "Username", "Usage location", "Department", "Licenses now", "Recommended licenses",
           "License cost now (a month)", "Recommended license cost (a month)", "Credits now (a month)",
           "Credits after (a month)", "Saving (a month)")


def write_report_csv(report, stream):
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for change in report.changes:
        person = change.person
        writer.writerow([safe_text(person.display_name), safe_text(person.upn), person.usage_location,
                         safe_text(person.department), change.before, change.after, f"{change.license_before:.2f}",
                         f"{change.license_after:.2f}", f"{change.credits_before:.2f}", f"{change.credits_after:.2f}",
                         f"{change.saving:.2f}"])
