"""The reader: for each sentence of an article, which milestones it states (the trigger
phrases of ``data/kinds.json``), and around each trigger who reached it, the authority
and its jurisdiction, the product, the date, the status and the indication (who, what,
when). The sentence is the evidence, so every milestone is grounded by construction.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from service.cues import fold
from service.engines.base import ArticleRequest
from service.engines.rules.chunks import candidate_chunks
from service.engines.rules.dates import FoundDate, date_near, find_dates
from service.engines.rules.entities import (
    Entities,
    find_entities,
    is_excluded,
    is_person,
)
from service.engines.rules.found import (
    AGENT,
    ANAPHORA_SENTENCES,
    ASIDE,
    AUXILIARIES,
    FOLLOW_UP,
    INDICATION,
    INVESTOR,
    LAST_LINK,
    LOCATIVE,
    OPENING_PHRASE,
    PRODUCT_ANAPHOR,
    PRODUCTS_TOGETHER,
    PRONOUN,
    REPORTED,
    ROLE_BETWEEN,
    THE_PRODUCT,
    TRAILING_ASIDE,
    TRIAL_NAME,
    UNNAMED_PRODUCT,
    Found,
    about_advanced_therapy,
    clause_around,
    coordinated_parties,
    counted_products,
    first_after,
    is_home,
    nearest,
)
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.name_words import DISEASE_WORDS, EVENT_VERBS
from service.engines.rules.names import Mention
from service.engines.rules.page import date_line, news, roundup_sections
from service.engines.rules.sentences import EVIDENCE_MAX_CHARS, Sentence, split_sentences
from service.engines.rules.titles import event_label, fits, title
from service.engines.rules.triggers import (
    GENERIC,
    HEDGED,
    NOT_A_FACT,
    OPEN_QUESTION,
    SCHEME_AFTER,
    break_ends,
    clause_of,
    clauses,
    inner_stops,
    status_of,
)
from service.modality import clause_kind

# A relative clause whose own subject acts: "Kite Pharma, which Gilead acquired …".
_RELATIVE_SUBJECT = re.compile(r",\s+(?:which|whom)\s+(?=[A-Z])")


class ArticleReader:
    """Reads one article: its sentences, names, and the milestones they state."""

    def __init__(self, request: ArticleRequest, lexicon: Lexicon) -> None:
        self.request = request
        self.lexicon = lexicon
        self.text = request.clean_text
        self.sentences = split_sentences(self.text)
        self.news = news(self.sentences, self.text)
        self.entities: Entities = find_entities(self.sentences, lexicon)
        self.main = self.entities.main_organisation()
        self.sections = roundup_sections(self.sentences, self.text, self.entities, lexicon)
        self.relevant = about_advanced_therapy(self.sentences, self.sections, self.lexicon)
        # Publication date: the caller's, else a date standing on its own line at the top
        # ("14 Oct 2023", "Published: Dec. 7, 2017"), else the lead's dateline.
        self.published = request.published_at or date_line(self.sentences)
        # What several triggers of one sentence ask about it, worked out once.
        self._dates: dict[str, list[FoundDate]] = {}
        self._authorities: dict[str, list[Mention]] = {}
        self._regulators: dict[str, str] | None = None  # named in the article, by name
        self._written: set[str] = set()  # every authority's name as the article writes it

    def news_sentences(self) -> list[Sentence]:
        """The sentences that may be taken as news (``_news``)."""
        return [s for s, ok in zip(self.sentences, self.news, strict=True) if ok]

    def _dates_in(self, sentence: str) -> list[FoundDate]:
        if sentence not in self._dates:
            self._dates[sentence] = find_dates(sentence, self.published)
        return self._dates[sentence]

    def _authorities_in(self, sentence: str) -> list[Mention]:
        if sentence not in self._authorities:
            self._authorities[sentence] = self.lexicon.authorities_in(sentence)
        return self._authorities[sentence]

    # -- who ---------------------------------------------------------------------------

    def _subject_organisation(self, sentence: str, at: int) -> Mention | None:
        """The organisation heading the clause that ends at ``at``; when the clause's
        subject is a pronoun ("its IND …"), the organisation of the clause around it."""
        end = at
        outward = False
        ends = break_ends(sentence)
        while True:
            before = bisect_right(ends, end)  # the clause breaks that end by ``end``
            start = ends[before - 1] if before else 0
            opener = OPENING_PHRASE.match(sentence, start, end)
            if opener:  # "At the ASH Annual Meeting, Trivane presented …": skip the setting
                start = opener.end()
            region = sentence[start:end]
            orgs = [
                Mention(m.start + start, m.end + start, m.text)
                for m in self._actors_in(region)
                if not (outward and self.lexicon.authority(m.text) is not None)
            ]
            if orgs:
                relative = _RELATIVE_SUBJECT.search(region)
                if relative is not None:  # "Kite Pharma, which Gilead acquired": Gilead
                    after = [m for m in orgs if m.start == start + relative.end()]
                    if after:
                        return after[0]
                first = orgs[0]
                for second in orgs[1:2]:  # "Cipla partner Stempeutics gets …": Stempeutics
                    if ROLE_BETWEEN.match(sentence, first.end, second.start):
                        return second
                return first
            named = self._unknown_subject(region, start, sentence)
            if named is not None:
                return named
            reported = REPORTED.search(sentence, max(0, start - 100), start)
            if not before or not (PRONOUN.search(region) or reported):
                return None
            end = start - 1
            outward = True

    def _unknown_subject(self, region: str, offset: int, sentence: str) -> Mention | None:
        """A name the entity pass did not know, standing as the clause's subject (an
        aside after it, "HemaCell (China) raised …", "Acme (Nasdaq: ACME) said …", passed
        over)."""
        aside = TRAILING_ASIDE.search(region)
        if aside is not None:  # blanked, not cut: the offsets stay the sentence's
            region = region[: aside.start()] + " " * (len(region) - aside.start())
        chunks = candidate_chunks(region)
        if not chunks or region[chunks[-1].end :].strip()[:1] in (",", ":"):
            return None  # "Acme, …" is read elsewhere; "Key Points: …" is a label
        last = chunks[-1]
        if any(w.lower() not in AUXILIARIES for w in region[last.end :].split()):
            return None
        if LOCATIVE.search(region, max(0, last.start - 6), last.start):
            return None  # "… Advanced Therapy Unit in Liverpool has …": a place
        if any(w in DISEASE_WORDS or w in EVENT_VERBS for w in last.text.split()):
            return None  # "Danon Disease Gene Therapy Granted …": a title's words, no name
        mention = Mention(last.start + offset, last.end + offset, last.text)
        if TRIAL_NAME.match(sentence, mention.end):
            return None  # "the STEER study": a trial's name
        products = set(self.entities.products)
        if is_excluded(last.text, self.lexicon, products) or is_person(sentence, mention):
            return None
        self.entities.add_organisation(last.text)
        return mention

    def _actors_in(self, text: str) -> list[Mention]:
        found = self.entities.organisations_in(text) + self.lexicon.authorities_in(text)
        return sorted(found, key=lambda m: m.start)

    def _who(
        self,
        sentence: str,
        at: int,
        index: int | None = None,
        product: str | None = None,
        kind: str | None = None,
    ) -> tuple[str | None, Mention | None, bool]:
        """(organisation, authority mention, whether the sentence names the organisation).
        Unnamed, it is the organisation of the sentence's item on a roundup page, else
        the article's main organisation."""
        lo, hi = clause_around(sentence, at)
        authorities = [m for m in self._authorities_in(sentence) if lo <= m.start < hi]
        agent = None  # "granted clearance by the CDE", "being established by CCRM Nordic"
        for mention in self._actors_in(sentence[at:]):
            if AGENT.match(sentence[at : at + mention.start]):
                agent = Mention(mention.start + at, mention.end + at, mention.text)
                break
        subject = self._subject_organisation(sentence, at)
        authority = None
        organisation = None
        for candidate in (subject, agent):
            if candidate is None:
                continue
            if self.lexicon.authority(candidate.text) is not None:
                authority = authority or candidate
            elif organisation is None:
                organisation = candidate.text
        if organisation is None and subject is not None and subject is authority:
            # "The EMA has granted Acme AB a certificate": Acme AB reached the milestone.
            recipient = first_after(self.entities.organisations_in(sentence), at)
            if recipient is None:  # "A and B announced that the FDA granted …": A
                announcers = self.entities.organisations_in(sentence[: subject.start])
                recipient = announcers[0] if announcers else None
            organisation = recipient.text if recipient else None
        if authority is None:
            authority = nearest(authorities, at)
        authority = self._named(authority)
        if organisation is not None or index is None:
            return organisation, authority, organisation is not None
        # Unnamed: the product's maker, where the article says who made it; the company
        # "the drug" or "it" belongs to (named in the sentence before); else the item's on
        # a roundup page (an item naming none has no one), else the article's main
        # organisation; named by no one at all (a regulator's notice, a teaser), what the
        # milestone is about: the product, else the authority.
        section = self.sections[index]
        developer = self.entities.developers.get(self.entities.product_key(product or ""))
        fallback = developer or self._owner_before(index) or section
        if fallback is None:
            fallback = self.main
        rules = self.lexicon.kind(kind) if kind else None
        acts = rules is not None and rules.authority_joiner in ("from", "by")
        fallback = fallback or product or (authority.text if authority and acts else None)
        return fallback, authority, False

    def _unnamed_product(self, sentence: str) -> bool:
        """Whether a sentence speaks of a company's product without naming it ("Hrain
        Bio's BCMA CAR-T cell"): an organisation's possessive before a therapy noun."""
        for mention in self.entities.organisations_in(sentence):
            if UNNAMED_PRODUCT.match(sentence, mention.end):
                return True
        return False

    def _owner_before(self, index: int) -> str | None:
        """The organisation a sentence speaking of "the drug" or "it" refers to: the first
        one (not an authority) the nearest sentence before it names, in the same item."""
        if index == 0 or not THE_PRODUCT.search(self.sentences[index].text):
            return None
        for back in range(index - 1, max(-1, index - 1 - ANAPHORA_SENTENCES), -1):
            if self.sections[back] != self.sections[index]:
                return None
            for mention in self.entities.organisations_in(self.sentences[back].text):
                if self.lexicon.authority(mention.text) is None and not INVESTOR.search(
                    mention.text
                ):
                    return mention.text
        return None

    def _named(self, authority: Mention | None) -> Mention | None:
        """An authority described rather than named ("the UK's medicines regulator"): by
        its name when the article names one regulator of its country (or, for one of no
        country, a single regulator in all)."""
        if authority is None:
            return None
        known = self.lexicon.authority(authority.text)
        if known is not None and not known.described:
            return self._undotted(authority, known.names)
        if known is None:
            return authority
        regulators = self._regulators_named()
        candidates = [
            text
            for name, text in regulators.items()
            if known.jurisdiction is None
            or (self.lexicon.authority(name) or known).jurisdiction == known.jurisdiction
        ]
        if len(candidates) == 1:
            return Mention(authority.start, authority.end, candidates[0])
        return authority

    def _regulators_named(self) -> dict[str, str]:
        """The regulators the article names (each by its first name in the data): how the
        article writes each, first; read sentence by sentence, once."""
        if self._regulators is None:
            self._regulators = {}
            self._written = set()
            for sentence in self.sentences:
                for mention in self._authorities_in(sentence.text):
                    self._written.add(mention.text)
                    found = self.lexicon.authority(mention.text)
                    if found is not None and not found.described and found.role == "regulator":
                        self._regulators.setdefault(found.names[0], mention.text)
        return self._regulators

    def _undotted(self, authority: Mention, names: tuple[str, ...]) -> Mention:
        """An authority written with dotted initials ("U.S. Food and Drug Administration")
        by its longest name without them that the article also writes ("Food and Drug
        Administration"): a name is found, and shown, the same way everywhere."""
        if "." not in authority.text:
            return authority
        undotted = sorted((n for n in names if "." not in n), key=len, reverse=True)
        self._regulators_named()
        for name in undotted:
            if name in self._written or any(w.endswith(" " + name) for w in self._written):
                return Mention(authority.start, authority.end, name)
        return authority

    def _funded(self, sentence: str, match: re.Match[str]) -> str | None:
        """The company a round was invested in, when the trigger ends "… in" ("Harbor
        Ventures led a $40 million investment in Larkspur Bio"): the funded company, not
        the investor, reached the milestone."""
        if not match.group().rstrip().endswith(" in"):
            return None
        window = sentence[match.end() : match.end() + 120]
        after = self.entities.organisations_in(window)
        if after and after[0].start <= 5:
            return after[0].text
        chunks = candidate_chunks(window)
        if chunks and chunks[0].start <= 5:
            if not is_excluded(chunks[0].text, self.lexicon, set(self.entities.products)):
                self.entities.add_organisation(chunks[0].text)
                return chunks[0].text
        return None

    # -- what --------------------------------------------------------------------------

    def _product(self, kind: str, index: int, at: int) -> str | None:
        """The product nearest the trigger; else, for a kind about a product, the one
        "it" or "the therapy" stands for (the last named in the sentences before, in the
        same item of a roundup), else the article's only product (by any of its names)."""
        sentence = self.sentences[index]
        product = nearest(self.entities.products_in(sentence.text), at)
        if product is not None:
            return product.text
        if kind not in self.lexicon.product_kinds:
            return None
        if PRODUCT_ANAPHOR.search(sentence.text):
            section = self.sections[index]
            for back in range(index - 1, max(-1, index - 1 - ANAPHORA_SENTENCES), -1):
                if self.sections[back] != section:
                    break
                before = self.sentences[back].text
                named = self.entities.products_in(before)
                if named:
                    return named[-1].text
                if self._unnamed_product(before):
                    return None  # "Hrain Bio's BCMA CAR-T cell …": "the drug" has no name
        if len({self.entities.product_key(p) for p in self.entities.products}) == 1:
            return self.entities.products[0]
        if PRODUCTS_TOGETHER.search(sentence.text):
            return None  # "Both products received …": no one of them
        # Of several, the one its paragraph is about: the last named in the sentences
        # before it, in the same paragraph ("Lumivo is … The study enrolled … No serious
        # adverse events were seen.").
        for back in range(index - 1, max(-1, index - 1 - ANAPHORA_SENTENCES), -1):
            if "\n" in self.text[self.sentences[back].end : self.sentences[back + 1].start]:
                break
            named = self.entities.products_in(self.sentences[back].text)
            if named:
                return named[-1].text
        return None

    def _indication(self, index: int, at: int) -> str | None:
        """The disease named after the trigger, else in a "This IND …" follow-up, else before."""
        sentence = self.sentences[index].text
        found = INDICATION.search(sentence, at)
        if found is None and index + 1 < len(self.sentences):
            following = self.sentences[index + 1].text
            if FOLLOW_UP.match(following):
                found = INDICATION.search(following, 0, EVIDENCE_MAX_CHARS)
        if found is None:
            found = INDICATION.search(sentence)
        if found is None:
            return None
        # "for AB-101 in relapsed lymphoma": the disease is what follows the last "in".
        indication = LAST_LINK.split(found.group("indication"))[-1].strip()
        return indication if fits(indication) else None

    def _date(self, index: int, at: int) -> str | None:
        """The date in the trigger's clause, else one a "The funding was announced on …"
        follow-up sentence gives."""
        sentence = self.sentences[index].text
        lo, hi = clause_around(sentence, at)
        aside = ASIDE.search(sentence, at, hi)  # "… approved X — a first since 2006 —"
        found = date_near(
            sentence, at, self._dates_in(sentence), within=(lo, aside.start() if aside else hi)
        )
        if found is None and index + 1 < len(self.sentences):
            following = self.sentences[index + 1].text
            if FOLLOW_UP.match(following):
                found = date_near(following, 0, self._dates_in(following))
        return found

    def _jurisdiction(self, authority: Mention | None, sentence: str, at: int) -> str | None:
        if authority is not None:
            known = self.lexicon.authority(authority.text)
            if known is not None and known.jurisdiction:
                return known.jurisdiction
        lo, hi = clause_around(sentence, at)
        codes = {
            self.lexicon.country_code(p.text)
            for p in self.lexicon.places_in(sentence[lo:hi])
            if not is_home(sentence, lo + p.start, lo + p.end)
        }
        codes.discard(None)
        return codes.pop() if len(codes) == 1 else None

    # -- milestones --------------------------------------------------------------------

    def _kinds_in(self, sentence: Sentence) -> list[tuple[str, re.Match[str]]]:
        """Each kind the sentence states, at most once per clause; none from a clause
        that sets a condition or a purpose, supposes or instructs."""
        text = sentence.text
        spans = clauses(text)
        matched: dict[str, dict[int, re.Match[str]]] = {}
        scanned = inner_stops(text)
        folded = fold(scanned)
        for rules in self.lexicon.kinds_in(folded):
            if rules.requires is not None and not rules.requires.search(text):
                continue
            hedged = HEDGED if rules.negation_is_news else NOT_A_FACT
            for match in rules.trigger.finditer(scanned, folded):
                clause = clause_of(spans, match.start())
                if clause in matched.get(rules.name, ()):
                    continue  # one statement of a kind per clause: its first trigger
                if hedged.search(text[max(0, match.start() - 60) : match.end()]):
                    continue
                if OPEN_QUESTION.search(text, spans[clause][0], match.start()):
                    continue
                if clause_kind(text, match.start()) is not None:
                    continue
                context = text[max(0, match.start() - 40) : match.end()]
                if rules.not_in_match is not None and rules.not_in_match.search(context):
                    continue
                matched.setdefault(rules.name, {})[clause] = match
        dropped = {d for kind in matched for d in self.lexicon.supersedes[kind]}
        return [
            (kind, match)
            for kind, by_clause in matched.items()
            if kind not in dropped
            for match in by_clause.values()
        ]

    def milestones(self) -> list[Found]:
        """Every statement of a milestone, in the article's order (``merge`` makes one of
        each fact)."""
        found: list[Found] = []
        for index, sentence in enumerate(self.sentences):
            if len(sentence.text) > EVIDENCE_MAX_CHARS or not self.news[index]:
                continue
            if not self.relevant[index] or GENERIC.match(sentence.text):
                continue
            for kind, match in self._kinds_in(sentence):
                product = self._product(kind, index, match.start())
                organisation, authority, explicit = self._who(
                    sentence.text, match.start(), index, product, kind
                )
                known = self.lexicon.authority(authority.text) if authority else None
                rules = self.lexicon.kind(kind)
                if rules is not None and rules.by_hta and known is not None and known.hta:
                    kind = rules.by_hta  # "NICE approves X": paid for, not licensed
                    rules = self.lexicon.kind(kind)
                if rules is not None and not rules.authority_joiner:
                    authority = None  # a trial start or a deal has no authority of its own
                if kind == "funding" and (funded := self._funded(sentence.text, match)):
                    organisation, explicit = funded, True  # "… led a $40M round in Acme"
                if organisation is None:
                    continue
                if sentence.is_heading and not explicit and product is None:
                    continue  # a heading naming neither: its body says whose it is
                if (
                    known is not None
                    and self.lexicon.authority(organisation) == known
                    and SCHEME_AFTER.match(sentence.text, match.end())
                ):
                    continue  # "The FDA launched its RMAT designation programme": no grant
                parties = (
                    coordinated_parties(sentence.text, match.start(), self.entities, self.lexicon)
                    or (
                        counted_products(
                            kind, sentence.text, organisation, self.entities, self.lexicon
                        )
                        if product is None
                        else []
                    )
                    or [(organisation, product)]
                )
                lo, hi = clause_around(sentence.text, match.start())
                window = sentence.text[max(lo, match.start() - 60) : min(hi, match.end() + 40)]
                before = sentence.text[: match.start()]
                found += [
                    Found(
                        kind,
                        sentence,
                        match.start(),
                        index,
                        {
                            "kind": kind,
                            "status": status_of(window, before),
                            "title": title(
                                self.lexicon,
                                self.entities,
                                kind,
                                organisation,
                                product,
                                authority.text if authority else None,
                                sentence.text,
                                match.start(),
                            ),
                            "date": self._date(index, match.start()),
                            "organisation": organisation,
                            "authority": authority.text if authority else None,
                            "jurisdiction": self._jurisdiction(
                                authority, sentence.text, match.start()
                            ),
                            "product": product,
                            "indication": self._indication(index, match.start()),
                            "evidence": sentence.text,
                        },
                        explicit or len(parties) > 1,
                        event=event_label(self.lexicon, kind, sentence.text, match.start()),
                        distinct_by_name=bool(rules and rules.distinct_by_name),
                        product_key=self.entities.product_key(product) if product else "",
                    )
                    for organisation, product in parties
                ]
        return found
