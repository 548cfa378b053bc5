"""Who decides an internship's length, and what the rules cannot check (issue: faithful to who decides)."""

from __future__ import annotations

import pytest

from helpers import ask, ask_vae

OUT_36 = {"experiences": [{"months": 36, "field": "out"}]}


def internship(**extra):
    return {**OUT_36, **extra}


def test_a_length_the_cnam_decides_is_not_met_before_its_decision(engine):
    candidate = {"experiences": [{"months": 24, "field": "out"}],
                 "internships": [{"months": 1, "field": "in", "report": True}]}
    answer = ask(engine, "bac+2", candidate, ["cnam-na"])
    assert answer["status"] == "internship"
    assert answer["internship"]["awaiting_decision"] and answer["internship"]["done_months"] == 1
    decided = ask(engine, "bac+2", {**candidate, "decided_internship_months": 1, "decided_by": "cnam"}, ["cnam-na"])
    assert decided["status"] == "satisfied"


def test_the_jury_modulation_is_not_granted_without_its_decision(engine):
    done_3 = internship(internships=[{"months": 3, "field": "in", "report": True}])
    answer = ask(engine, "licence", done_3, ["cnam-eleves"])
    assert answer["status"] == "internship" and answer["internship"]["min_months"] == 3
    assert answer["internship"]["can_be_lowered"] and answer["internship"]["standard_months"] == 6
    assert ask(engine, "licence", {**done_3, "decided_internship_months": 3}, ["cnam-eleves"])["status"] == "satisfied"
    done_6 = internship(internships=[{"months": 6, "field": "in", "report": True}])
    assert ask(engine, "licence", done_6, ["cnam-eleves"])["status"] == "satisfied"


def test_the_commission_sets_the_complement_without_a_conflict(engine):
    by_jury = ask(engine, "licence", internship(decided_internship_months=2), ["cnam-eleves"])
    assert by_jury["status"] == "conflict"
    by_commission = ask(engine, "licence", internship(decided_internship_months=2, decided_by="commission"),
                        ["cnam-eleves"])
    assert by_commission["status"] == "internship"
    assert by_commission["internship"]["min_months"] == by_commission["internship"]["max_months"] == 2
    more = ask(engine, "licence", internship(decided_experience_months=6, decided_by="commission"), ["cnam-eleves"])
    assert more["status"] == "missing" and more["missing_months"] == 6


def test_an_internship_outside_the_field_does_not_count_for_cnam_eleves(engine):
    candidate = {"experiences": [{"months": 12, "field": "out"}],
                 "internships": [{"months": 6, "field": "out", "report": True}]}
    assert ask(engine, "licence-l3", candidate, ["cnam-eleves"])["status"] == "internship"
    assert any("ne comptent pas" in e["text"]
               for e in ask(engine, "licence-l3", candidate, ["cnam-eleves"])["set_aside"])


def test_taking_up_duties_waives_the_referentiels_internship(engine):
    assert ask(engine, "ingenierie-formation", OUT_36)["status"] == "internship"
    assert ask(engine, "ingenierie-formation", {**OUT_36, "entered_duties": True})["status"] == "satisfied"


def test_what_the_rules_cannot_check_is_listed_never_in_the_status(engine):
    answer = ask(engine, "licence", OUT_36, ["cnam-eleves"])
    texts = " ".join(c["text"] for c in answer["to_check"])
    assert "15 jours" in texts and "avis argumenté et favorable" in texts
    assert all({"file", "line", "source", "quote", "text"} <= c.keys() for c in answer["to_check"])
    satisfied = ask(engine, "licence", {"experiences": [{"months": 36, "field": "in"}]}, ["cnam-eleves"])
    assert satisfied["status"] == "satisfied"
    assert not any("convention" in c["text"] for c in satisfied["to_check"])  # no internship, no convention


def test_sources_that_disagree_on_who_decides_or_on_the_early_review_say_so(engine):
    answer = ask(engine, "licence", {"experiences": [{"months": 36, "field": "out"}], "ue_acquired": 0})
    sources = {d["source"]: d for d in answer["divergences"]}
    assert sources["cnam-na"]["internship"]["decided_by"] == "cnam"
    assert sources["cnam-eleves"]["internship"]["decided_by"] == "jury"
    assert sources["cnam-na"]["early_review_possible"] is False
    assert sources["cnam-eleves"]["early_review_possible"] is True
    assert answer["internship"]["decided_by"] == "cnam+jury"


def test_options_name_every_qualifier(engine):
    answer = ask(engine, "bac+2", {"experiences": [{"months": 12, "field": "out"}]}, ["cnam-na"])
    option = next(o for o in answer["options"] if o["kind"] == "experience_any_field")
    assert option["experience"] == {"in_field": False, "kind": "salaried", "sufficient_level": True,
                                    "full_time": False}


def test_what_the_counting_set_aside_is_said(engine):
    candidate = {"experiences": [{"months": 10, "field": "in", "kind": "volunteer"},
                                 {"months": 24, "field": "in", "time_share": 0.5}]}
    aside = ask(engine, "bac+2", candidate, ["cnam-na"])["set_aside"]
    texts = " | ".join(e["text"] for e in aside)
    assert "bénévole" in texts and "10 mois" in texts and "Temps partiel" in texts


@pytest.mark.parametrize(("code", "known"), [("LP110504", True), ("FOO", False)])
def test_vae_names_known_certifications_and_says_when_it_does_not_know_one(base, code, known):
    answer = ask_vae(base, code, {"experiences": [{"months": 24, "field": "in"}]}, 2026)
    assert answer["certification_known"] is known
    assert (answer["certification_title"] == "Licence Commerce, Vente, Marketing") is known


def test_vae_without_experience_is_not_eligible(base):
    answer = ask_vae(base, "LP110504", {"experiences": []}, 2026, ["vae-2009"])
    assert answer["status"] == "missing" and answer["missing_months"] > 0


# ---------------------------------------------------------------- the adviser's page


def page_fields(**fields) -> dict:
    return {"experiences-0-months": "40", "experiences-0-field": "out", "experiences-0-kind": "salaried",
            "experiences-0-level": "sufficient", "diploma": "licence", "milestone": "delivery",
            "date": "2026-01-01", "action": "missing",
            "sources": ["cnam-eleves", "cnam-na", "referentiel-formation", "vae-2009", "vae-bfc"], **fields}


def test_the_page_says_who_must_still_decide_and_what_to_check(client):
    import html

    text = html.unescape(client.post("/", data=page_fields()).text)
    assert 'data-status="internship"' in text
    assert "le Cnam et le jury" in text and "décision attendue" in text  # both sources: each its authority
    assert "À vérifier par le conseiller" in text and "15 jours" in text
    assert 'data-check="cnam-eleves/' in text


def test_the_page_reads_who_decided_and_the_duties_taken_up(client):
    import html

    decided = html.unescape(client.post("/", data=page_fields(
        sources=["cnam-eleves"], decided_internship_months="2", decided_by="commission")).text)
    assert 'data-status="internship"' in decided and 'data-field="min_months">2 mois' in decided
    assert '<option value="commission" selected>' in decided  # the form shows what was entered
    alone = html.unescape(client.post("/", data=page_fields(decided_by="jury")).text)
    assert 'id="decided_by-error"' in alone and "decided_internship_months" in alone
    waived = html.unescape(client.post("/", data=page_fields(
        diploma="ingenierie-formation", sources=["referentiel-formation"], entered_duties="on",
        **{"experiences-0-field": "in"})).text)
    assert 'name="entered_duties" checked' in waived


def test_an_exported_candidate_keeps_who_decided(client):
    import yaml

    exported = client.post("/", data=page_fields(decided_experience_months="6", decided_by="commission",
                                                 entered_duties="on", action="export"))
    data = yaml.safe_load(exported.text)
    assert data["decided_experience_months"] == 6 and data["decided_by"] == "commission"
    assert data["entered_duties"] is True
